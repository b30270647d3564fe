"""Every chapter in the full profile, as a Colab student runs it, on the CPU in seconds (a smoke run).

Each chapter is executed from a copy with ``CLASSIC_CNN_PROFILE=full``, reading small generated files in the real
on-disk formats (MNIST's IDX files, CIFAR-10's python pickles) from a data folder of its own
(``CLASSIC_CNN_DATA``), with every training run cut to a few steps (``CLASSIC_CNN_MAX_STEPS``). So every
full-profile line — data loading and padding, the full widths and shapes, the plots, the glue, the check
cells' smoke branches — runs on every commit, with no GPU and no network (pretrained weights take the offline
path). The accuracies mean nothing here; the check cells know it through ``classic_cnn.profile.smoke()``.
"""

import os
import pickle
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from test_data import write_idx

BOOK = Path(__file__).parents[1] / "book"
CHAPTERS = sorted(path.name for path in BOOK.glob("0*.ipynb"))
STEPS = 1  # optimizer steps per training run: every line of a step runs, in seconds per chapter

# Runs first in each copy: the network is cut (a chapter must work offline), and torchvision's CIFAR-10 class,
# which checks the real files' MD5 sums, accepts the generated files.
PREAMBLE = """\
import socket
def _no_network(*args, **kwargs):
    raise OSError("the full-profile smoke test runs offline")
socket.create_connection = _no_network
import torchvision.datasets.cifar
torchvision.datasets.cifar.check_integrity = lambda *args, **kwargs: True"""


def write_fake_datasets(root: Path, train: int = 20, test: int = 10) -> None:
    """MNIST (IDX) and CIFAR-10 (pickled batches) where torchvision reads them, every class present."""
    rng = np.random.default_rng(0)
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for prefix, count in (("train", train), ("t10k", test)):
        write_idx(raw / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (count, 28, 28)))
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", np.arange(count) % 10)
    cifar = root / "cifar-10-batches-py"
    cifar.mkdir()
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for name in names:
        count = test if name == "test_batch" else train // 5
        batch = {"data": rng.integers(0, 256, (count, 3072)).astype(np.uint8), "labels": list(np.arange(count) % 10)}
        (cifar / name).write_bytes(pickle.dumps(batch))
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    (cifar / "batches.meta").write_bytes(pickle.dumps({"label_names": classes}))


@pytest.fixture(scope="module")
def data_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("data")
    write_fake_datasets(root)
    return root


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_runs_in_the_full_profile(chapter, data_root, tmp_path, monkeypatch):
    for name, value in {
        "CLASSIC_CNN_PROFILE": "full",
        "CLASSIC_CNN_DATA": str(data_root),
        "CLASSIC_CNN_MAX_STEPS": str(STEPS),
        "CLASSIC_CNN_QUIET": "1",
        "TORCH_HOME": str(tmp_path / "torch"),  # no cached pretrained weights
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
    }.items():
        monkeypatch.setenv(name, value)
    notebook = nbformat.read(BOOK / chapter, as_version=4)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(PREAMBLE))
    client = NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(BOOK)}})
    client.execute()  # raises CellExecutionError naming the cell and its traceback
    nbformat.write(notebook, tmp_path / chapter)  # the executed copy, for a look after a failure
