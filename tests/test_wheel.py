"""The package as Colab gets it: ``python -m build`` makes a wheel, which installs beside Colab's own versions, and
the setup cell and chapter 1 run there.

The fresh virtual environment holds what a Colab GPU runtime ships (googlecolab/backend-info's pip-freeze.gpu.txt,
August 2026: Python 3.13, torch 2.11.0, torchvision 0.26.0). torch and torchvision are this machine's 2.14.1 and
0.29.1, linked in rather than installed (several GB; the package asks only ``torch>=2.2``); everything else is
installed at Colab's versions from a folder of wheels, downloaded from the package index when missing
(``$CLASSIC_CNN_WHEELHOUSE``, default ``~/.cache/classic_cnn/wheelhouse``: later runs need no network).
"""

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from packaging.requirements import Requirement

from classic_cnn import __version__

ROOT = Path(__file__).resolve().parents[1]
COLAB = {  # what Colab preinstalls, at its versions (the kernel's own packages included)
    "ipywidgets": "7.7.1",
    "matplotlib": "3.10.0",
    "numpy": "2.1.3",
    "scikit-learn": "1.6.1",
    "scipy": "1.16.3",
    "pillow": "11.3.0",
    "tqdm": "4.67.3",
    "ipykernel": "6.17.1",
    "ipython": "7.34.0",
    "jupyter-client": "7.4.9",
    "traitlets": "5.7.1",
}
LINKED = ("torch", "torchvision", "pip")  # pip too: Colab has one, and the setup cell calls it


def build(tmp_path: Path) -> Path:
    """``python -m build`` (sdist, then the wheel from it) of a copy of the checkout; the wheel's path."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "src", project / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    # Without isolation the build uses this environment's setuptools: no download, seconds.
    command = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(tmp_path / "dist"), str(project)]
    subprocess.run(command, check=True, capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("classic_cnn-*.whl")
    return wheel


def distributions(names: tuple[str, ...], leave_out: set[str]) -> set[str]:
    """``names`` and everything they require (installed here), except ``leave_out``."""
    found: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop().lower().replace("_", "-")
        if name in found or name in leave_out:
            continue
        found.add(name)
        for line in importlib.metadata.distribution(name).requires or []:
            requirement = Requirement(line)
            if not requirement.marker or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return found


def link_distributions(names: set[str], into: Path) -> None:
    """Symlink each distribution's top-level files and folders (and its metadata) from this environment."""
    site_packages = Path(sysconfig.get_paths()["purelib"])
    into.mkdir()
    for name in names:
        files = importlib.metadata.distribution(name).files or []
        for top in {Path(file).parts[0] for file in files if not str(file).startswith("..")}:
            if (site_packages / top).exists() and not (into / top).exists():
                (into / top).symlink_to(site_packages / top)


@pytest.mark.slow
def test_the_wheel_installs_on_a_colab_like_environment_and_runs_chapter_1(tmp_path, monkeypatch):
    wheel = build(tmp_path)
    assert wheel.name == f"classic_cnn-{__version__}-py3-none-any.whl"
    names = subprocess.run(
        [sys.executable, "-m", "zipfile", "-l", str(wheel)], capture_output=True, text=True, check=True
    ).stdout
    assert "classic_cnn/widgets/explorers.json" in names and "classic_cnn/widgets/js/" in names
    assert "classic_cnn/locales/ko/LC_MESSAGES/classic_cnn.po" in names  # the widgets' Korean (classic_cnn.i18n)

    venv = tmp_path / "colab"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    link_distributions(distributions(LINKED, leave_out=set(COLAB)), tmp_path / "linked")
    (Path(purelib) / "_linked.pth").write_text(f"{tmp_path / 'linked'}\n")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", CLASSIC_CNN_PROFILE="quick", OMP_NUM_THREADS="1")
    pins = [f"{name}=={version}" for name, version in COLAB.items()]
    wheelhouse = Path(os.environ.get("CLASSIC_CNN_WHEELHOUSE") or Path.home() / ".cache" / "classic_cnn" / "wheelhouse")
    install = [str(python), "-m", "pip", "install", "--quiet", "--no-compile", "--no-index", "-f", str(wheelhouse)]
    if subprocess.run([*install, *pins], capture_output=True, env=env).returncode:
        download = [sys.executable, "-m", "pip", "download", "--quiet", "-d", str(wheelhouse), *pins]
        subprocess.run(download, check=True, capture_output=True)
        installed = subprocess.run([*install, *pins], capture_output=True, text=True, env=env)
        assert installed.returncode == 0, installed.stderr

    # The setup cell, on a fake Colab (google.colab importable, as Colab preloads it), installs the wheel.
    fake = tmp_path / "fake"
    (fake / "google" / "colab").mkdir(parents=True)
    (fake / "google" / "colab" / "__init__.py").write_text('"""Stands in for Colab\'s module."""\n')
    from classic_cnn.colab import SETUP_CELL

    (tmp_path / "cell.py").write_text(SETUP_CELL)
    kernel = "import google.colab; exec(compile(open('cell.py').read(), 'setup cell', 'exec'))"
    colab_env = {**env, "PYTHONPATH": str(fake), "CLASSIC_CNN_SOURCE": str(wheel)}
    cell = subprocess.run([str(python), "-c", kernel], cwd=tmp_path, capture_output=True, text=True, env=colab_env)
    assert cell.returncode == 0, cell.stderr
    assert cell.stdout.startswith("classic_cnn profile: quick")
    listing = "import importlib.metadata as m, json; print(json.dumps({d.name.lower(): d.version for d in m.distributions()}))"
    found = subprocess.run([str(python), "-c", listing], capture_output=True, text=True, env=env).stdout
    versions = {re.sub(r"[-_.]+", "-", name): version for name, version in json.loads(found).items()}
    assert versions["classic-cnn"] == __version__ and versions["torch"].startswith("2.14.1")
    assert {name: versions[name] for name in COLAB} == COLAB  # the setup cell upgraded nothing Colab ships

    # Chapter 1, executed by a kernel of that environment, on the fake Colab.
    kernels = tmp_path / "jupyter" / "kernels" / "colab"
    kernels.mkdir(parents=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec = {"argv": argv, "language": "python", "env": {"PYTHONPATH": str(fake), "CLASSIC_CNN_PROFILE": "quick"}}
    (kernels / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    notebook = nbformat.read(ROOT / "book" / "01_convolution.ipynb", as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="colab", resources={"metadata": {"path": str(ROOT)}}).execute()
    setup = next(cell for cell in notebook.cells if cell.cell_type == "code")
    assert setup.outputs[0].text.startswith("classic_cnn profile: quick"), setup.outputs
