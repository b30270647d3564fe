"""The rendered site in a real browser: Debian's Chromium, headless, driven by Playwright, with no network.

Every page in the table of contents, at a desktop width (1280 px) and a phone width (390 px), must load with
no console error and no failed request, ask nothing of any other host (the site serves its own require.js,
widget embedder and MathJax: tools/site_assets.py), have no broken internal link, anchor or image, render its
math and its widgets, and, for a notebook, point the Colab and download buttons at its .ipynb. What a reader
sees is checked too: no page scrolls sideways at 390 px; no table column or equation is cut at 1280 px; every
image and figure SVG has alt text that is not a file path; no text shows a log line, a traceback, a warning,
an object repr or a path of the machine that built the site; every control of an explorer or widget changes
what is displayed. A static explorer's stride control is moved and the output size it shows must follow
``classic_cnn.shapes``. Both editions are visited: English at the root and Korean under ``ko/``, each page with
its language and a switch to the same page in the other edition. With ``CLASSIC_CNN_SCREENSHOTS=1`` full-page
screenshots go to _build/screenshots/<page>_<width>.png (for reading the site; CI skips them, they cost a third
of the test's time).

A small fixture book made here (widgets, math, an explorer, and a page with planted faults) shows that the
checks pass on what should pass and catch what they should catch. Skips when chromium or playwright is
missing (CI installs both; ``apt-get install chromium``; ``CHROMIUM_PATH`` points at another Chromium).
"""

from __future__ import annotations

import base64
import functools
import http.server
import json
import os
import re
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = {"desktop": 1280, "phone": 390}  # CSS pixels; the phone is an iPhone 12-14's 390×844
HEIGHTS = {1280: 900, 390: 844}
# What no reader should meet in a page's text: a log line, a traceback, a warning, an object's default repr, or a
# path of the machine that built the site (its home, this checkout, a temporary folder).
LEAKS = re.compile(
    "|".join(
        [r"object at 0x", r"Downloading", r"\.cache/", r"Traceback", r"Warning:", r"/home/\w", r"/root/", r"/tmp/"]
        + [re.escape(str(path)) for path in {ROOT, Path.home()} if len(str(path)) > 1]
    )
)
SCREENSHOTS = ROOT / "_build" / "screenshots"
TAKE_SCREENSHOTS = os.environ.get("CLASSIC_CNN_SCREENSHOTS") == "1"
WIDGET_VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]'
TIMEOUT_MS = 15_000
EXPLORER_WITH_STRIDE = "[data-explorer]:has([data-control='stride']):has([data-output='size'])"


def toc_pages(toc_file: Path = ROOT / "_toc.yml") -> list[str]:
    """Every document in a Jupyter Book table of contents, root first (names without suffix)."""

    def walk(node) -> list[str]:
        if isinstance(node, list):
            return [name for item in node for name in walk(item)]
        if not isinstance(node, dict):
            return []
        names = [node["file"]] if "file" in node else []
        return names + [name for key in ("parts", "chapters", "sections") for name in walk(node.get(key, []))]

    toc = yaml.safe_load(toc_file.read_text())
    return [toc["root"]] + walk(toc)


def korean_pages() -> list[str]:
    """The Korean edition's pages as served: ``ko/`` then the Korean source ``book/ko/<page>`` (tools/i18n.py)."""
    return [f"ko/{Path(name).parent / 'ko' / Path(name).name}" for name in toc_pages()]


def edition_problems(visit: Visit, site: Path, docname: str) -> list[str]:
    """The page says its language, and its English/한국어 switch opens the same page in the other edition."""
    korean = docname.startswith("ko/")
    problems = []
    lang = visit.page.evaluate("document.documentElement.lang")
    if lang != ("ko" if korean else "en"):
        problems.append(f"edition: <html lang={lang!r}>")
    switches = visit.page.locator("a.ccnn-edition-switch")
    if switches.count() != 1:
        return problems + [f"edition: {switches.count()} language switches, expected 1"]
    switch = switches.first
    other = (
        docname.removeprefix("ko/").replace("book/ko/", "book/", 1)
        if korean
        else f"ko/{docname}".replace("book/", "book/ko/", 1)
    )
    if ((site / docname).parent / switch.get_attribute("href")).resolve() != (site / f"{other}.html").resolve():
        problems.append(f"edition: the switch opens {switch.get_attribute('href')}, not {other}.html")
    if not switch.is_visible():
        problems.append("edition: the language switch is not visible")
    return problems


@contextmanager
def serve(folder: Path):
    """Serve ``folder`` on 127.0.0.1 from a thread; yields the base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH); CI installs it")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield chromium
        chromium.close()


class Visit:
    """One page opened in a fresh browser context; what it logged, requested and failed to load."""

    def __init__(self, browser, base: str, path: str, width: int = 1280):
        self.base = base
        self.width = width
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.outside: list[str] = []
        self.context = browser.new_context(viewport={"width": width, "height": HEIGHTS.get(width, 900)})
        self.context.route("**/*", self._local_only)
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(error.message))
        self.page.on("requestfailed", lambda request: self._failed(request.url, request.failure))
        self.page.on(
            "response", lambda response: response.status >= 400 and self._failed(response.url, response.status)
        )
        self.response = self.page.goto(base + path, wait_until="load")

    def _local_only(self, route):
        if route.request.url.startswith(self.base):
            route.continue_()
        else:  # the site must work offline: record and refuse
            self.outside.append(route.request.url)
            route.abort()

    def _failed(self, url: str, why) -> None:
        if url.startswith(self.base):
            self.failed.append(f"{url[len(self.base) :]} ({why})")

    def close(self) -> None:
        self.context.close()


def _ids_in(html_file: Path, cache: dict) -> set[str]:
    if html_file not in cache:
        cache[html_file] = set(re.findall(r'\b(?:id|name)="([^"]+)"', html_file.read_text(encoding="utf-8")))
    return cache[html_file]


def page_problems(visit: Visit, site: Path, ids_cache: dict | None = None) -> list[str]:
    """Everything wrong with a loaded page, each as 'kind: detail'; an empty list means the page is fine."""
    page, base, ids_cache = visit.page, visit.base, {} if ids_cache is None else ids_cache
    problems = []
    if visit.response is None or visit.response.status != 200:
        problems.append(f"status: {visit.response and visit.response.status}")

    # math: every TeX element rendered by MathJax, none with a TeX error
    math = page.evaluate("document.querySelectorAll('.math').length")
    if math:
        try:
            page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
            page.evaluate("() => MathJax.startup.promise.then(() => true)")
        except Exception as error:  # noqa: BLE001 - reported as a problem of the page
            problems.append(f"math: MathJax did not start ({type(error).__name__})")
        unrendered = page.evaluate(
            "[...document.querySelectorAll('.math')].filter(e => !e.querySelector('mjx-container')).length"
        )
        if unrendered:
            problems.append(f"math: {unrendered} of {math} formulas not rendered by MathJax")
        if page.evaluate("document.querySelectorAll('mjx-merror').length"):
            problems.append("math: MathJax reports a TeX error")

    # widgets: every saved view rendered by the embedder, visibly, without an error widget
    views = page.evaluate(f"document.querySelectorAll('{WIDGET_VIEW}').length")
    if views:
        rendered = (
            f"[...document.querySelectorAll('{WIDGET_VIEW}')].filter(s => {{"
            " const area = s.parentElement.querySelector('.widget-subarea');"
            " if (!area || !area.querySelector('.jupyter-widgets')) return false;"
            " const box = area.getBoundingClientRect(); return box.width > 0 && box.height > 0; }).length"
        )
        try:
            page.wait_for_function(f"() => {rendered} === {views}")
        except Exception:  # noqa: BLE001 - counted below
            pass
        shown = page.evaluate(rendered)
        if shown != views:
            problems.append(f"widgets: {views - shown} of {views} widget areas blank")
        if page.evaluate("document.querySelectorAll('.jupyter-widgets-error-widget').length"):
            problems.append("widgets: the embedder shows an error widget")

    # no output box that shows nothing (an empty print, a stray newline)
    empty = page.evaluate(
        "[...document.querySelectorAll('.cell_output > .output')].map(o => o.cloneNode(true)).filter(o => {"
        " o.querySelectorAll('.copybtn').forEach(e => e.remove());"  # textContent, not innerText: a closed toggle
        " return !o.textContent.trim() && !o.querySelector('img, svg, canvas, iframe, video, script, .jupyter-widgets');"
        " }).length"
    )
    if empty:
        problems.append(f"output: {empty} empty output boxes")

    # links and anchors inside the site
    for href in page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.href)"):
        if not href.startswith(base):
            continue
        parts = urlsplit(href)
        target = site / unquote(parts.path).lstrip("/")
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            problems.append(f"link: {href[len(base) :]} does not exist")
        elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in _ids_in(target, ids_cache):
            problems.append(f"link: no anchor #{parts.fragment} in {target.relative_to(site)}")

    # images: loaded, and described by alt text that is not a file name (a figure's caption is not its alt text)
    images = page.evaluate(
        "[...document.images].map(i => ({src: i.getAttribute('src'), alt: (i.getAttribute('alt') || '').trim(),"
        " loaded: i.complete && i.naturalWidth > 0}))"
    )
    for image in images:
        if not image["loaded"]:
            problems.append(f"image: {image['src']} did not load")
        if not described(image["alt"]):
            problems.append(
                f"image: {image['src']} has no alt text (alt {image['alt']!r}; notebook outputs: "
                "cell metadata mystnb.image.alt or mystnb.figure.caption + alt)"
            )
    problems += reader_problems(visit)

    problems += [f"console: {text}" for text in visit.errors]
    problems += [f"request failed: {failure}" for failure in visit.failed]
    problems += [f"outside request: {url}" for url in visit.outside]
    return problems


def described(alt: str) -> bool:
    """Alt text a reader can use: not empty, not a file name or path (what myst-nb writes when given none)."""
    alt = alt.strip()
    return bool(alt) and not re.search(r"(\.(png|jpe?g|gif|svg|webp)$)|^\.{0,2}/|_images/", alt, re.IGNORECASE)


# An element is cut when it reaches past the edge of an ancestor that clips (overflow other than visible).
_CUT = """
(selector) => [...document.querySelectorAll(selector)].filter(e => e.offsetParent !== null).map(e => {
  const box = e.getBoundingClientRect();
  for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
    if (getComputedStyle(a).overflowX === 'visible') continue;
    const edge = a.getBoundingClientRect();
    if (box.right > edge.right + 1 || box.left < edge.left - 1)
      return (e.innerText || (e.parentElement.querySelector('mjx-assistive-mml') || e).textContent)
        .trim().replace(/\\s+/g, ' ').slice(0, 60);
  }
  return null;
}).filter(x => x !== null)
"""
# The elements reaching past the right edge of a page that scrolls sideways, outermost only.
_OVERFLOWING = """
() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width + 1) return [];
  const clipped = e => { for (let a = e.parentElement; a && a !== document.body; a = a.parentElement)
    if (getComputedStyle(a).overflowX !== 'visible') return true; return false; };
  const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > width + 1);
  return wide.filter(e => !wide.includes(e.parentElement) && !clipped(e)).slice(0, 5)
    .map(e => e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined ? '.' + e.className.split(' ')[0] : ''));
}
"""
# Figures drawn as SVG in the page's content (not icons in buttons, links or the theme's chrome).
_SVG_FIGURES = """
() => [...document.querySelectorAll('article svg')].filter(s => !s.parentElement.closest('svg, button, a, label, summary'))
  .filter(s => s.getBoundingClientRect().width >= 48).map(s => ({
    label: (s.getAttribute('aria-label') || (s.querySelector(':scope > title') || {}).textContent || '').trim(),
    where: (s.closest('[id]') || {}).id || ''}))
"""


def reader_problems(visit: Visit) -> list[str]:
    """What a reader would meet at this width: sideways scrolling, cut content, unlabelled figures, leaks, dead controls."""
    page, problems = visit.page, []
    if visit.width <= 480:
        for element in page.evaluate(_OVERFLOWING):
            problems.append(f"layout: the page scrolls sideways at {visit.width} px ({element} is too wide)")
    else:
        for text in page.evaluate(_CUT, "table"):
            problems.append(f"layout: a table is cut at {visit.width} px ({text!r})")
        for text in page.evaluate(_CUT, "mjx-container[display='true'] > mjx-math"):
            problems.append(f"layout: an equation is cut at {visit.width} px ({text!r})")
    for figure in page.evaluate(_SVG_FIGURES):
        if not described(figure["label"]):
            problems.append(f"figure: an SVG figure (in #{figure['where']}) has no aria-label or <title>")
    text = page.evaluate(
        "(() => { const a = (document.querySelector('article') || document.body).cloneNode(true);"
        " a.querySelectorAll('script, style, template').forEach(e => e.remove()); return a.textContent; })()"
    )
    for match in sorted({m.group(0) for m in LEAKS.finditer(text)}):
        start = text.find(match)
        context = " ".join(text[max(0, start - 40) : start + 60].split())
        problems.append(f"leak: {match!r} in the text ({context!r})")
    problems += control_problems(page)
    return problems


# A fingerprint of what an output area displays, leaving out the control itself (its own readout and handle)
# but keeping the values of the other form fields (a linked text box shows its value as a property).
_SHOWN = """
(control) => {
  const area = control.closest('.cell_output') || control.closest('[data-explorer]') || document.body;
  const own = control.closest('[data-explorer] label') ||
    control.closest('.jupyter-widgets:not(.widget-container):not(.widget-subarea)') || control;
  own.setAttribute('data-probe-own', '');
  const copy = area.cloneNode(true);
  own.removeAttribute('data-probe-own');
  copy.querySelectorAll('[data-probe-own], script, style').forEach(e => e.remove());
  const values = [...area.querySelectorAll('input, select, textarea')].filter(e => !own.contains(e)).map(e => e.value);
  return copy.innerHTML + '|' + values.join(',');
}
"""
CONTROLS = (
    ".cell_output :is(input:not([type=hidden]), select, button, textarea, [role=slider]):not(.copybtn):not(.copybtn *)"
)


def _operate(page, control) -> None:
    """Move a control to another value, as a reader would (slider to an end, another option, a click)."""
    kind = control.evaluate(
        "e => e.getAttribute('role') === 'slider' ? 'handle' : e.tagName === 'INPUT' ? e.type : e.tagName.toLowerCase()"
    )
    if kind == "range":
        control.evaluate(
            "e => { e.value = (String(e.value) === String(e.max)) ? e.min : e.max;"
            " e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); }"
        )
    elif kind == "select":
        control.evaluate(
            "e => { const next = [...e.options].find(o => o.value !== e.value); if (next) e.value = next.value;"
            " e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); }"
        )
    elif kind in ("number", "text"):
        current = control.input_value()
        if current.lstrip("-").isdigit():  # one step down: the slider before may have gone to its top
            control.fill(str(int(current) - 1 if int(current) > 0 else int(current) + 1))
        else:
            control.fill(current + "x")
        control.press("Enter")
    elif kind == "handle":
        control.focus()
        page.keyboard.press("End")
        page.keyboard.press("ArrowRight")
    else:
        control.click()


def control_problems(page) -> list[str]:
    """Every control in a cell output must change what the output displays when a reader moves it."""
    problems = []
    for control in page.locator(CONTROLS).all():
        if not control.is_visible():
            continue
        name = control.evaluate(
            "e => e.getAttribute('data-control') || e.getAttribute('data-action') || e.getAttribute('aria-label')"
            " || (e.closest('label, .widget-inline-hbox') || e).innerText.trim().slice(0, 30) || e.tagName"
        )
        before = control.evaluate(_SHOWN)
        _operate(page, control)
        page.wait_for_timeout(50)
        if control.evaluate(_SHOWN) == before and control.evaluate("e => e.tagName === 'BUTTON'"):
            # an action ("same padding") may already hold at these settings: change another setting, try again
            for other in control.locator("xpath=ancestor::*[@data-explorer][1]//input[@type='range']").all():
                _operate(page, other)
                before = control.evaluate(_SHOWN)
                _operate(page, control)
                page.wait_for_timeout(50)
                if control.evaluate(_SHOWN) != before:
                    break
        if control.evaluate(_SHOWN) == before:
            where = control.evaluate("e => (e.closest('[data-explorer]') || {}).dataset?.explorer || 'widget'")
            problems.append(f"control: moving {name!r} ({where}) changes nothing on the page")
    return problems


def notebook_button_problems(visit: Visit, site: Path, docname: str, source_root: Path, config: dict) -> list[str]:
    """A notebook page's Colab button opens its .ipynb in the repository; its download button serves it."""
    problems = []
    repo = urlsplit(config["repository"]["url"]).path.strip("/")
    book_path = config["repository"].get("path_to_book", "").strip("/")
    in_repo = f"{book_path}/{docname}.ipynb" if book_path else f"{docname}.ipynb"
    colab = f"{config['launch_buttons']['colab_url']}/github/{repo}/blob/{config['repository']['branch']}/{in_repo}"
    hrefs = visit.page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))")
    colab_links = [href for href in hrefs if href.startswith(config["launch_buttons"]["colab_url"])]
    if colab_links != [colab]:
        problems.append(f"colab: expected [{colab}], found {colab_links}")
    if not (source_root / f"{docname}.ipynb").is_file():
        problems.append(f"colab: {docname}.ipynb is not in the repository")
    downloads = [href for href in hrefs if href.endswith(f"_sources/{docname}.ipynb")]
    if not downloads:
        problems.append(f"download: no link to _sources/{docname}.ipynb")
    for href in downloads:
        served = site / urlsplit(visit.page.url).path.lstrip("/")
        notebook = (served.parent / href).resolve()
        if not notebook.is_file() or "cells" not in json.loads(notebook.read_text(encoding="utf-8")):
            problems.append(f"download: {href} is not a notebook")
    return problems


def move_stride(visit: Visit) -> list[tuple[str, str, str]]:
    """On each explorer showing a size and a stride control: press → until the size changes (or stride tops out).

    Returns (explorer kind, size shown, size expected from classic_cnn.shapes) after every key press.
    """
    from classic_cnn.shapes import conv_output_size, pool_output_size

    def expected(kind: str, values: dict[str, str]) -> str:
        n, k, s = int(values["input_size"]), int(values["kernel_size"]), int(values["stride"])
        try:
            if kind == "conv":
                size = conv_output_size(n, k, s, int(values["padding"]))
                return f"{size}×{size}×{values['filters']}"
            size = pool_output_size(n, k, s)
            return f"{size}×{size}"
        except ValueError:
            return "none"

    readings = []
    for explorer in visit.page.locator(EXPLORER_WITH_STRIDE).all():
        kind = explorer.get_attribute("data-explorer")
        explorer.and_(visit.page.locator("[data-mounted='true']")).wait_for()  # its script has run
        stride = explorer.locator("[data-control='stride']")
        size = explorer.locator("[data-output='size']")
        before = size.inner_text()
        stride.focus()
        while True:
            previous_stride = stride.input_value()
            visit.page.keyboard.press("ArrowRight")
            values = {
                control.get_attribute("data-control"): control.input_value()
                for control in explorer.locator("[data-control]").all()
            }
            shown = size.inner_text()
            readings.append((kind, shown, expected(kind, values) if kind in ("conv", "pool") else shown))
            if shown != before or stride.input_value() == previous_stride:
                break
        readings.append((kind, "changed" if shown != before else f"stuck at {before}", "changed"))
    return readings


def screenshot(target, name: str, **options) -> Path:
    """Save a screenshot of a page or an element into _build/screenshots/ (gitignored); returns its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name.replace('/', '_')}.png"
    target.screenshot(path=str(path), **options)
    return path


# --- the real book ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def book_site(browser, request):
    built_book = request.getfixturevalue("built_book")  # only once chromium is known to be there
    if built_book.returncode != 0:
        pytest.fail("the book did not build (see test_book.py)")
    if not (built_book.html / "_static" / "npm").is_dir():
        pytest.skip("site assets were not fetched (no npm registry?): the site loads them from CDNs")
    with serve(built_book.html) as base:
        yield base, built_book.html


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("docname", toc_pages() + korean_pages())
def test_page(browser, book_site, docname, width):
    base, site = book_site
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    visit = Visit(browser, base, f"{docname}.html", width)
    source = docname.removeprefix("ko/")  # the Korean pages' sources are book/ko/<page> in the repository
    try:
        problems = page_problems(visit, site) + edition_problems(visit, site, docname)
        if (ROOT / f"{source}.ipynb").is_file():
            problems += notebook_button_problems(visit, site, source, ROOT, config)
        if TAKE_SCREENSHOTS:
            visit.page.reload(wait_until="load")  # the control check moved every slider: photograph the page as saved
            visit.page.evaluate("document.fonts.ready.then(() => true)")
            print(f"screenshot: {screenshot(visit.page, f'{docname}_{width}', full_page=True)}")
    finally:
        visit.close()
    assert problems == [], f"{docname} at {width} px: " + "\n".join(problems)


@pytest.mark.parametrize(
    "path, selectors",
    [
        ("book/glossary.html", [".bd-article dl.glossary"]),  # the English glossary's Korean terms
        ("ko/book/ko/02_lenet.html", [".bd-article p", ".ccnn-explorer, .ccnn-playground"]),  # widgets say system-ui
    ],
)
def test_korean_is_drawn_in_the_sites_own_font(browser, book_site, path, selectors):
    """Hangul in prose and widgets uses the served Noto Sans KR, not empty boxes where no system font has it."""
    base, _ = book_site
    visit = Visit(browser, base, path)
    try:
        visit.page.evaluate("document.fonts.ready.then(() => true)")
        loaded = visit.page.evaluate(
            "[...document.fonts].filter(f => f.family.replace(/['\"]/g, '') === 'Noto Sans KR' && f.status === 'loaded')"
            ".length"
        )
        drawn = visit.page.evaluate("document.fonts.check('16px \"Noto Sans KR\"', '합성곱')")
        families = visit.page.evaluate(
            "selectors => selectors.map(s => document.querySelector(s)).map(e => e && getComputedStyle(e).fontFamily)",
            selectors,
        )
    finally:
        visit.close()
    assert loaded > 0 and drawn, f"{path}: Korean is not drawn with the site's Noto Sans KR"
    assert all(family and family.startswith('"Noto Sans KR"') for family in families), families
    assert visit.outside == [] and visit.failed == []


def test_explorers_follow_the_stride(browser, book_site):
    base, site = book_site
    # pages with a convolution or pooling explorer (the receptive-field explorer has a stride but no size)
    pages = [
        name
        for name in toc_pages()
        if any(f'data-explorer="{kind}"' in (site / f"{name}.html").read_text() for kind in ("conv", "pool"))
    ]
    if not pages:
        pytest.skip("no page in the book has an explorer with a stride control yet")
    for docname in pages:
        visit = Visit(browser, base, f"{docname}.html")
        try:
            readings = move_stride(visit)
            explorer = visit.page.locator(EXPLORER_WITH_STRIDE).first
            print(f"screenshot: {screenshot(explorer, docname + '_explorer')}")
            print(f"{docname}: {readings}")
        finally:
            visit.close()
        assert readings and all(shown == expected for _, shown, expected in readings), (docname, readings)


def test_architecture_walker_switches_panels(browser, book_site):
    base, site = book_site
    pages = [name for name in toc_pages() if 'data-explorer="architecture"' in (site / f"{name}.html").read_text()]
    if not pages:
        pytest.skip("no page in the book has an architecture walker yet")
    for docname in pages:
        visit = Visit(browser, base, f"{docname}.html")
        try:
            walker = visit.page.locator('[data-explorer="architecture"]').first
            walker.scroll_into_view_if_needed()
            shown = []
            for name in walker.locator("option").all_text_contents():
                walker.locator('select[data-control="architecture"]').select_option(name)
                visible = walker.locator("[data-panel]:visible")
                shown.append((name, visible.count(), visible.first.get_attribute("data-panel")))
            print(f"screenshot: {screenshot(walker, docname + '_walker')}")
        finally:
            visit.close()
        assert len(shown) >= 4 and all(count == 1 and panel == name for name, count, panel in shown), (docname, shown)


# --- a fixture book: proves the checks pass and fail where they should ----------------------------------

TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAAQBgEBW5wJ5wAAAABJRU5ErkJggg=="
)


def write_fixture_book(folder: Path, static_dir: Path) -> None:
    """A notebook page with widgets (saved state), math, an explorer and a described image; a faulty page."""
    import ipywidgets
    import nbformat
    from ipywidgets.embed import embed_data
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    from classic_cnn.widgets import conv_explorer

    slider = ipywidgets.IntSlider(value=2, min=1, max=4, description="stride")
    copy = ipywidgets.IntText(value=2, description="copy")
    ipywidgets.jslink((slider, "value"), (copy, "value"))
    embedded = embed_data(views=[ipywidgets.HBox([slider, copy])])

    def output(data: dict):
        return new_output("display_data", data=data)

    image = new_code_cell("plot()", outputs=[output({"image/png": base64.b64encode(TINY_PNG).decode()})])
    image.metadata["mystnb"] = {"image": {"alt": "a two-pixel test image"}}
    notebook = new_notebook(
        cells=[
            new_markdown_cell(
                "# Good page\n\nInline $y = \\lfloor (n - k)/s \\rfloor + 1$ and\n\n$$\nW_2 = \\frac{W - F + 2P}{S} + 1\n$$"
            ),
            new_code_cell(
                "box",
                outputs=[
                    output(
                        {"application/vnd.jupyter.widget-view+json": embedded["view_specs"][0], "text/plain": "HBox()"}
                    )
                ],
            ),
            new_code_cell(
                "conv_explorer()",
                outputs=[
                    output(
                        {
                            "text/html": conv_explorer(input_size=7, kernel_size=3)._repr_html_(),
                            "text/plain": "conv_explorer()",
                        }
                    )
                ],
            ),
            image,
        ]
    )
    notebook.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": embedded["manager_state"]}
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, folder / "good.ipynb")
    faults = (  # raw HTML: faults that Sphinx itself would refuse to build
        "# Bad page\n\n```{raw} html\n"
        '<a href="missing.html">a missing page</a> <a href="good.html#no-such-anchor">a missing anchor</a>\n'
        '<img src="missing.png">\n<script>console.error("planted error")</script>\n'
        '<div style="width: 900px">a block wider than a phone</div>\n'
        '<div style="overflow: hidden; width: 300px"><table><tr><td style="white-space: nowrap">'
        + "wide "
        * 80
        + "</td></tr></table></div>\n"
        '<svg width="120" height="40"><rect width="120" height="40"></rect></svg>\n```\n\n'
        "$$\n" + " + ".join(f"x_{{{i}}}" for i in range(150)) + "\n$$\n"
    )
    empty_print = new_code_cell("print()", outputs=[new_output("stream", name="stdout", text="\n")])
    leak = new_code_cell(
        "load()",
        outputs=[
            new_output("stream", name="stderr", text=f"Downloading: weights.pth to {Path.home()}/.cache/torch\n"),
            output({"text/plain": "<__main__.Net object at 0x7f3a2c1d0e50>"}),
        ],
    )
    dead = new_code_cell(
        "explorer()",
        outputs=[output({"text/html": '<input type="range" min="0" max="4" value="1" aria-label="dead"><p>still</p>'})],
    )
    nbformat.write(
        new_notebook(cells=[new_markdown_cell(faults), empty_print, leak, dead], metadata=notebook.metadata),
        folder / "bad.ipynb",
    )
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["exclude_patterns"] = ["_build/*"]
    config["bibtex_bibfiles"] = [str(ROOT / "book" / "references.bib")]
    config["sphinx"]["local_extensions"] = {name: str(ROOT / "tools") for name in config["sphinx"]["local_extensions"]}
    config["sphinx"]["config"]["html_static_path"] = [str(static_dir), str(ROOT / "book" / "_static")]
    (folder / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))  # script order matters
    (folder / "_toc.yml").write_text("format: jb-book\nroot: good\nchapters:\n  - file: bad\n")


@pytest.fixture(scope="module")
def fixture_site(browser, tmp_path_factory, book_builder):
    source = tmp_path_factory.mktemp("fixture_book")
    write_fixture_book(source, ROOT / "book" / "_static_offline")
    build = book_builder(source, source)
    assert build.returncode == 0, build.log[-5000:]
    if not (build.html / "_static" / "npm").is_dir():
        pytest.skip("site assets were not fetched (no npm registry?)")
    return source, build.html


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_fixture_good_page_passes_every_check(browser, fixture_site, width):
    source, site = fixture_site
    config = yaml.safe_load((source / "_config.yml").read_text())
    with serve(site) as base:
        visit = Visit(browser, base, "good.html", width)
        try:
            problems = page_problems(visit, site) + notebook_button_problems(visit, site, "good", source, config)
            visit.page.reload(wait_until="load")  # the control check moved the controls
            widgets_shown = visit.page.locator(".widget-subarea .widget-hslider").count()
            readings = move_stride(visit)
        finally:
            visit.close()
    assert problems == []
    assert widgets_shown == 1
    assert readings[0] == ("conv", "3×3×2", "3×3×2")  # 7×7 input, 3×3 filter, stride 2, as conv_output_size
    assert readings[-1] == ("conv", "changed", "changed")


def test_fixture_bad_page_fails_the_checks(browser, fixture_site):
    _, site = fixture_site
    with serve(site) as base:
        visit = Visit(browser, base, "bad.html")
        try:
            problems = page_problems(visit, site)
        finally:
            visit.close()
    assert "link: missing.html does not exist" in problems
    assert "link: no anchor #no-such-anchor in good.html" in problems
    assert "image: missing.png did not load" in problems
    assert any(problem.startswith("image: missing.png has no alt text") for problem in problems)
    assert "console: planted error" in problems
    assert "output: 1 empty output boxes" in problems
    assert any(problem.startswith("request failed: missing.png") for problem in problems)
    assert any(problem.startswith("layout: a table is cut at 1280 px ('wide wide") for problem in problems)
    assert any(problem.startswith("layout: an equation is cut at 1280 px") for problem in problems)
    assert any(problem.startswith("figure: an SVG figure") for problem in problems)
    leaks = [problem for problem in problems if problem.startswith("leak:")]
    for planted in ("'Downloading'", "'.cache/'", "'object at 0x'"):
        assert any(problem.startswith(f"leak: {planted}") for problem in leaks), (planted, leaks)
    assert any(str(Path.home()) in problem.split(" in the text")[0] for problem in leaks), leaks  # the home folder
    assert "control: moving 'dead' (widget) changes nothing on the page" in problems


def test_fixture_bad_page_scrolls_sideways_on_a_phone(browser, fixture_site):
    _, site = fixture_site
    with serve(site) as base:
        visit = Visit(browser, base, "bad.html", WIDTHS["phone"])
        try:
            problems = page_problems(visit, site)
        finally:
            visit.close()
    assert "layout: the page scrolls sideways at 390 px (div is too wide)" in problems


def test_build_without_fetched_assets_falls_back_to_cdns(tmp_path, book_builder):
    write_fixture_book(tmp_path, tmp_path / "no_assets_here")
    build = book_builder(tmp_path, tmp_path)
    assert build.returncode == 0, build.log[-5000:]
    page = (build.html / "good.html").read_text()
    assert 'src="https://cdn.jsdelivr.net/npm/mathjax@3.2.2/es5/tex-mml-chtml.js' in page
    assert 'src="https://cdn.jsdelivr.net/npm/requirejs@2.3.8/require.js' in page
    assert 'src="https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager@1.0.15/dist/embed-amd.js' in page
    assert 'href="https://cdn.jsdelivr.net/npm/@fontsource/noto-sans-kr@5.3.0/400.css' in page
    assert "_static/npm/" not in page and "var require" not in page
