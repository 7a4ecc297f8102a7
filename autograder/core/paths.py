"""Where the course's files are. Every module that needs a path of the course asks here, so the answer to
"what does the sandbox hide" and "what is the grading code" is computed once."""
from pathlib import Path

AUTOGRADER = Path(__file__).resolve().parent.parent  # the grading code: the answer key, the grader, the tools
COURSE_ROOT = AUTOGRADER.parent  # this repository: source/, release/, nbgrader_config.py, the course package
COURSE_PACKAGE = COURSE_ROOT / "course"  # what the notebooks import: the only code of ours a sandbox sees
REFERENCE = AUTOGRADER / "key" / "reference"  # the reference solution, a package
# Its modules in the order they import each other; grading executes exactly these, verified.
REFERENCE_FILES = tuple(REFERENCE / name for name in ("rnn.py", "architectures.py", "gated.py", "language.py"))
TEMPLATES = AUTOGRADER / "report" / "templates"
GRADING_FILES = ("*.py", "*.npz")  # code, and the stored answers of the self-checks the verdicts quote


def grading_files():
    """Every file of the code that decides a verdict (autograder/ and course/, their stored answers too),
    sorted: the reference, each assignment's cases and mistakes, the grader, the functions' signatures."""
    return sorted(p for top in (AUTOGRADER, COURSE_PACKAGE) for pattern in GRADING_FILES for p in top.rglob(pattern)
                  if "__pycache__" not in p.parts)


def assignments(course=COURSE_ROOT):
    """The assignments of an nbgrader course directory: the folders of its source/, sorted."""
    return sorted(p.name for p in (Path(course) / "source").glob("*") if p.is_dir())
