"""The book builds, with Sphinx warnings treated as errors (the build is shared: see conftest.built_book)."""

import pytest


@pytest.mark.slow
def test_book_builds_without_warnings(built_book):
    assert built_book.returncode == 0, built_book.log[-10000:]
    html = built_book.html
    assert (html / "book" / "intro.html").exists() or (html / "index.html").exists()
    assert "Glossary" in (html / "book" / "glossary.html").read_text()
