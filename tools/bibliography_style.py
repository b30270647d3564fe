"""The bibliography's style: author-year labels ("LeCun et al. 1998"), as the chapters cite, and arXiv ids as links.

A Sphinx extension (``_config.yml``: ``sphinx.local_extensions``) that registers the pybtex style
``author_year`` (``bibtex_default_style``): pybtex's ``unsrt`` formatting, which links an entry's ``eprint``
to arXiv and its ``doi`` and ``url``, sorted by author and year, with labels of the authors' last names and the
year instead of ``[DV16]``.
"""

from __future__ import annotations

from collections import Counter

from pybtex.plugin import register_plugin
from pybtex.style.formatting.unsrt import Style as Unsrt
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting.author_year_title import SortingStyle


def author_year(entry) -> str:
    """``LeCun et al. 1998``, ``Zeiler & Fergus 2014``, ``Dumoulin & Visin 2016``: the label of one entry."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [" ".join(person.last_names) for person in people if str(person) != "others"]
    if not names:
        who = entry.fields.get("title", entry.key)
    elif len(names) == 1 and len(people) == 1:
        who = names[0]
    elif len(names) == 2 and len(people) == 2:
        who = f"{names[0]} & {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who} {entry.fields.get('year', '')}".strip()


class AuthorYearLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        entries = list(sorted_entries)
        labels = [author_year(entry) for entry in entries]
        repeated, seen = Counter(labels), Counter()
        for label in labels:  # two papers of the same authors and year: 2016a, 2016b
            seen[label] += 1
            yield label + ("abcdefghij"[seen[label] - 1] if repeated[label] > 1 else "")


class AuthorYearStyle(Unsrt):
    default_label_style = AuthorYearLabels
    default_sorting_style = SortingStyle


def setup(app):
    register_plugin("pybtex.style.formatting", "author_year", AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
