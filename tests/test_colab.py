"""The first cell of every chapter: installs classic_cnn on Colab (only there, once), then reports the profile."""

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

from classic_cnn import colab
from classic_cnn.assign import cell_source, read_notebook
from classic_cnn.colab import SETUP_CELL

ROOT = Path(__file__).resolve().parents[1]

QUICK_REPORT = (
    "classic_cnn profile: quick (CPU, small embedded datasets, a minute or two per chapter).\n"
    "To switch, run `%env CLASSIC_CNN_PROFILE=full` in a cell, then run the chapter again.\n"
)
NO_GPU = "The full profile needs a GPU: Runtime > Change runtime type > T4 GPU.\n"  # printed on Colab only


def test_every_chapter_starts_with_the_setup_cell():
    wrong = []
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        code = [cell for cell in read_notebook(path)["cells"] if cell["cell_type"] == "code"]
        if not code or cell_source(code[0]) != SETUP_CELL:
            wrong.append(path.name)
    assert not wrong, (
        f"the first code cell of {wrong} differs from classic_cnn.colab.SETUP_CELL; paste the output of "
        "python -c 'from classic_cnn.colab import SETUP_CELL; print(SETUP_CELL)'"
    )


def test_installing_on_colab_keeps_its_widgets_and_torch():
    """The package's own requirements admit what Colab ships, so the setup cell upgrades none of it."""
    import tomllib
    from packaging.requirements import Requirement

    requirements = {
        requirement.name: requirement.specifier
        for requirement in map(
            Requirement, tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
        )
    }
    colab = {"ipywidgets": "7.7.1", "torch": "2.2.1", "torchvision": "0.17.1"}  # the oldest we promise to keep
    assert all(requirements[name].contains(version) for name, version in colab.items()), requirements


def test_setup_cell_installs_the_pinned_version_from_the_index_then_the_books_repository():
    import tomllib

    import classic_cnn

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    url = config["repository"]["url"]
    assert colab.REPOSITORY_URL == url
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "classic_cnn.__version__"}
    version = classic_cnn.__version__
    assert f'["classic-cnn=={version}", "git+{url}@v{version}"]' in SETUP_CELL
    assert "--upgrade" not in SETUP_CELL and "-U " not in SETUP_CELL  # Colab's torch stays as it is
    compile(SETUP_CELL, "<setup cell>", "exec")


def _run_setup_cell(monkeypatch, capsys, *, in_colab: bool) -> str:
    """Run the cell in this process, where classic_cnn is installed; any pip call fails the test."""

    def no_pip(*args, **kwargs):
        raise AssertionError(f"the setup cell ran {args} although classic_cnn imports")

    monkeypatch.setattr(subprocess, "run", no_pip)
    if in_colab:
        monkeypatch.setitem(sys.modules, "google.colab", type(sys)("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(compile(SETUP_CELL, "<setup cell>", "exec"), {"__name__": "__main__"})
    return capsys.readouterr().out


def test_outside_colab_the_cell_only_reports(monkeypatch, capsys):
    monkeypatch.setenv("CLASSIC_CNN_PROFILE", "quick")
    assert _run_setup_cell(monkeypatch, capsys, in_colab=False) == QUICK_REPORT
    monkeypatch.setenv("CLASSIC_CNN_PROFILE", "full")
    assert _run_setup_cell(monkeypatch, capsys, in_colab=False) == (
        "classic_cnn profile: full (GPU, real datasets, about ten minutes per chapter on a Colab T4 "
        "(each chapter says how long)).\n"
        "To switch, run `%env CLASSIC_CNN_PROFILE=quick` in a cell, then run the chapter again.\n"
    )


def test_on_colab_with_the_package_present_nothing_is_installed(monkeypatch, capsys):
    import torch

    monkeypatch.setenv("CLASSIC_CNN_PROFILE", "quick")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert _run_setup_cell(monkeypatch, capsys, in_colab=True) == QUICK_REPORT + NO_GPU


def test_when_the_index_fails_the_repository_is_tried(monkeypatch, capsys):
    import importlib.util

    tried = []

    def pip(command, **kwargs):
        tried.append(command[-1])
        return subprocess.CompletedProcess(command, 1 if len(tried) == 1 else 0, "", "no such version on the index")

    monkeypatch.setattr(subprocess, "run", pip)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)  # as on a fresh Colab
    monkeypatch.setitem(sys.modules, "google.colab", type(sys)("google.colab"))
    monkeypatch.delenv("CLASSIC_CNN_SOURCE", raising=False)
    monkeypatch.setenv("CLASSIC_CNN_PROFILE", "quick")
    exec(compile(SETUP_CELL, "<setup cell>", "exec"), {"__name__": "__main__"})
    assert tried == list(colab.SOURCES)
    failing = subprocess.CompletedProcess([], 1, "", "no network")
    monkeypatch.setattr(subprocess, "run", lambda command, **kwargs: failing)
    with pytest.raises(RuntimeError, match="installing classic_cnn from classic-cnn==.* or git\\+https.* failed"):
        exec(compile(SETUP_CELL, "<setup cell>", "exec"), {"__name__": "__main__"})


# --- the real install path, in an isolated environment ------------------------------------------------


def _freeze(python: Path, env: dict) -> set[str]:
    result = subprocess.run([str(python), "-m", "pip", "freeze"], capture_output=True, text=True, env=env, check=True)
    return set(result.stdout.splitlines())


@pytest.mark.slow
def test_setup_cell_installs_the_package_on_a_fake_colab(tmp_path):
    """A venv whose base is this project's site-packages *without* classic_cnn (symlinks, so torch is not
    reinstalled), a fake ``google.colab`` on the path, and a wheel of this checkout as CLASSIC_CNN_SOURCE."""
    # A wheel of the checkout, built from a copy so no build files land in the working tree.
    project = tmp_path / "project"
    shutil.copytree(ROOT / "src", project / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(project),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("classic_cnn-*.whl")

    # The base: every installed distribution except classic_cnn; .pth files are not needed (nor processed).
    site_packages = Path(sysconfig.get_paths()["purelib"])
    base = tmp_path / "base"
    base.mkdir()
    for entry in site_packages.iterdir():
        if "classic_cnn" in entry.name or entry.suffix == ".pth" or entry.name == "__pycache__":
            continue
        (base / entry.name).symlink_to(entry)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    venv_site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (venv_site / "_base.pth").write_text(f"{base}\n")

    import torch

    report = QUICK_REPORT + ("" if torch.cuda.is_available() else NO_GPU)
    fake = tmp_path / "fake"  # `google` stays a namespace package, as on Colab
    (fake / "google" / "colab").mkdir(parents=True)
    (fake / "google" / "colab" / "__init__.py").write_text('"""Stands in for Colab\'s module."""\n')
    (tmp_path / "cell.py").write_text(SETUP_CELL)
    kernel = "import google.colab; exec(compile(open('cell.py').read(), 'setup cell', 'exec'))"  # Colab preloads it

    env = {key: value for key, value in os.environ.items() if not key.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(PYTHONPATH=str(fake), PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", CLASSIC_CNN_PROFILE="quick")

    def run_cell(source: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(python), "-c", kernel],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env={**env, "CLASSIC_CNN_SOURCE": source},
            timeout=120,
        )

    assert subprocess.run([str(python), "-c", "import classic_cnn"], env=env, capture_output=True).returncode == 1
    before = _freeze(python, env)
    assert any(line.startswith("torch==") for line in before)

    failed = run_cell(str(tmp_path / "missing.whl"))
    assert failed.returncode == 1
    assert f"installing classic_cnn from {tmp_path / 'missing.whl'} failed" in failed.stderr

    installed = run_cell(str(wheel))
    assert installed.returncode == 0, installed.stderr
    assert installed.stdout == report  # quiet: pip's output is kept
    assert installed.stderr == ""
    located = subprocess.run(
        [str(python), "-c", "import classic_cnn; print(classic_cnn.__file__)"], env=env, capture_output=True, text=True
    )
    assert located.stdout.startswith(str(venv_site))

    after = _freeze(python, env)
    assert before - after == set()
    added = after - before
    assert len(added) == 1 and added.pop().startswith("classic-cnn"), added

    again = run_cell(str(tmp_path / "missing.whl"))  # the package imports now, so pip is not called
    assert (again.returncode, again.stdout) == (0, report), again.stderr
