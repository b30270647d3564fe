"""The widgets in Korean: ``CLASSIC_CNN_LANG``, the package's catalog, Python's Korean outputs, and English outputs that
turn Korean in the browser on a page whose ``<html lang>`` is ``ko`` (Chromium) while English pages stay English."""

from __future__ import annotations

import collections
import hashlib
import json
import re
import shutil
import subprocess

import polib
import pytest
import torch
from test_site import browser  # noqa: F401 — the module's Chromium (skips where there is none)
from test_widgets_js import NODE, require_node, shipped_library
from torch import nn

from classic_cnn import i18n, widgets
from classic_cnn.widgets.explorers import DEFINITIONS, TABLE
from classic_cnn.widgets.render import RENDERERS

HANGUL = re.compile(r"[\uac00-\ud7a3]")
IMPOSSIBLE = {  # a setting with no output (the receptive field has none: its largest stack instead)
    "conv": dict(input_size=3, kernel_size=9),
    "pool": dict(input_size=4, kernel_size=6),
    "receptive-field": dict(layers=5, kernel_size=7, stride=2, channels=512),
    "bottleneck": dict(bottleneck=0),
}


def catalog() -> polib.POFile:
    return polib.pofile(str(i18n.catalog_path("ko")))


# --- the language and the catalog --------------------------------------------------------------


def test_language_comes_from_the_environment_and_refuses_others(monkeypatch):
    monkeypatch.delenv("CLASSIC_CNN_LANG", raising=False)
    assert i18n.language() == "en" and i18n.ui("Clear") == "Clear"
    monkeypatch.setenv("CLASSIC_CNN_LANG", "ko")
    assert i18n.language() == "ko" and i18n.ui("Clear") == "지우기"
    assert i18n.ui("Clear", "en") == "Clear"
    monkeypatch.setenv("CLASSIC_CNN_LANG", "kr")
    with pytest.raises(ValueError, match=r"CLASSIC_CNN_LANG must be one of en, ko, got 'kr'"):
        i18n.language()
    with pytest.raises(ValueError, match=r"language must be one of en, ko, got 'fr'"):
        i18n.ui("Clear", "fr")


def test_the_site_builds_words_are_there():
    assert [i18n.ui(text, "ko") for text in ("Show solution", "Hide solution", "Show check", "Hide check")] == [
        "풀이 보기",
        "풀이 숨기기",
        "확인 코드 보기",
        "확인 코드 숨기기",
    ]
    assert i18n.ui("AlexNet", "ko") == "AlexNet"  # not a UI string: unchanged


def test_every_ui_string_is_in_the_catalog_translated_and_current():
    entries = [entry for entry in catalog() if not entry.obsolete]
    assert [entry.msgid for entry in entries] == list(i18n.messages())  # `python -m classic_cnn.i18n update`
    template = polib.pofile(str(i18n.catalog_path("ko").parents[2] / "classic_cnn.pot"))
    assert [entry.msgid for entry in template] == list(i18n.messages())
    assert len(entries) > 100
    untranslated = [entry.msgid for entry in entries if not entry.msgstr or entry.fuzzy]
    assert not untranslated
    assert all(HANGUL.search(entry.msgstr) for entry in entries)


def pieces(text: str) -> dict[str, collections.Counter]:
    """What a translation must keep: placeholders, markup and numbers (outside the placeholders)."""
    bare = re.sub(r"\{\w+\}|<[^>]*>", " ", text)
    return {
        "placeholders": collections.Counter(re.findall(r"\{\w+\}", text)),
        "markup": collections.Counter(re.findall(r"<[^>]*>", text)),
        "numbers": collections.Counter(re.findall(r"\d+", bare)),
    }


@pytest.mark.parametrize("entry", [entry for entry in catalog() if not entry.obsolete], ids=lambda entry: entry.msgid)
def test_translations_keep_placeholders_markup_and_numbers(entry):
    assert pieces(entry.msgstr) == pieces(entry.msgid)


def test_update_adds_new_words_untranslated_and_drops_old_ones(tmp_path):
    shutil.copytree(i18n.catalog_path("ko").parents[2], tmp_path / "locales")
    path = tmp_path / "locales" / "ko" / "LC_MESSAGES" / "classic_cnn.po"
    po = polib.pofile(str(path))
    po.remove(po.find("Clear"))
    po.append(polib.POEntry(msgid="a word no widget shows", msgstr="아무 데도 없는 말"))
    changed = po.find("the modern network beside it")
    changed.msgid = "the modern network next to it"  # as if the English had just changed
    po.save(str(path))
    assert i18n.update(tmp_path / "locales") == (2, 2)
    po = polib.pofile(str(path))
    assert po.find("Clear").msgstr == "" and po.find("a word no widget shows") is None
    carried = po.find("the modern network beside it")
    assert carried.fuzzy and carried.msgstr == "현대식 네트워크도 나란히 보기"  # to check, not to trust
    assert carried.previous_msgid == "the modern network next to it"
    assert po.find("Show check").msgstr == "확인 코드 보기"  # the others keep their translations


# --- Python's outputs in Korean ------------------------------------------------------------------


def numbers(html: str) -> collections.Counter:
    """Every number a view shows (in its text, not its markup)."""
    return collections.Counter(re.findall(r"\d+(?:[,.]\d+)*", re.sub(r"<[^>]*>", " ", html)))


def outputs(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-output="([\w-]+)"[^>]*>([^<]*)<', html))


@pytest.mark.parametrize("setting", ["defaults", "impossible"])
@pytest.mark.parametrize("kind", list(DEFINITIONS))
def test_every_explorer_renders_in_korean(kind, setting, monkeypatch):
    settings = {} if setting == "defaults" else IMPOSSIBLE[kind]
    english = widgets.Explorer(kind, **settings)
    monkeypatch.setenv("CLASSIC_CNN_LANG", "ko")
    korean = widgets.Explorer(kind, **settings)
    page = korean.html()
    assert f'data-explorer="{kind}" lang="ko"' in page and ' lang="ko"' not in english.html()
    assert i18n.ui(DEFINITIONS[kind].title, "ko") in page
    view = korean.view_html
    assert HANGUL.search(view) and view.split('data-status="')[1][:4] == english.view_html.split('data-status="')[1][:4]
    assert numbers(view) == numbers(english.view_html)
    hooks, original = outputs(view), outputs(english.view_html)
    assert hooks.keys() == original.keys()
    assert {key: hooks[key] for key, value in original.items() if not re.search("[A-Za-z]", value)} == {
        key: value for key, value in original.items() if not re.search("[A-Za-z]", value)
    }  # the same sizes, counts and fields
    assert korean.widget().output.value == view  # the kernel's form says the same
    words = re.sub(r"<[^>]*>", " ", view)
    english_phrases = [
        phrase.strip()
        for text in i18n.messages(TABLE["text"][kind])
        for phrase in re.split(r"\{\w+\}|<[^>]*>", text)
        if len(re.findall("[A-Za-z]{2,}", phrase)) >= 2
    ]
    assert english_phrases and not [phrase for phrase in english_phrases if phrase in words]


def test_kernel_forms_speak_korean(monkeypatch):
    monkeypatch.setenv("CLASSIC_CNN_LANG", "ko")
    conv = widgets.conv_explorer().widget()
    assert conv.controls["stride"].description == "스트라이드 S"
    assert conv.buttons["same-padding"].description == "same 패딩"
    pool = widgets.pool_explorer().widget()
    assert pool.controls["mode"].options == (("최대", "max"), ("평균", "avg")) and pool.controls["mode"].label == "최대"
    pool.controls["mode"].value = "avg"
    assert "평균입니다" in pool.output.value and pool.settings["mode"] == "avg"
    walker = widgets.architecture_walker(selected="GoogLeNet")
    widget = walker.widget()
    assert widget.controls["architecture"].description == "네트워크"
    assert "<th>곱셈-덧셈</th>" in widget.output.value and "보조 분류기" in widget.output.value
    assert ' lang="ko"' in walker.html()


def tiny_model_and_images():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2)), torch.randn(2, 1, 8, 8)


def test_activation_explorer_speaks_korean(monkeypatch):
    model, images = tiny_model_and_images()
    monkeypatch.setenv("CLASSIC_CNN_LANG", "ko")
    page = widgets.activation_explorer(model, images).html()
    assert "활성화 맵: 이미지, 층, 채널을 고르세요" in page and re.search(
        r'<p data-output="caption">이미지 0, 0: 6×6×2, 채널 0', page
    )
    kernel = widgets.ActivationExplorer(model, images)
    assert (
        kernel.controls["channel"].description == "채널"
        and "이미지 0, 0: 6×6×2, 채널 0: 최솟값" in kernel.caption.value
    )


def test_each_output_carries_only_its_own_korean_words():
    page = widgets.conv_explorer().html()
    carried = json.loads(
        re.search(r'<script type="application/json" data-ccnn-words="ko">(.*?)</script>', page).group(1)
    )
    assert carried == {**i18n.words(TABLE["explorers"]["conv"]), **i18n.words(TABLE["text"]["conv"])}
    assert "Convolution explorer" in carried and "Pooling explorer" not in carried


# --- the browser's Korean, from the words an output carries --------------------------------------

KOREAN_HARNESS = r"""
const fs = require("fs"), vm = require("vm"), crypto = require("crypto");
const [library, wordsFile, casesFile] = process.argv.slice(2);
const sandbox = {};
vm.runInNewContext(fs.readFileSync(library, "utf8"), sandbox);
const api = sandbox.ClassicCnn, words = JSON.parse(fs.readFileSync(wordsFile, "utf8"));
const text = api.localize(api.TEXT.text, words);
const sha = (value) => crypto.createHash("sha256").update(value, "utf8").digest("hex");
const cases = JSON.parse(fs.readFileSync(casesFile, "utf8"));
process.stdout.write(JSON.stringify(cases.map(([kind, settings]) => sha(api.render[kind](settings, text)))));
"""


def test_the_browser_renders_the_korean_views_python_renders(tmp_path):
    """For a grid of settings, render.js with the Korean words the outputs carry is Python's Korean view, byte for byte."""
    require_node()
    from test_widgets_js import render_grid

    words = {}
    for kind in DEFINITIONS:
        page = widgets.Explorer(kind).html()
        words.update(json.loads(re.search(r'data-ccnn-words="ko">(.*?)</script>', page).group(1)))
    grid = render_grid()[::3]
    (tmp_path / "library.js").write_text(shipped_library(), encoding="utf-8")
    (tmp_path / "words.json").write_text(json.dumps(words, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "cases.json").write_text(json.dumps(grid), encoding="utf-8")
    (tmp_path / "harness.js").write_text(KOREAN_HARNESS, encoding="utf-8")
    files = [str(tmp_path / name) for name in ("harness.js", "library.js", "words.json", "cases.json")]
    run = subprocess.run([NODE, *files], capture_output=True, text=True, timeout=300, encoding="utf-8")
    assert run.returncode == 0, run.stderr
    python = [hashlib.sha256(RENDERERS[kind]("ko", **settings).encode()).hexdigest() for kind, settings in grid]
    assert len(grid) > 500
    assert json.loads(run.stdout) == python


SHOWN = """(root) => {
  const copy = root.cloneNode(true);
  copy.querySelectorAll("script, style").forEach((element) => element.remove());
  const labels = Array.from(root.querySelectorAll("[aria-label]"), (element) => element.getAttribute("aria-label"));
  const options = Array.from(root.querySelectorAll("option"), (option) => option.value + "=" + option.textContent);
  return {text: copy.textContent.replace(/\\s+/g, " "), labels: labels, options: options};
}"""


@pytest.fixture(scope="module")
def open_page(browser, tmp_path_factory):  # noqa: F811 — test_site's fixture
    """Open outputs in a page with the given <html lang>; console errors are collected on ``page.errors``."""
    folder = tmp_path_factory.mktemp("i18n")
    pages = []

    def open_(body: str, lang: str):
        file = folder / f"page{len(pages)}.html"
        file.write_text(
            f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'></head><body>{body}</body></html>"
        )
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.errors = []
        page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.goto(file.as_uri())
        page.wait_for_selector("[data-mounted='true']", state="attached")
        pages.append(page)
        return page

    yield open_
    for page in pages:
        page.close()


def text_of(html: str) -> str:
    """What a rendered view reads as, as SHOWN gives it from the page."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]*>", "", html))


def shown(page, selector: str) -> dict:
    return page.eval_on_selector(selector, SHOWN)


def move(page, selector: str, value: str) -> None:
    page.fill(selector, value) if page.get_attribute(selector, "type") == "range" else page.select_option(
        selector, value
    )
    page.dispatch_event(selector, "input")


MOVES = {
    "conv": ("stride", "3"),
    "pool": ("mode", "avg"),
    "receptive-field": ("layers", "5"),
    "bottleneck": ("bottleneck", "0"),
}


def test_english_outputs_turn_korean_on_a_korean_page_and_stay_english_on_an_english_one(open_page, monkeypatch):
    """Each widget executed in English, on <html lang="ko">, shows what the widget executed in Korean shows:
    Korean words, the same numbers, before and after a control moves. On <html lang="en"> not a Korean letter."""
    model, images = tiny_model_and_images()

    def outputs_html() -> str:
        parts = [widgets.Explorer(kind).html() for kind in DEFINITIONS]
        parts.append(widgets.architecture_walker(selected="GoogLeNet").html())
        parts.append(widgets.activation_explorer(model, images).html())
        return "".join(parts)

    english_outputs = outputs_html()
    monkeypatch.setenv("CLASSIC_CNN_LANG", "ko")
    korean_outputs = outputs_html()
    translated, native, english = (
        open_page(english_outputs, "ko"),
        open_page(korean_outputs, "en"),
        open_page(english_outputs, "en"),
    )
    kinds = [*DEFINITIONS, "architecture", "activations"]
    for kind in kinds:
        selector = f'[data-explorer="{kind}"]'
        assert shown(translated, selector) == shown(native, selector), kind
        assert HANGUL.search(shown(translated, selector)["text"]), kind
        seen = shown(english, selector)
        assert not HANGUL.search(json.dumps(seen, ensure_ascii=False)), kind
    for kind, (name, value) in MOVES.items():
        control = f'[data-explorer="{kind}"] [data-control="{name}"]'
        for page in (translated, native, english):
            move(page, control, value)
        selector = f'[data-explorer="{kind}"] [data-output="view"]'
        assert shown(translated, selector) == shown(native, selector), kind
        settings = {**DEFINITIONS[kind].defaults, name: int(value) if value.isdigit() else value}
        for page, language in ((translated, "ko"), (english, "en")):  # the words and numbers Python renders
            assert shown(page, selector)["text"] == text_of(RENDERERS[kind](language, **settings)), (kind, language)
    for page in (translated, native, english):
        move(page, '[data-explorer="activations"] [data-control="channel"]', "1")
        move(page, '[data-explorer="architecture"] [data-control="architecture"]', "ResNet-50")
    for kind in ("activations", "architecture"):
        assert shown(translated, f'[data-explorer="{kind}"]') == shown(native, f'[data-explorer="{kind}"]')
    caption = '[data-explorer="activations"] [data-output="caption"]'
    assert translated.text_content(caption).startswith("이미지 0, 0: 6×6×2, 채널 1: 최솟값")
    assert english.text_content(caption).startswith("image 0, 0: 6×6×2, channel 1: min")
    assert translated.errors == native.errors == english.errors == []


def test_the_playground_turns_korean_on_a_korean_page(open_page, monkeypatch):
    from test_playground import digits_trainer, recorded_without_training

    moments, modern = recorded_without_training(digits_trainer("paper")), digits_trainer("modern")
    english_output = widgets.LeNetPlayground(moments, modern).html()
    monkeypatch.setenv("CLASSIC_CNN_LANG", "ko")
    korean_output = widgets.LeNetPlayground(moments, modern).html()
    translated, native, english = (
        open_page(english_output, "ko"),
        open_page(korean_output, "en"),
        open_page(english_output, "en"),
    )
    for page in (translated, native, english):
        page.check("[data-control='modern']")
        move(page, "[data-control='moment']", "0")
        page.select_option("[data-control='digit']", "3")
    root = '[data-explorer="lenet-playground"]'
    assert shown(translated, root) == shown(native, root)
    text = shown(translated, root)["text"]
    assert (
        "숫자를 그려 보세요" in text and "학습 전" in text and "테스트 숫자 4: " in text and "C3: 10×10 맵 16개" in text
    )
    assert not HANGUL.search(json.dumps(shown(english, root), ensure_ascii=False))
    assert "reads" in english.text_content(f"{root} [data-output='prediction']")
    for name in ("classic", "modern"):  # the same networks read the same digit
        network = f"[data-network='{name}']"
        assert translated.get_attribute(network, "data-prediction") == english.get_attribute(network, "data-prediction")
    assert translated.errors == native.errors == english.errors == []
