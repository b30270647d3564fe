"""nbgrader settings for a course built on the classic_cnn chapters (see book/instructors.md).

Copy this file into your course folder, outside the repository, and run every nbgrader command there:
nbgrader keeps its gradebook (gradebook.db) and its source/, release/, submitted/, autograded/ and feedback/
folders next to it.
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821 — nbgrader (traitlets) defines get_config when it reads this file

# Grading runs every chapter in the quick profile (CPU, embedded data), as CI does, even on a machine with a GPU,
# where the default would be the full profile's paper-scale training. The kernels nbgrader starts inherit
# this process's environment, so setting it here reaches them. Progress bars would only fill the feedback.
os.environ["CLASSIC_CNN_PROFILE"] = "quick"
os.environ["CLASSIC_CNN_QUIET"] = "1"
# No exercise's answer depends on a trained network: cap every training run at 10 steps (a smoke run, whose
# outputs are not results), so grading does not wait for the training. Delete this line to grade with it.
os.environ["CLASSIC_CNN_MAX_STEPS"] = "10"

# The training cells of some chapters take minutes on a CPU: nbgrader's default of 30 s per cell is too short.
c.Execute.timeout = 600

# A gradebook inside the classic_cnn repository would be committed by accident: refuse to run there.
course = Path.cwd().resolve()
for folder in (course, *course.parents):
    if (folder / "src" / "classic_cnn" / "__init__.py").exists():
        raise SystemExit(
            f"nbgrader is running in {course}, inside the classic_cnn repository {folder}: copy "
            "course/nbgrader_config.py into a course folder outside it and run nbgrader there"
        )
