from classic_cnn.notebook import format_number, glue


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
