"""A link to the same page in the other edition on every page: English at the site root, Korean under ``ko/``.

A Sphinx extension (``_config.yml``: ``sphinx.local_extensions``). The Korean pages are ``book/ko/<page>``
(``tools/i18n.py``), built with ``language: ko`` into ``_build/html/ko``; the English ones are ``book/<page>``.
The link sits in the article header (``templates/edition-switch.html``) and as ``<link rel="alternate">``.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx

KOREAN = "ko"
EDITIONS = {"en": ("English", "Read this page in English"), KOREAN: ("한국어", "이 페이지를 한국어로 읽기")}


def other_edition(pagename: str, language: str) -> tuple[str, str, str]:
    """The other edition's language, this page's name there, and its URL relative to this page.

    A page ``<folder>/<name>`` has its Korean edition at ``<folder>/ko/<name>`` (``tools/i18n.py``), served under
    ``ko/``: ``book/02_lenet.html`` <-> ``ko/book/ko/02_lenet.html``.
    """
    folder, _, name = pagename.rpartition("/")
    depth = pagename.count("/")
    if language == KOREAN:
        english = folder.removesuffix(KOREAN).rstrip("/")
        english = f"{english}/{name}" if english else name
        return "en", english, "../" * (depth + 1) + english + ".html"
    korean = f"{folder}/{KOREAN}/{name}" if folder else f"{KOREAN}/{name}"
    return KOREAN, korean, "../" * depth + f"{KOREAN}/{korean}.html"


def add_switch(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: object) -> None:
    """A switch on the pages whose other edition exists (not on the index or search pages, nor in a book without)."""
    language, other, href = other_edition(pagename, app.config.language or "en")
    if not any(Path(app.srcdir).glob(f"{other}.*")):
        return
    label, title = EDITIONS[language]
    context["edition_switch"] = {"href": href, "lang": language, "label": label, "title": title}
    context["metatags"] = context.get("metatags", "") + f'\n<link rel="alternate" hreflang="{language}" href="{href}">'


def korean_footer(app: Sphinx, config) -> None:
    """The theme's Korean "By" reads "으로 <author>": the Korean edition names its authors in its own words."""
    if config.language != KOREAN:
        return
    options = dict(config.html_theme_options)
    items = options.get(
        "footer_content_items", ["author.html", "copyright.html", "last-updated.html", "extra-footer.html"]
    )
    options["footer_content_items"] = [item for item in items if item != "author.html"]
    options["extra_footer"] = f'<p class="component-author">지은이: {config.project_authors_ko}</p>'
    config.html_theme_options = options


def setup(app: Sphinx) -> dict:
    app.add_config_value("project_authors_ko", "classic_cnn 저자들", "html")
    app.connect("config-inited", korean_footer)
    app.config.templates_path.append(str(Path(__file__).parent / "templates"))
    app.connect("html-page-context", add_switch)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
