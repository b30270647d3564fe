"""The site's third-party JavaScript and fonts, served by the site itself so widgets, math and Korean render offline.

Widget pages need require.js and the ipywidgets embedder (``@jupyter-widgets/html-manager``); math needs
MathJax; the glossary's Korean words need a Korean font (Noto Sans KR from Fontsource, in the unicode-range
slices the browser fetches only as the page needs them). None of it is committed: ``python tools/site_assets.py`` (run by ``make book`` and by the test
that builds the book) fetches the pinned npm packages with ``npm pack`` into the gitignored
``book/_static_offline/npm/``, keeping each package's own layout, so ``npm/<name>/<path>`` is
``https://cdn.jsdelivr.net/npm/<package>@<version>/<path>``. It skips the fetch when the same versions are
there, gives up after a bounded time, and never fails the build.

Used as a Sphinx extension (``_config.yml``: ``sphinx.local_extensions``), it swaps every ``npm/`` path
that ``_config.yml`` names (``mathjax_path``, ``nb_ipywidgets_js``, ``html_css_files``) for the same file on the CDN when the
fetch has not happened, so a build without the npm registry still succeeds and the site loads these
files from the CDN instead. It also bridges the embedder to MathJax 3 (see MATHJAX2_QUEUE_SHIM).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATIC_DIR = ROOT / "book" / "_static_offline"  # html_static_path; not `_static` (see _config.yml)
NPM_FOLDER = "npm"  # not "vendor": the theme has its own _static/vendor/
CDN = "https://cdn.jsdelivr.net/npm"
FETCH_TIMEOUT_S = 120

# folder under npm/ -> (npm package, version, files to keep, as globs relative to the package root).
# html-manager 1.0.x is the embedder for ipywidgets 8 (widget model versions 2.x); its icon fonts sit
# beside embed-amd.js. MathJax keeps the one combined file Sphinx loads plus what that file loads lazily.
PACKAGES = {
    "requirejs": ("requirejs", "2.3.8", ["require.js", "package.json"]),
    "html-manager": (
        "@jupyter-widgets/html-manager",
        "1.0.15",
        [
            "dist/embed-amd.js",
            "dist/*.woff",
            "dist/*.woff2",
            "dist/*.ttf",
            "dist/*.eot",
            "dist/*.svg",
            "dist/*.LICENSE.txt",
            "package.json",
        ],
    ),
    "mathjax": (
        "mathjax",
        "3.2.2",
        [
            "es5/tex-mml-chtml.js",
            "es5/input/*",
            "es5/output/chtml.js",
            "es5/output/chtml/*",
            "es5/a11y/*",
            "es5/ui/*",
            "es5/sre/*",
            "es5/adaptors/*",
            "LICENSE",
            "package.json",
        ],
    ),
    # 400.css declares one @font-face per slice, each with its unicode-range: a page downloads only the slices of
    # the characters it shows (the glossary: a few hundred kB). Only the numbered (Korean) slices are kept, and
    # korean_only() drops the others' @font-face rules, so the font never draws Latin text.
    "noto-sans-kr": (
        "@fontsource/noto-sans-kr",
        "5.3.0",
        ["400.css", "files/noto-sans-kr-[0-9]*-400-normal.woff2", "LICENSE", "package.json"],
    ),
}


def korean_only(css: str) -> str:
    """Fontsource's 400.css reduced to Hangul and CJK: its numbered slices, with every unicode-range below U+1100
    (Latin, Greek, Cyrillic, punctuation) taken out, so that the reader's own font keeps drawing Latin text."""
    kept = []
    for block in re.split(r"(?=/\* noto-sans-kr-)", css):
        if not re.match(r"/\* noto-sans-kr-\[\d+\]-400-normal", block):
            continue
        ranges = re.search(r"unicode-range: ([^;]+);", block).group(1).split(",")
        korean = [r.strip() for r in ranges if int(r.strip()[2:].split("-")[0], 16) >= 0x1100]
        if korean:
            kept.append(re.sub(r"unicode-range: [^;]+;", f"unicode-range: {','.join(korean)};", block))
    if not kept:
        raise ValueError("Fontsource changed the layout of 400.css: no numbered slice found")
    return "".join(kept)


def manifest() -> dict[str, str]:
    return {name: f"{package}@{version}" for name, (package, version, _) in PACKAGES.items()}


def cdn_url(path: str) -> str | None:
    """``npm/mathjax/es5/x.js`` -> the same file on the CDN; None for a path outside npm/."""
    parts = path.split("/", 2)
    if len(parts) < 3 or parts[0] != NPM_FOLDER or parts[1] not in PACKAGES:
        return None
    package, version, _ = PACKAGES[parts[1]]
    return f"{CDN}/{package}@{version}/{parts[2]}"


def is_fetched(static_dir: Path = STATIC_DIR) -> bool:
    stamp = static_dir / NPM_FOLDER / "VERSIONS.json"
    return stamp.is_file() and json.loads(stamp.read_text()) == manifest()


def fetch(static_dir: Path = STATIC_DIR, timeout_s: float = FETCH_TIMEOUT_S) -> bool:
    """Fetch the pinned packages into ``static_dir/npm``; True when they are there afterwards."""
    if is_fetched(static_dir):
        print(f"site assets: present in {static_dir / NPM_FOLDER}")
        return True
    npm = shutil.which("npm")
    if npm is None:
        print("site assets: npm not found; the site will load require.js, widgets and MathJax from CDNs")
        return False
    with tempfile.TemporaryDirectory() as tmp:
        specs = list(manifest().values())
        try:
            packed = subprocess.run(
                [npm, "pack", "--loglevel=error", "--fetch-retries=1", "--pack-destination", tmp, *specs],
                capture_output=True,
                text=True,
                timeout=timeout_s,
                cwd=tmp,
            )
        except subprocess.TimeoutExpired:
            print(f"site assets: npm pack took over {timeout_s:.0f} s; the site will use CDNs")
            return False
        if packed.returncode != 0:
            reason = (packed.stderr.strip().splitlines() or [f"exit {packed.returncode}"])[0]
            print(f"site assets: npm pack failed ({reason}); the site will use CDNs")
            return False
        staging = Path(tmp, NPM_FOLDER)
        for name, (package, version, keep) in PACKAGES.items():
            tarball = Path(tmp, f"{package.lstrip('@').replace('/', '-')}-{version}.tgz")  # npm's naming
            _extract(tarball, staging / name, keep)
        css = staging / "noto-sans-kr" / "400.css"
        css.write_text(korean_only(css.read_text()))
        (staging / "VERSIONS.json").write_text(json.dumps(manifest(), indent=1) + "\n")
        static_dir.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(static_dir / NPM_FOLDER, ignore_errors=True)
        shutil.move(staging, static_dir / NPM_FOLDER)
    print(f"site assets: fetched {', '.join(specs)} into {static_dir / NPM_FOLDER}")
    return True


def _extract(tarball: Path, dest: Path, keep: list[str]) -> None:
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            relative = member.name.split("/", 1)[-1]  # npm tarballs put everything under package/
            if member.isfile() and any(fnmatch(relative, pattern) for pattern in keep):
                target = dest / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.extractfile(member) as source, open(target, "wb") as out:
                    shutil.copyfileobj(source, out)


# --- Sphinx extension ---------------------------------------------------------------------------------


def _use_cdn_for_missing(app, config) -> None:
    static_dirs = [Path(app.confdir, path) for path in config.html_static_path]
    config.html_static_path = [path for path in config.html_static_path if Path(app.confdir, path).is_dir()]

    def served(path: str) -> str:
        if "://" in path or any((folder / path).is_file() for folder in static_dirs):
            return path
        return cdn_url(path) or path

    def css(entry):  # html_css_files holds names or (name, attributes) pairs
        return (served(entry[0]), *entry[1:]) if isinstance(entry, tuple | list) else served(entry)

    before = (config.mathjax_path, list(config.nb_ipywidgets_js), list(config.html_css_files))
    config.mathjax_path = served(config.mathjax_path)
    config.nb_ipywidgets_js = {served(path): attrs for path, attrs in config.nb_ipywidgets_js.items()}
    config.html_css_files = [css(entry) for entry in config.html_css_files]
    if (config.mathjax_path, list(config.nb_ipywidgets_js), list(config.html_css_files)) != before:
        from sphinx.util import logging

        logging.getLogger(__name__).info(
            "site assets not fetched (python tools/site_assets.py): MathJax, widget scripts and fonts load from a CDN"
        )


# The ipywidgets embedder typesets widget labels with MathJax 2's `MathJax.Hub.Queue`; the site loads MathJax 3,
# where that call throws. An inline module runs after the deferred MathJax script, before widgets render.
MATHJAX2_QUEUE_SHIM = """
if (window.MathJax && !window.MathJax.Hub) {
  window.MathJax.Hub = {
    Queue: ([, , element]) => MathJax.startup.promise.then(() => MathJax.typesetPromise([element])),
  };
}
"""


def _point_embedder_at_its_folder(app, pagename, templatename, context, doctree) -> None:
    """On a widget page, tell require.js where the embedder lives, so its icon fonts load from this site.

    The embedder finds its fonts beside the URL require.js gives its own module name; without this
    configuration that is ``<page folder>/@jupyter-widgets/html-manager/dist/``, which does not exist.
    """
    embedder = "npm/html-manager/dist/embed-amd.js"
    if embedder not in (app.config.nb_ipywidgets_js or {}):
        return  # not fetched: the embedder comes from the CDN, fonts included
    scripts = [str(getattr(js, "filename", js) or "") for js in context.get("script_files", [])]
    if any(script.endswith(embedder) for script in scripts):
        folder = context["pathto"]("_static/" + embedder.rsplit("/", 1)[0], 1)
        config = {"paths": {"@jupyter-widgets/html-manager/dist": folder}}
        app.add_js_file(None, body=f"var require = {json.dumps(config)};", priority=499)  # before require.js


def _drop_repeated_scripts(app, pagename, templatename, context, doctree) -> None:
    """Each script once per page.

    Sphinx registers an inline script added during the build twice (once with no file name, once with ``''``),
    and sphinx-thebe's ``const THEBE_JS_URL = ...`` then throws "Identifier 'THEBE_JS_URL' has already been
    declared" on every page.
    """
    seen, kept = set(), []
    for script in context.get("script_files", []):
        name = getattr(script, "filename", script) or ""
        key = (str(name), tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept


def setup(app):
    app.connect("config-inited", _use_cdn_for_missing)
    app.connect("html-page-context", _drop_repeated_scripts, priority=900)  # after everyone has added theirs
    app.connect("html-page-context", _point_embedder_at_its_folder, priority=600)  # after myst-nb's scripts
    app.add_js_file(None, body=MATHJAX2_QUEUE_SHIM, type="module", priority=501)  # MathJax's is 500
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    fetch()
    sys.exit(0)  # a failed fetch is not an error: the build falls back to CDNs
