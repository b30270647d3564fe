"""The Korean edition (tools/i18n.py): complete catalogs, intact markup, and Korean pages in step with the English."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import nbformat
import polib
import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("i18n", ROOT / "tools" / "i18n.py")
i18n = importlib.util.module_from_spec(spec)
sys.modules["i18n"] = i18n
spec.loader.exec_module(i18n)


def entry(msgid: str, msgstr: str) -> polib.POEntry:
    return polib.POEntry(msgid=msgid, msgstr=msgstr)


# --- the catalogs ---------------------------------------------------------------------------------------


def test_every_message_is_translated_and_keeps_its_markup(capsys):
    status = i18n.check(i18n.catalogs())
    report = capsys.readouterr().out
    print(report)  # coverage per page, shown by pytest -rA or on failure
    assert status == 0, report


@pytest.mark.parametrize(
    "english, korean",
    [
        ("A **volume** of $x$ numbers.", "$x$개의 수로 된 **볼륨**."),
        ("A **{term}`volume <Volume (볼륨)>`**, see {glue:}`n`.", "**{term}`볼륨 <Volume (볼륨)>`**, 즉 {glue:}`n`."),
        (
            "Cited {cite:p}`he2016deep` in [the paper](https://arxiv.org).",
            "[논문](https://arxiv.org) {cite:p}`he2016deep`.",
        ),
        ("Volume (볼륨)", "Volume (볼륨)"),  # a glossary key stays itself
    ],
)
def test_checker_accepts_faithful_translations(english, korean):
    assert i18n.markup_problems(i18n.markdown(), entry(english, korean)) == []


@pytest.mark.parametrize(
    "english, korean",
    [
        ("A **{term}`volume <Volume (볼륨)>`** of numbers.", "**{term}`볼륨 <Volume (볼륨)>`**은 수입니다."),  # no bold
        ("It has {glue:}`conv_params` weights.", "{glue:}`conv_param` 개의 가중치."),  # another glued number
        (
            "A {term}`filter <Filter (필터) · kernel (커널)>`.",
            "{term}`필터 <Filter (필터)>`.",
        ),  # another glossary entry
        ("Output $W_2$.", "출력 $W_3$."),  # math changed
        ("Call `nn.Conv2d`.", "nn.Conv2d를 부릅니다."),  # code lost
        ("See [it](https://a.org).", "[보기](https://b.org)."),  # link target changed
        ("Sizes are equal.", "- 크기가 같습니다."),  # became a list
        ("Volume (볼륨)", "볼륨 (Volume)"),  # a glossary key translated
        ("\n\\text{size} = N\n", "\n\\text{크기} = N\n"),  # a math block translated
    ],
)
def test_checker_rejects_broken_markup(english, korean):
    assert i18n.markup_problems(i18n.markdown(), entry(english, korean)) != []


def test_changed_english_turns_its_translation_fuzzy(tmp_path, capsys):
    """Merging new templates keeps old Korean for a changed paragraph, marked fuzzy, and `check` then fails."""
    templates, locales = tmp_path / "templates", tmp_path / "locales"
    (templates / "book").mkdir(parents=True)
    catalog = locales / "ko" / "LC_MESSAGES" / "book" / "page.po"
    catalog.parent.mkdir(parents=True)
    old = polib.POFile()
    old.append(entry("Pooling shrinks each activation map on its own.", "풀링은 활성화 맵을 하나씩 줄입니다."))
    old.append(entry("Stride", "스트라이드"))
    old.save(str(catalog))
    new = polib.POFile()
    new.append(entry("Pooling shrinks each activation map on its own, by a window.", ""))
    new.append(entry("Stride", ""))
    new.save(str(templates / "book" / "page.pot"))

    i18n.merge(templates, locales)

    merged = {e.msgid: e for e in polib.pofile(str(catalog)) if not e.obsolete}
    changed = merged["Pooling shrinks each activation map on its own, by a window."]
    assert "fuzzy" in changed.flags and changed.msgstr == "풀링은 활성화 맵을 하나씩 줄입니다."
    assert merged["Stride"].msgstr == "스트라이드" and "fuzzy" not in merged["Stride"].flags
    assert i18n.check([catalog]) == 1
    assert "1 message(s) untranslated, fuzzy" in capsys.readouterr().out


@pytest.mark.slow
def test_catalogs_hold_exactly_the_english_of_today(tmp_path):
    """A paragraph added or changed in English without `tools/i18n.py update` fails here (then in coverage)."""
    assert i18n.extract(tmp_path / "gettext") == 0
    for page in i18n.pages():
        name = page.relative_to(ROOT).with_suffix("")
        english = {e.msgid for e in polib.pofile(str(tmp_path / "gettext" / f"{name}.pot"))}
        korean = {e.msgid for e in polib.pofile(str(i18n.CATALOGS / f"{name}.po")) if not e.obsolete}
        assert english == korean, f"{name}: run `python tools/i18n.py update` (new: {sorted(english - korean)[:3]})"


# --- the Korean pages -------------------------------------------------------------------------------------


MARKDOWN = """# Title

A paragraph that
spans two lines.

- an item
  with a continuation
- another item

| name | meaning | PyTorch |
|------|---------|---------|
| F | filter size | `kernel_size` |
| S | stride | `stride` |

`quick`
: CPU and
  embedded data.

```{admonition} Learning goals
:class: tip
Goals here.
```

````{solution} ex-one
:class: dropdown

Answer text.

```python
x = 1  # code stays
```
````

$$
x = 1
$$
"""

KOREAN = {
    "Title": "제목",
    "A paragraph that spans two lines.": "두 줄에 걸친 문단입니다.",
    "an item with a continuation": "이어지는 항목",
    "another item": "다른 항목",
    "name": "이름",
    "meaning": "뜻",
    "F": "F",
    "filter size": "필터 크기",
    "S": "S",
    "stride": "스트라이드",
    "`stride`": "`stride`",
    "PyTorch": "PyTorch",
    "`kernel_size`": "`kernel_size`",
    "`quick`": "`quick`",
    "CPU and embedded data.": "CPU와 내장 데이터.",
    "Learning goals": "학습 목표",
    "Goals here.": "목표입니다.",
    "Answer text.": "답입니다.",
}


def translator(table: dict[str, str]) -> i18n.Translator:
    po = polib.POFile()
    for english, korean in table.items():
        po.append(entry(english, korean))
    return i18n.Translator(po)


def test_translator_replaces_every_block_and_keeps_the_markup():
    korean = translator(KOREAN)
    text = korean.markdown(MARKDOWN)
    assert korean.missing == [] and korean.used == set(KOREAN)
    assert text.splitlines()[:8] == [
        "# 제목",
        "",
        "두 줄에 걸친 문단입니다.",
        "",
        "- 이어지는 항목",
        "- 다른 항목",
        "",
        "| 이름 | 뜻 | PyTorch |",
    ]
    assert "| F | 필터 크기 | `kernel_size` |" in text
    assert "| S | 스트라이드 | `stride` |" in text  # the word, not the same word in the next cell's code
    assert "`quick`\n: CPU와 내장 데이터.\n" in text  # a definition list keeps its term once
    assert "```{admonition} 학습 목표\n:class: tip\n목표입니다.\n```" in text
    assert "````{solution} ex-one\n:class: dropdown\n\n답입니다.\n\n```python\nx = 1  # code stays\n```\n````" in text
    assert text.endswith("$$\nx = 1\n$$\n")


def test_translator_reports_what_it_cannot_translate():
    korean = translator({"Title": "제목"})
    korean.markdown("# Title\n\nUnknown paragraph.\n")
    assert korean.missing == ["Unknown paragraph."]


def test_glossary_keeps_its_terms_and_translates_definitions():
    korean = translator({"Stride (스트라이드)": "Stride (스트라이드)", "The step of the filter.": "필터의 보폭."})
    text = korean.markdown("```{glossary}\nStride (스트라이드)\n  The step of\n  the filter.\n```\n")
    assert text == "```{glossary}\nStride (스트라이드)\n  필터의 보폭.\n```\n"


@pytest.mark.parametrize("page", i18n.pages(), ids=lambda page: page.stem)
def test_korean_page_is_generated_from_todays_catalog(page):
    text, translator = i18n.translate(page)
    assert translator.missing == [], f"untranslated: {translator.missing[:3]}"
    assert i18n.korean(page).read_text(encoding="utf-8") == text, "run `python tools/i18n.py notebooks`"


@pytest.mark.parametrize("page", [p for p in i18n.pages() if p.suffix == ".ipynb"], ids=lambda page: page.stem)
def test_korean_notebook_runs_the_same_code(page):
    english = nbformat.read(page, as_version=4)
    korean = nbformat.read(i18n.korean(page), as_version=4)
    switch = [cell for cell in korean.cells if cell.get("id") == "korean-ui"]
    assert len(switch) == 1 and "CLASSIC_CNN_LANG=ko" in switch[0].source
    korean.cells.remove(switch[0])
    assert len(korean.cells) == len(english.cells)
    for ours, theirs in zip(korean.cells, english.cells):
        assert (ours.cell_type, ours.get("id"), ours.metadata.get("tags"), ours.metadata.get("nbgrader")) == (
            theirs.cell_type,
            theirs.get("id"),
            theirs.metadata.get("tags"),
            theirs.metadata.get("nbgrader"),
        )
        if ours.cell_type == "code":
            assert ours.source == theirs.source and ours.outputs == theirs.outputs


# --- the Korean site --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_korean_site_renders_every_role(built_book):
    """Glued numbers, glossary links and citations became text in every Korean page: no raw `{glue:}` left."""
    assert built_book.returncode == 0, built_book.log[-5000:]
    pages = sorted((built_book.html / "ko" / "book" / "ko").glob("*.html"))
    assert len(pages) == len(i18n.pages())
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert '<html lang="ko"' in html, page.name
        for raw in ("{glue:}", "{term}", "{cite:p}", "{doc}", "{numref}"):
            assert raw not in html, f"{page.name}: {raw} left as text"
