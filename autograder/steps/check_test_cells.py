"""Release step: refuse a test cell that trusted grading cannot grade, naming the cell and the fix.

A graded test cell is either one of the course's own (grade id test_<case set>, graded on the registered cases)
or an instructor's test, run as plain Python in the grader on stand-ins (autograder/trusted/standins.py). So an
instructor's test must be Python (no IPython magics or shell commands), must not use what only a kernel has,
and must not call the course's self-check helpers, which grade only registered case sets. Found here, at
generate_assignment, not while a class is graded.
"""
import ast

from nbgrader.preprocessors import NbGraderPreprocessor

from autograder.trusted.standins import names_read

KERNEL_ONLY = {"get_ipython", "display", "In", "Out"}  # an IPython kernel's names: the grader runs no kernel
COURSE_HELPERS = {"check", "grade_hidden"}  # they grade a registered case set, only in a test_<case set> cell


class UngradableTestCell(Exception):
    """A test cell that trusted grading could not grade; the message names the cell and the fix."""


def problems(cell):
    """What keeps trusted grading from grading test cell `cell` (sentences), [] when it can."""
    from autograder.trusted.test_cells import is_instructor_test
    meta = cell.metadata.get("nbgrader", {})
    grade_id = meta.get("grade_id", "")
    if not is_instructor_test(cell):
        return []
    try:
        tree = ast.parse(cell.source)
    except SyntaxError as exc:
        return [f"test cell {grade_id!r} is not plain Python (line {exc.lineno}: {exc.msg}): trusted grading runs "
                "a test in the grader, without IPython, so write it without magics (%...) or shell commands (!...)"]
    found = []
    called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    for helper in sorted(COURSE_HELPERS & called):
        found.append(f"test cell {grade_id!r} calls {helper}(...), which grades a registered case set: name the "
                     "cell test_<case set> (course/signatures.py SIGNATURES, ARG_BUILDERS in "
                     "autograder/key/<assignment>/cases.py), "
                     "or test with asserts on what the function returns")
    kernel = sorted(KERNEL_ONLY & names_read(cell.source))
    if kernel:
        found.append(f"test cell {grade_id!r} uses {', '.join(kernel)}, which only a kernel has: trusted grading "
                     "runs the test in the grader; print, or make the last line the value to show")
    return found


class CheckTestCells(NbGraderPreprocessor):
    """generate_assignment step: stops the release on a test cell that trusted grading cannot grade."""

    def preprocess(self, nb, resources):
        found = [p for cell in nb.cells for p in problems(cell)]
        if found:
            name = resources.get("unique_key", "the notebook")
            raise UngradableTestCell(f"{name}: " + "; ".join(found))
        return nb, resources
