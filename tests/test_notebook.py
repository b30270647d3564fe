from classic_cnn.notebook import format_number, glue


def test_format_number():
    assert format_number(34944) == "34,944"
    assert format_number(0.98333, digits=2) == "0.98"
    assert format_number(138357544.0, digits=0) == "138,357,544"
    assert format_number("7×7") == "7×7"


def test_glue_returns_the_text_and_its_repr_has_no_quotes():
    text = glue("params", 60000)
    assert text == "60,000" and repr(text) == "60,000"
