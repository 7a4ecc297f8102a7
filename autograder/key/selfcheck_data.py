"""Write course/data/<case set>.npz (one per case set of the answer key, autograder/key/assignments.py): the visible
self-check cases with the reference's answers and the outputs of known mistakes. Run after changing the
reference, the cases or the mistakes:

    ./run python -m autograder.key.selfcheck_data [CASE_SET ...]     (default: every one)
"""
import sys

from autograder.key.assignments import ARG_BUILDERS
from autograder.key.cases import visible_cases
from course import plain
from course.selfcheck import DATA


def main(names=None):
    DATA.mkdir(exist_ok=True)
    for name in names or ARG_BUILDERS:
        path = DATA / f"{name}.npz"
        path.write_bytes(plain.dumps(visible_cases(name)))
        print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main(sys.argv[1:])
