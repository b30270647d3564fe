"""The widgets' words in the reader's language: English, or Korean from the package's own gettext catalog.

``CLASSIC_CNN_LANG=ko`` (the Korean Colab notebooks set it) makes the explorers, the playground and the walker
speak Korean; ``ui(text)`` is the one look-up. Every word they show is an English ``msgid`` of
``widgets/explorers.json``; ``messages()`` lists them, and ``python -m classic_cnn.i18n update`` writes them to
``locales/classic_cnn.pot`` and merges that into ``locales/ko/LC_MESSAGES/classic_cnn.po`` (a changed English
string keeps its old translation, marked fuzzy, as msgmerge does; new words come in untranslated; words no longer
used are dropped). A static output carries the Korean words it needs too, so
that one executed in English turns Korean on a page whose ``<html lang>`` is ``ko`` (``js/i18n.js``).

>>> ui("Show solution", "ko")
'풀이 보기'
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from functools import cache
from importlib.resources import files
from pathlib import Path

LANGUAGES = ("en", "ko")
DOMAIN = "classic_cnn"
NOT_WORDS = ("name", "action", "defaults", "sets", "colours", "sizes", "errors")  # keys of explorers.json
_PLACEHOLDER_OR_TAG = re.compile(r"\{\w+\}|<[^>]*>")


def language() -> str:
    """The language of the widgets' words: ``$CLASSIC_CNN_LANG``, ``"en"`` when unset."""
    chosen = os.environ.get("CLASSIC_CNN_LANG", "") or "en"
    return _checked(chosen, "CLASSIC_CNN_LANG")


_current = language  # ui()'s argument takes the name


def _checked(chosen: str, what: str = "language") -> str:
    if chosen not in LANGUAGES:
        raise ValueError(f"{what} must be one of {', '.join(LANGUAGES)}, got {chosen!r}")
    return chosen


def resolved(language: str | None = None) -> str:
    """``language`` checked, or :func:`language` when it is None."""
    return _current() if language is None else _checked(language)


def catalog_path(chosen: str = "ko") -> Path:
    return Path(str(files("classic_cnn") / "locales" / chosen / "LC_MESSAGES" / f"{DOMAIN}.po"))


@cache
def _catalog(chosen: str) -> dict[str, str]:
    import polib

    entries = polib.pofile(str(catalog_path(chosen)))
    return {entry.msgid: entry.msgstr for entry in entries.translated_entries() if not entry.obsolete}


def ui(text: str, language: str | None = None) -> str:
    """``text`` (an English UI string) in ``language`` (default: :func:`language`); English where untranslated."""
    chosen = resolved(language)
    return text if chosen == "en" else _catalog(chosen).get(text, text)


def localized(value: object, language: str | None = None) -> object:
    """A JSON value (explorers.json's sentences) with every string put through :func:`ui`."""
    if isinstance(value, str):
        return ui(value, language)
    if isinstance(value, dict):
        return {key: localized(item, language) for key, item in value.items()}
    if isinstance(value, list):
        return [localized(item, language) for item in value]
    return value


def is_message(text: str) -> bool:
    """Words to translate: two letters or more outside the ``{placeholders}`` and the markup."""
    return bool(re.search(r"[A-Za-z]{2}", _PLACEHOLDER_OR_TAG.sub("", text)))


def _walk(value: object, path: str):
    if isinstance(value, str):
        if is_message(value):
            yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in NOT_WORDS:
                yield from _walk(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, path)


def messages(value: object = None) -> dict[str, str]:
    """Every UI string of ``value`` (default: all of explorers.json), each with where it is first used."""
    if value is None:
        from classic_cnn.widgets.explorers import TABLE

        value = TABLE
    found: dict[str, str] = {}
    for path, text in _walk(value, ""):
        found.setdefault(text, path)
    return found


def words(value: object, language: str = "ko") -> dict[str, str]:
    """English → ``language`` for the UI strings of ``value``: what a static output carries for the browser."""
    return {text: ui(text, language) for text in messages(value)}


def update(root: Path | None = None) -> tuple[int, int]:
    """Write ``locales/classic_cnn.pot`` from :func:`messages` and merge it into each language's ``.po``.

    Returns (new, dropped) for Korean: words added (untranslated, or fuzzy with the translation of the dropped
    string most like them), and words no longer used, removed.
    """
    import polib

    folder = Path(str(files("classic_cnn") / "locales")) if root is None else root
    template = polib.POFile(wrapwidth=0)
    template.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Project-Id-Version": DOMAIN}
    for text, path in messages().items():
        template.append(polib.POEntry(msgid=text, msgstr="", comment=path))
    folder.mkdir(parents=True, exist_ok=True)
    template.save(str(folder / f"{DOMAIN}.pot"))
    new = dropped = 0
    for chosen in LANGUAGES[1:]:
        path = folder / chosen / "LC_MESSAGES" / f"{DOMAIN}.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = polib.pofile(str(path), wrapwidth=0) if path.exists() else polib.POFile(wrapwidth=0)
        if not path.exists():
            catalog.metadata = {**template.metadata, "Language": chosen}
        known = {entry.msgid for entry in catalog}
        catalog.merge(template)
        old = {entry.msgid: entry.msgstr for entry in catalog if entry.obsolete and entry.msgstr}
        for entry in catalog:
            if entry.msgid not in known and not entry.obsolete:
                new += 1
                like = difflib.get_close_matches(entry.msgid, old, n=1, cutoff=0.6)
                if like:
                    entry.msgstr, entry.previous_msgid = old[like[0]], like[0]
                    entry.flags.append("fuzzy")
        for entry in [entry for entry in catalog if entry.obsolete]:
            catalog.remove(entry)
            dropped += 1
        catalog.save(str(path))
    _catalog.cache_clear()
    return new, dropped


def main(argv: list[str]) -> int:
    if argv != ["update"]:
        print("usage: python -m classic_cnn.i18n update", file=sys.stderr)
        return 2
    new, dropped = update()
    print(f"classic_cnn catalogs updated: {new} new (untranslated) message(s), {dropped} dropped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
