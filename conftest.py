"""pytest set-up shared by the tests and the chapters (nbval): the kernels run the quick profile, quietly.

``make test`` runs the suite on every core with pytest-xdist, each file on one worker (``--dist loadfile``: a
chapter's cells share one kernel). Each worker gets its share of the cores for torch, set here before anything
imports it; the chapters' kernels inherit it.
"""

import os

# Chapters run under nbval in kernels that inherit this environment: the CPU profile, no progress bars.
os.environ.setdefault("CLASSIC_CNN_PROFILE", "quick")
os.environ.setdefault("CLASSIC_CNN_QUIET", "1")

_workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _workers > 1:  # two workers with two threads each on two cores would fight over them
    _cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, _cores // _workers)))

# nbval waits only 5 s for a cell's outputs after the kernel reports it done; a busy 2-core machine can
# take longer to deliver them, which nbval reports as a failed cell. 60 s keeps real hangs visible.
NBVAL_OUTPUT_TIMEOUT = 60


def pytest_collection_modifyitems(items):
    for item in items:
        if hasattr(item, "output_timeout"):
            item.output_timeout = NBVAL_OUTPUT_TIMEOUT
