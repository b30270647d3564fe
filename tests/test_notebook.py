from classic_cnn.notebook import format_number, glue, html_table


def test_format_number():
    assert format_number(34944) == "34,944"
    assert format_number(0.98333, digits=2) == "0.98"
    assert format_number(138357544.0, digits=0) == "138,357,544"
    assert format_number("7×7") == "7×7"


def test_glue_records_the_formatted_text_without_quotes(monkeypatch):
    import myst_nb

    recorded = {}
    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display: recorded.update({name: repr(value)}))
    assert glue("params", 60000) is None
    assert recorded == {"params": "60,000"}


def test_html_table_formats_numbers_and_escapes():
    table = html_table(["net", "params"], [["a<b", 269722], ["x", 0.5]])
    assert table.data == (
        '<table><thead><tr><th style="text-align:left">net</th><th style="text-align:right">params</th></tr>'
        '</thead><tbody><tr><td style="text-align:left">a&lt;b</td><td style="text-align:right">269,722</td>'
        '</tr><tr><td style="text-align:left">x</td><td style="text-align:right">0.50</td></tr></tbody></table>'
    )
