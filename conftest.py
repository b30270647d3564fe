"""pytest set-up shared by the tests and the chapters (nbval): the kernels run the quick profile, quietly."""

import os

# Chapters run under nbval in kernels that inherit this environment: the CPU profile, no progress bars.
os.environ.setdefault("CLASSIC_CNN_PROFILE", "quick")
os.environ.setdefault("CLASSIC_CNN_QUIET", "1")

# nbval waits only 5 s for a cell's outputs after the kernel reports it done; a busy 2-core machine can
# take longer to deliver them, which nbval reports as a failed cell. 60 s keeps real hangs visible.
NBVAL_OUTPUT_TIMEOUT = 60


def pytest_collection_modifyitems(items):
    for item in items:
        if hasattr(item, "output_timeout"):
            item.output_timeout = NBVAL_OUTPUT_TIMEOUT
