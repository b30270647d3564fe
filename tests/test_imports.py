"""The package, its arithmetic and its profile import without torch (a reader's first cell stays fast)."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["classic_cnn", "classic_cnn.shapes", "classic_cnn.profile"])
def test_importing_does_not_import_torch(module):
    code = f"import sys, {module}; assert 'torch' not in sys.modules, 'torch was imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_summary_is_the_function_even_after_its_module_is_imported():
    # ``classic_cnn.summary`` names both a function and its module. The package binds the function eagerly
    # (summary.py imports torch only when called); bound lazily, a later ``import classic_cnn.summary`` would
    # leave the module under that name and ``from classic_cnn import summary`` would not be callable.
    code = (
        "import sys, classic_cnn, classic_cnn.summary; from classic_cnn import summary;"
        "assert summary is sys.modules['classic_cnn.summary'].summary; assert 'torch' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
