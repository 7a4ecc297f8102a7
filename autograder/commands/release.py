"""Regenerate release/ from source/ with nbgrader: ./run python -m autograder.commands.release [ASSIGNMENT ...]"""
import shutil
import sys
import tempfile

from autograder.commands.workspace import Workspace
from autograder.core.paths import COURSE_ROOT
from autograder.core.paths import assignments as course_assignments


def main(assignments=None):
    assignments = assignments or course_assignments()
    with tempfile.TemporaryDirectory() as tmp:  # a scratch gradebook, not the course's
        ws = Workspace.create(tmp, assignments)
        for a in assignments:
            fresh = ws.generate(a)
            shutil.rmtree(COURSE_ROOT / "release" / a, ignore_errors=True)
            shutil.copytree(fresh, COURSE_ROOT / "release" / a)
            print(f"release/{a}: {', '.join(sorted(p.name for p in fresh.iterdir()))}")


if __name__ == "__main__":
    main(sys.argv[1:])
