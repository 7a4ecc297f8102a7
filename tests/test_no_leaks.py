"""What ships to students (course/, release/) holds no solution: no reference code, no solution regions,
no hidden tests, and nothing from autograder/."""
import inspect
import re

import pytest

from autograder.commands.answers import read
from autograder.core.paths import COURSE_ROOT
from autograder.key import reference
from autograder.key.assignments import KEYS, ORDER

SHIPPED = [p for d in ("course", "release") for p in (COURSE_ROOT / d).rglob("*")
           if p.is_file() and p.suffix in (".py", ".ipynb", ".md", ".txt", ".json")]


def code_lines(fn):
    """The reference's statement lines long enough to be distinctive (not `return a` or `p = parameters`)."""
    body = inspect.getsource(fn).split('"""')[-1]
    return [s for s in (line.strip() for line in body.splitlines())
            if len(s) >= 30 and not s.startswith("#")]


def normalised(text):
    return re.sub(r"\s+", "", text)


# Graded functions whose answer the course package holds, and why that is accepted
GIVEN_BY_THE_COURSE = {
    "clip_by_global_norm": "course/training.py clips by the global norm for the training runs of bptt and lstm_gru "
                           "(bptt's notebook explains it); language_model asks students to write it themselves, 2 "
                           "points, and says so (section 2)",
}


def graded_in(name):
    """The assignment whose tests grade function `name`, or None (a helper no test grades, such as sigmoid)."""
    return next((a for a, key in KEYS.items() if name in key.ARG_BUILDERS), None)


def shipped_text(path, name):
    """What `path` ships of `name`'s code: all of it, except the read-only given cells of a notebook released
    after the assignment that grades `name` (bptt gives rnn_forward, lstm_gru the vanilla RNN of bptt: by then
    the earlier assignment's deadline has passed, docs/instructors.md)."""
    text = path.read_text(errors="replace")
    assignment, graded = path.parent.name, graded_in(name)
    later = assignment in ORDER and (graded is None or ORDER.index(graded) < ORDER.index(assignment))
    if path.suffix != ".ipynb" or not later:
        return text
    nb = read(path)
    return "\n".join(c.source for c in nb.cells if not c.metadata.get("nbgrader", {}).get("locked"))


@pytest.mark.parametrize("name", [n for n, f in vars(reference).items()
                                  if inspect.isfunction(f) and f.__module__.startswith(reference.__name__ + ".")])
def test_no_reference_line_ships(name):
    lines = code_lines(getattr(reference, name))
    if name in GIVEN_BY_THE_COURSE:
        pytest.skip(GIVEN_BY_THE_COURSE[name])
    assert lines, f"{name}: no line of its code is long enough to look for"
    for path in SHIPPED:
        text = normalised(shipped_text(path, name))
        for line in lines:
            assert normalised(line) not in text, f"{path.relative_to(COURSE_ROOT)} contains reference code: {line}"


def test_release_has_no_solutions_or_hidden_tests():
    for path in (COURSE_ROOT / "release").rglob("*.ipynb"):
        text = path.read_text()
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "import autograder",
                       "from autograder"):
            assert marker not in text, f"{path.relative_to(COURSE_ROOT)} contains {marker!r}"


def test_nothing_under_course_imports_the_autograder():
    for path in (COURSE_ROOT / "course").rglob("*.py"):
        assert not re.search(r"^\s*(from|import)\s+autograder", path.read_text(), re.M), path
