"""The graded test cells of a notebook: which function each tests, and running them on the trusted side (the
course's checks and an instructor's own asserts) between the visible and the hidden phase."""
import time
import zlib

import numpy as np

from autograder.trusted.instructor_tests import run_test_cell
from autograder.trusted.outputs import error_output
from autograder.trusted.standins import (
    StudentFunction,
    TestTimeLimit,
    names_bound,
    names_read,
    namespace_for_test,
)
from course.signatures import SIGNATURES, function_of


def graded_function(cell):
    """(function, case set) of a test cell of the course's own ("test_<case set>", see
    a case set of the answer key, graded on its cases), or None for any other cell: an ungraded
    cell, or an instructor's test cell (is_instructor_test), which runs on stand-ins."""
    meta = cell.metadata.get("nbgrader", {})
    if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
        return None
    grade_id = meta.get("grade_id", "")
    case_set = grade_id[len("test_"):] if grade_id.startswith("test_") else None
    from autograder.key.assignments import ARG_BUILDERS
    if function_of(case_set) not in SIGNATURES or case_set not in ARG_BUILDERS:
        return None
    return function_of(case_set), case_set


def is_test_cell(cell):
    """Whether `cell` is a graded test cell (autograder, not a solution): its code, as the gradebook holds it,
    runs in this process on stand-ins of the student's names (autograder/trusted/standins.py)."""
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def is_instructor_test(cell):
    """Whether `cell` is a test cell that is not one of the course's own (graded_function)."""
    return is_test_cell(cell) and graded_function(cell) is None


def prepare_test(run, cell, snapshot_id, sources, graders_names=(), function=None, student_names=None):
    """(cell, namespace, grade id) of a test cell: what it reads of the student's names, taken where it stands
    (plain values now, functions kept in the sandbox to be called after the last cell), but graders_names;
    of those, only the student_names (standins.student_bound of the cells above) when given.
    sources: {grade id: source} of the gradebook; a cell whose source is not its own there is never run.
    function: the student function a course test cell grades, a stand-in whatever the name holds (its
    verdict says what is wrong with it, in the course's words)."""
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
    if sources.get(grade_id) != cell.source:
        return cell, None, grade_id
    try:
        names = names_read(cell.source) - set(graders_names)
        names = names if student_names is None else names & set(student_names)
    except SyntaxError:  # run_test_cell reports it in the cell; autograder.commands.release refuses it before that
        names = set()
    found = run.snapshot(snapshot_id, names) if names else {}
    namespace = namespace_for_test(run, snapshot_id, found, names, unread=names if found is None else ())
    if function is not None:
        namespace.refused.pop(function, None)
        namespace[function] = StudentFunction(run, snapshot_id, function)
    return cell, namespace, grade_id


def run_tests(run, prepared, graders_names=None):
    """Run each prepared test cell (its outputs are set), in order, each seeing what the cells before it bound
    (as test cells share one kernel in nbgrader: a helper one defines, another uses); graders_names:
    {name: value} the cells read from the grader (the course's check and grade_hidden), or a function of
    the cell's grade id that gives them."""
    shared = {}
    for cell, namespace, grade_id in prepared:
        names = graders_names(grade_id) if callable(graders_names) else graders_names
        if namespace is None:
            cell.outputs = [error_output("NotATestCell", "this graded cell is not a test cell of the assignment as the "
                                                   "gradebook holds it, so it was not run; scored 0")]
            continue
        namespace.update(shared)
        namespace.update(names or {})
        before = dict(namespace)
        run.test_deadline = time.monotonic() + run.timeout  # a cell's time, as a kernel's cell has
        try:
            cell.outputs = run_test_cell(cell.source, namespace, grade_id, cell.get("execution_count"), run.timeout)
        finally:
            del run.test_deadline
        if cell.outputs and cell.outputs[-1].get("ename") == TestTimeLimit.__name__:
            run.discard()  # the limit may have cut a request to the sandbox short
        # what the cell bound, as it ran: a star import or a global set in a function binds names no reading of
        # the source sees (a helper from `from numpy.testing import *` was looked up among the student's names)
        shared.update({name: value for name, value in dict.items(namespace)
                       if name not in before or value is not before[name]})


def instructor_phase(run, prepared, seed):
    """Run the instructor's test cells, then end the sandbox they called: the course's hidden checks run in a
    fresh one, which replays the notebook, so no function that saw an instructor's hidden inputs (the same for
    every student and round) answers them (which check failed first, and how, carried 19 bits of those
    inputs per grading). hidden_rng gives a test inputs of this student's draw instead."""
    if prepared:
        run_tests(run, prepared, lambda grade_id: {"hidden_rng": hidden_rng(seed, grade_id)})
        run.discard()


def hidden_rng(seed, grade_id):
    def hidden_rng():
        """A numpy Generator of this student's draw for this test cell: hidden inputs made with it differ per
        student and per changed notebook, so what one grading lets slip about them is of no use later."""
        return np.random.default_rng([seed, zlib.crc32(grade_id.encode())])
    return hidden_rng


def bound_names(code):
    try:
        return names_bound(code)
    except SyntaxError:
        return set()


GRADERS_NAMES = ("check", "grade_hidden")  # what a course test cell reads from the grader (course_checks.helpers)
