"""The Korean edition: one source (the English chapters), translated through Sphinx's gettext catalogs.

    python tools/i18n.py update          # re-extract the English text into locales/ko (a changed message turns fuzzy)
    python tools/i18n.py check [PO ...]  # coverage per page, and the markup of every translation; exit 1 unless 100 %
    python tools/i18n.py build           # the Korean site into _build/html/ko (after the English one, `make book`)
    python tools/i18n.py notebooks       # book/ko/*.ipynb, the Korean notebooks Colab opens

``update`` runs Sphinx's gettext builder over the book and merges the templates into
``locales/ko/LC_MESSAGES/book/<page>.po`` with sphinx-intl: a new paragraph arrives untranslated, a changed one
keeps its old Korean marked fuzzy, so it cannot go stale silently. ``check`` fails on an untranslated or fuzzy
message, and on a translation whose markup differs from its English: a role ({glue:}, {cite:p}, a {term}'s
target), math, inline code, a link target, bold or italic that no longer renders, or another block type.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from functools import cache
from pathlib import Path

import polib
from markdown_it.token import Token

ROOT = Path(__file__).resolve().parents[1]
LANGUAGE = "ko"
CATALOGS = ROOT / "locales" / LANGUAGE / "LC_MESSAGES"
BUILD = ROOT / "_build"


def markdown():
    """The book's own MyST parser (same extensions as _config.yml), for comparing markup."""
    import yaml
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    extensions = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["parse"]["myst_enable_extensions"]
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
    lost = ", ".join(sorted((english - korean).elements()))
    added = ", ".join(sorted((korean - english).elements()))
    return [f"lost: {lost}" if lost else "", f"added: {added}" if added else ""]


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
            print(f"  markup differs in: {entry.msgid[:100]!r}\n    " + "\n    ".join(p for p in problems if p))
        failures += len(entries) - len(translated) + len(fuzzy) + len(broken)
    print("complete" if not failures else f"{failures} message(s) untranslated, fuzzy or with broken markup")
    return 0 if not failures else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check_parser = commands.add_parser("check", help="coverage and markup of the catalogs")
    check_parser.add_argument("catalogs", nargs="*", type=Path, help="default: all of locales/ko")
    arguments = parser.parse_args(argv)
    if arguments.command == "check":
        return check([p.resolve() for p in arguments.catalogs] or catalogs())
    return 2


if __name__ == "__main__":
    sys.exit(main())
