"""The Korean edition: one source (the English chapters), translated through Sphinx's gettext catalogs.

    python tools/i18n.py update          # re-extract the English text into locales/ko (a changed message turns fuzzy)
    python tools/i18n.py check [PO ...]  # coverage per page, and the markup of every translation; exit 1 unless 100 %
    python tools/i18n.py notebooks       # book/ko/ from the catalogs: the Korean site's sources, which Colab opens
    python tools/i18n.py build           # the Korean site from book/ko/ into _build/html/ko (`make book`)

``update`` runs Sphinx's gettext builder over the book and merges the templates into
``locales/ko/LC_MESSAGES/book/<page>.po`` with sphinx-intl: a new paragraph arrives untranslated, a changed one
keeps its old Korean marked fuzzy, so it cannot go stale silently. ``check`` fails on an untranslated or fuzzy
message, and on a translation whose markup differs from its English: a role ({glue:}, {cite:p}, a {term}'s
target), math, inline code, a link target, bold or italic that no longer renders, or another block type.
The Korean site is built from ``book/ko/`` rather than by Sphinx's own translation, because myst-nb cannot
resolve a glued number inside a translated message (it is parsed in a document without the notebook's data).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections import Counter
from functools import cache
from pathlib import Path

import nbformat
import polib
import yaml
from markdown_it.token import Token

ROOT = Path(__file__).resolve().parents[1]
LANGUAGE = "ko"
CATALOGS = ROOT / "locales" / LANGUAGE / "LC_MESSAGES"
BUILD = ROOT / "_build"


def book_yaml(name: str) -> dict:
    """``_config.yml`` or ``_toc.yml``, freshly read (callers may change what they get)."""
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


@cache
def markdown():
    """The book's own MyST parser (same extensions as _config.yml), for comparing markup."""
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    extensions = book_yaml("_config.yml")["parse"]["myst_enable_extensions"]
    return create_md_parser(MdParserConfig(enable_extensions=set(extensions) - {"linkify"}), RendererHTML)


def _walk(tokens: list[Token]):
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def markup(md, text: str) -> Counter:
    """What must survive translation: block types, roles (a {term}'s target only), math, code, links, emphasis."""
    found: Counter = Counter()
    for token in _walk(md.parse(text)):
        kind = token.type
        if kind.endswith("_close") or kind in {"text", "inline", "softbreak", "hardbreak"}:
            continue
        if kind == "myst_role":
            name, content = token.meta["name"], token.content
            if name == "term" and content.rstrip().endswith(">") and "<" in content:
                content = "<" + content.rsplit("<", 1)[1]  # the display text is translated; the target is not
            found[f"{{{name}}}`{content}`"] += 1
        elif kind in {"math_inline", "math_block", "math_block_label", "code_inline", "fence", "code_block"}:
            found[f"{kind} {token.content.strip()}"] += 1
        elif kind == "link_open":
            found[f"link {token.attrs.get('href')}"] += 1
        else:  # paragraph_open, heading_open, strong_open, em_open, bullet_list_open, table parts, ...
            found[kind] += 1
    return found


@cache
def glossary_terms() -> set[str]:
    """The glossary's term lines: the keys {term} roles point at, so their "translation" is the term itself."""
    lines = (ROOT / "book" / "glossary.md").read_text(encoding="utf-8").split("```{glossary}", 1)[1].split("```")[0]
    return {line.strip() for line in lines.splitlines() if line.strip() and not line.startswith(" ")}


def markup_problems(md, entry: polib.POEntry) -> list[str]:
    """How the translation's markup differs from the English (empty when it does not)."""
    if entry.msgid.startswith("\n") or entry.msgid in glossary_terms():  # a math block; a glossary key
        return [] if entry.msgstr == entry.msgid else ["must stay exactly as the English (math block or glossary term)"]
    english, korean = markup(md, entry.msgid), markup(md, entry.msgstr)
    if english == korean:
        return []
    changes = {"lost": english - korean, "added": korean - english}
    return [f"{what}: {', '.join(sorted(items.elements()))}" for what, items in changes.items() if items]


def catalogs() -> list[Path]:
    return sorted(CATALOGS.rglob("*.po"))


def check(paths: list[Path]) -> int:
    """Print coverage per page and every problem; 0 when every message is translated, not fuzzy, markup intact."""
    md = markdown()
    failures = 0
    print(f"{'catalog':<34}{'messages':>9}{'translated':>12}{'fuzzy':>7}{'markup':>8}")
    for path in paths:
        po = polib.pofile(str(path))
        entries = [e for e in po if not e.obsolete]
        translated = [e for e in entries if e.translated()]
        fuzzy = [e for e in entries if "fuzzy" in e.flags]
        broken = [(e, problems) for e in translated if (problems := markup_problems(md, e))]
        name = path.relative_to(CATALOGS).as_posix() if path.is_relative_to(CATALOGS) else path.name
        print(
            f"{name:<34}{len(entries):>9}{len(translated) / max(len(entries), 1):>12.0%}{len(fuzzy):>7}{len(broken):>8}"
        )
        for entry, problems in broken:
            print(f"  markup differs in: {entry.msgid[:100]!r}\n    " + "\n    ".join(problems))
        failures += len(entries) - len(translated) + len(broken)  # fuzzy entries count as untranslated
    print("complete" if not failures else f"{failures} message(s) untranslated, fuzzy or with broken markup")
    return 0 if not failures else 1


def sphinx(builder: str, output: Path, doctrees: Path, **config: object) -> int:
    """Jupyter Book's own Sphinx build of this book (the same configuration as `make book`), with overrides."""
    from jupyter_book.sphinx import build_sphinx

    result = build_sphinx(
        ROOT,
        output,
        noconfig=True,
        path_config=str(ROOT / "_config.yml"),
        confoverrides={"nitpicky": True, "latex_individualpages": False, **config},
        doctreedir=doctrees,
        builder=builder,
        warningiserror=True,
        keep_going=True,
        quiet=True,
    )
    return result if isinstance(result, int) else 1


def alt_texts(notebook: nbformat.NotebookNode) -> list[str]:
    return [alt for cell in notebook.cells if (alt := cell.metadata.get("mystnb", {}).get("image", {}).get("alt"))]


def add_alt_texts(page: Path, template: Path) -> None:
    pot = polib.pofile(str(template), wrapwidth=0)
    known = {entry.msgid for entry in pot}
    for alt in alt_texts(nbformat.read(page, as_version=4)):
        if alt not in known:
            pot.append(polib.POEntry(msgid=alt, msgstr="", comment="alt text of a figure"))
            known.add(alt)
    pot.save(str(template))


def extract(templates: Path) -> int:
    """The English text as gettext templates, one .pot per page (Sphinx's gettext builder, plus alt texts)."""
    if status := sphinx("gettext", templates, templates.parent / ".doctrees-gettext"):
        return status
    for page in pages():  # alt text lives in cell metadata, which gettext does not see
        if page.suffix == ".ipynb":
            add_alt_texts(page, templates / page.relative_to(ROOT).with_suffix(".pot"))
    return 0


def merge(templates: Path, catalogs_root: Path = CATALOGS.parent.parent) -> list[Path]:
    """Merge templates into ``<catalogs_root>/ko/LC_MESSAGES``: new messages empty, changed ones fuzzy."""
    from sphinx_intl.basic import update as sphinx_intl_update

    sphinx_intl_update(str(catalogs_root), str(templates), (LANGUAGE,), line_width=0)
    paths = sorted((catalogs_root / LANGUAGE / "LC_MESSAGES").rglob("*.po"))
    for path in paths:
        po = polib.pofile(str(path), wrapwidth=0)
        po.metadata.update({"Project-Id-Version": "classic_cnn", "Language-Team": "Korean", "Language": LANGUAGE})
        po.metadata_is_fuzzy = False
        po.header = f"The Korean edition of {path.stem}: translate the msgstr lines; `python tools/i18n.py update` merges new English."
        po.save(str(path))
    return paths


def update() -> int:
    """Extract the English text and merge it into locales/ko."""
    templates = BUILD / "gettext"
    if status := extract(templates):
        return status
    merge(templates)
    return 0


def message(text: str) -> str:
    """The msgid Sphinx extracts for a block of markdown source: its lines joined by spaces."""
    return text.replace("\n", " ").strip()


class Translator:
    """Replaces every translatable block of a page's markdown with its msgstr, keeping the markup around it."""

    def __init__(self, po: polib.POFile) -> None:
        self.table = {e.msgid: e.msgstr for e in po if not e.obsolete and e.translated() and "fuzzy" not in e.flags}
        self.used: set[str] = set()
        self.missing: list[str] = []
        self.md = markdown()

    def text(self, english: str) -> str:
        """One message: its translation (recorded as used), or the English (recorded as missing)."""
        key = message(english)
        if key in self.table:
            self.used.add(key)
            return self.table[key]
        self.missing.append(key)
        return english

    def markdown(self, source: str) -> str:
        """A markdown cell or page, translated block by block; directive bodies recursively."""
        lines = source.split("\n")
        tokens = self.md.parse(source)
        bounds: dict[int, int] = {}  # per table row: where the cell replaced last begins
        for index, token in reversed(list(enumerate(tokens))):  # bottom-up: line numbers stay valid
            if token.type == "fence" and token.info.startswith("{"):
                lines[token.map[0] : token.map[1]] = self._directive(lines[token.map[0] : token.map[1]], token)
            elif not (token.type == "inline" and token.map and token.content.strip()):
                continue
            elif tokens[index - 1].type in {"th_open", "td_open"}:
                start = token.map[0]
                lines[start], bounds[start] = self._cell(
                    lines[start], token.content, bounds.get(start, len(lines[start]))
                )
            else:
                start, end = token.map[0], max(token.map[1], token.map[0] + 1)  # a definition term's map is empty
                first = token.content.split("\n")[0]
                prefix = lines[start][: lines[start].index(first)]
                lines[start:end] = [prefix + self.text(token.content)]
        return "\n".join(lines)

    def _cell(self, line: str, content: str, bound: int) -> tuple[str, int]:
        """A table cell, searched right to left from ``bound`` (so `stride` in a later cell's code is not it)."""
        at = line.rindex(content, 0, bound)
        return line[:at] + self.text(content) + line[at + len(content) :], at

    def _directive(self, block: list[str], token: Token) -> list[str]:
        # MyST lets a page's last fence run to its end, unclosed
        closed = len(block) > 1 and block[-1].strip().startswith(token.markup)
        head, body, close = block[0], block[1 : -1 if closed else None], block[-1:] if closed else []
        name, _, argument = token.info.partition(" ")
        if name in {"{bibliography}", "{code-cell}", "{math}"}:
            return block
        if argument.strip() and name != "{solution}":  # a solution's argument is its exercise's label
            head = head.replace(argument.strip(), self.text(argument.strip()), 1)
        options = 0
        while options < len(body) and body[options].lstrip().startswith(":"):
            options += 1
        content = "\n".join(body[options:])
        translated = self._glossary(content) if name == "{glossary}" else self.markdown(content)
        return [head, *body[:options], *translated.split("\n"), *close]

    def _glossary(self, content: str) -> str:
        """Term lines are keys (kept); each indented definition is markdown, translated and indented again."""
        out, definition = [], []

        def flush() -> None:
            if definition:
                text = self.markdown(textwrap.dedent("\n".join(definition)))
                out.extend("  " + line if line else line for line in text.split("\n"))
                definition.clear()

        for line in content.split("\n"):
            if line.startswith(" ") or (not line and definition):
                definition.append(line)
            else:
                flush()
                if line:
                    self.text(line)  # the key: its msgstr is itself
                out.append(line)
        flush()
        return "\n".join(out)


PROMPTS = ("code_prompt_show", "code_prompt_hide")  # the "Show solution" toggles: UI strings, classic_cnn.i18n
LANGUAGE_CELL = "%env CLASSIC_CNN_LANG=ko\n# 위젯과 탐색기를 한국어로 표시합니다."


def pages() -> list[Path]:
    """The English pages, in the table of contents' order."""
    toc = book_yaml("_toc.yml")
    names = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return [next((ROOT / name).parent.glob(Path(name).name + ".*")) for name in names]


def toc_captions() -> set[str]:
    """The table of contents' part captions: the root page's messages, used by `build` rather than by a page."""
    return {part["caption"] for part in book_yaml("_toc.yml")["parts"]}


def korean(page: Path) -> Path:
    """Where a page's Korean edition lives: book/<page> -> book/ko/<page>."""
    return page.parent / LANGUAGE / page.name


def translate_notebook(page: Path, translator: Translator) -> nbformat.NotebookNode:
    """The Korean notebook: markdown and captions translated; code, outputs, ids and grading metadata kept."""
    from classic_cnn.i18n import ui

    notebook = nbformat.read(page, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = translator.markdown(cell.source)
        settings = cell.metadata.get("mystnb", {})
        for kind, field in (("figure", "caption"), ("image", "alt")):
            if field in settings.get(kind, {}):
                settings[kind][field] = translator.text(settings[kind][field])
        for prompt in PROMPTS:
            if prompt in settings:
                settings[prompt] = ui(settings[prompt], LANGUAGE)
    setup = next(i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code")
    language = nbformat.v4.new_code_cell(LANGUAGE_CELL, id="korean-ui")
    language.metadata["tags"] = ["remove-cell"]  # the site is Korean already; Colab and Jupyter need the switch
    notebook.cells.insert(setup + 1, language)
    return notebook


def translate(page: Path) -> tuple[str, Translator]:
    """A page's Korean source text and the translator that made it (which messages it used and missed)."""
    translator = Translator(polib.pofile(str(CATALOGS / page.relative_to(ROOT).with_suffix(".po"))))
    if page.suffix == ".ipynb":
        return nbformat.writes(translate_notebook(page, translator)) + "\n", translator
    return translator.markdown(page.read_text(encoding="utf-8")), translator


def notebooks() -> int:
    """Write book/ko/: every page from its catalog. Exit 1 when a message has no translation or was not used."""
    failures = 0
    for page in pages():
        text, translator = translate(page)
        korean(page).parent.mkdir(exist_ok=True)
        korean(page).write_text(text, encoding="utf-8")
        unused = [k for k in translator.table if k not in translator.used | toc_captions() and not k.startswith("\n")]
        for problem, keys in (("no translation", translator.missing), ("translation not found in the page", unused)):
            for key in keys:
                print(f"{page.relative_to(ROOT)}: {problem}: {key[:100]!r}")
            failures += len(keys)
    return 0 if not failures else 1


# The Korean site's own words for what myst-nb writes (its defaults are English: "Show code cell source").
SITE_WORDS = {"nb_code_prompt_show": "코드 셀 보기", "nb_code_prompt_hide": "코드 셀 숨기기"}


def build(site: Path = BUILD / "html") -> int:
    """The Korean site from book/ko/ into <site>/ko: the same configuration, a Korean table of contents."""
    toc = book_yaml("_toc.yml")
    captions = Translator(polib.pofile(str(CATALOGS / "book" / "intro.po")))

    def moved(name: str) -> str:
        return korean(Path(name)).as_posix()

    toc["root"] = moved(toc["root"])
    for part in toc["parts"]:
        part["caption"] = captions.text(part["caption"])
        part["chapters"] = [{**chapter, "file": moved(chapter["file"])} for chapter in part["chapters"]]
    path = site.parent / f"{LANGUAGE}_toc.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(toc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    title = book_yaml("_config.yml")["title"]
    return sphinx(
        "html",
        site / LANGUAGE,
        site.parent / f".doctrees-{LANGUAGE}",
        language=LANGUAGE,
        external_toc_path=str(path),
        html_title=captions.text(title),  # the root page's heading is the book's title
        **SITE_WORDS,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check_parser = commands.add_parser("check", help="coverage and markup of the catalogs")
    check_parser.add_argument("catalogs", nargs="*", type=Path, help="default: all of locales/ko")
    commands.add_parser("update", help="re-extract the English text into the catalogs")
    build_parser = commands.add_parser("build", help="the Korean site into _build/html/ko")
    build_parser.add_argument("--site", type=Path, default=BUILD / "html", help="the English site's folder")
    commands.add_parser("notebooks", help="book/ko/ from the catalogs")
    arguments = parser.parse_args(argv)
    if arguments.command == "check":
        return check([p.resolve() for p in arguments.catalogs] or catalogs())
    if arguments.command == "update":
        return update()
    if arguments.command == "notebooks":
        return notebooks()
    return build(arguments.site.resolve())


if __name__ == "__main__":
    sys.exit(main())
