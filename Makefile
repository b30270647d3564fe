# Two commands (see README): `make book` sets everything up and builds the site; `make test` runs the tests.
VENV   := .venv
PYTHON := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: book test test-fast lint install clean site-assets

# English at the site root (_build/html), the Korean edition under ko/ (from book/ko/, tools/i18n.py).
book: $(STAMP) site-assets
	$(VENV)/bin/jupyter-book build . -W -n --keep-going
	$(PYTHON) tools/i18n.py build

# require.js, the ipywidgets embedder and MathJax from npm into book/_static_offline/npm/ (gitignored),
# so the site renders widgets and math offline; skipped when present; a failed fetch means CDNs, not an error.
site-assets: $(STAMP)
	$(PYTHON) tools/site_assets.py

LINTED := src tests benchmarks tools course conftest.py

# On every core (at most 4) with pytest-xdist; conftest.py keeps each file on one worker.
test: $(STAMP) lint
	$(PYTHON) -m pytest -n auto --maxprocesses 4 --dist loadfile --no-loadscope-reorder

# Everything but training, notebooks and the book build: the minute-scale loop while editing the library.
test-fast: $(STAMP) lint
	$(PYTHON) -m pytest tests -m "not slow" -o addopts="-ra" --hypothesis-profile=fast

lint: $(STAMP)
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check $(LINTED)

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet -r requirements.txt
	touch $@

clean:
	rm -rf _build
