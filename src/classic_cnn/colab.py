"""Running the chapters on Colab: the first cell of every chapter, and the profile report it prints.

Every chapter starts with :data:`SETUP_CELL`, verbatim (a test checks this). On Colab it installs the version
of the package the chapter was executed with (:data:`classic_cnn.__version__`, the one place it is set), once
per session, from the package index, else from that version's tag in the repository; it never touches Colab's
own torch (``torch>=2.2`` is already satisfied, and nothing is upgraded), so no restart is needed. Anywhere else
it installs nothing. Then it prints the active profile and how to switch. ``CLASSIC_CNN_SOURCE`` overrides what
is installed (a wheel, a local checkout, a fork's ``git+`` URL).
"""

from __future__ import annotations

import sys

from classic_cnn import __version__
from classic_cnn.profile import Profile, active_profile

REPOSITORY_URL = "https://github.com/classic-cnn/classic_cnn"  # = repository.url in _config.yml (tested)
PACKAGE = "classic-cnn"
# Where the setup cell installs from, in order: the package index, then the repository's release tag.
SOURCES = (f"{PACKAGE}=={__version__}", f"git+{REPOSITORY_URL}@v{__version__}")

SETUP_CELL = f"""\
# Setup. On Colab: install classic_cnn {__version__} once per session (Colab's torch is kept). Elsewhere: nothing.
import importlib, importlib.util, os, subprocess, sys

if "google.colab" in sys.modules and importlib.util.find_spec("classic_cnn") is None:
    sources = [{", ".join(f'"{source}"' for source in SOURCES)}]  # PyPI, then the repository
    if os.environ.get("CLASSIC_CNN_SOURCE"):
        sources = [os.environ["CLASSIC_CNN_SOURCE"]]
    for source in sources:
        pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", source], capture_output=True, text=True)
        if pip.returncode == 0:
            break
    else:
        raise RuntimeError(f"installing classic_cnn from {{' or '.join(sources)}} failed:\\n{{pip.stderr}}")
    importlib.invalidate_caches()

from classic_cnn.colab import report

report()"""

DESCRIPTIONS: dict[Profile, str] = {
    "quick": "CPU, small embedded datasets, a minute or two per chapter",
    "full": "GPU, real datasets, about ten minutes per chapter on a Colab T4 (each chapter says how long)",
    "paper": "GPU, real datasets, the papers' complete training schedules (up to an hour or more; each chapter says how long)",
}


def in_colab() -> bool:
    """True inside a Colab kernel (which has imported ``google.colab`` before any cell runs)."""
    return "google.colab" in sys.modules


def report() -> None:
    """Print the active profile and how to switch to the other one."""
    profile = active_profile()
    other = "full" if profile == "quick" else "quick"
    print(f"classic_cnn profile: {profile} ({DESCRIPTIONS[profile]}).")
    print(f"To switch, run `%env CLASSIC_CNN_PROFILE={other}` in a cell, then run the chapter again.")
    if in_colab() and profile == "quick":
        import torch

        if not torch.cuda.is_available():
            print("The full profile needs a GPU: Runtime > Change runtime type > T4 GPU.")
