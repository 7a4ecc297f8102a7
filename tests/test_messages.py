"""Reports that say what is wrong, in words that do not mislead (issue 25, "Messages that mislead")."""
import io
import multiprocessing
import time

import numpy as np

from course import plain
from course.diagnose import compare

EXPECTED = np.linspace(-1, 1, 6).reshape(2, 3)


def through_the_grader(value):
    """What the grader receives of a value the student's function returned (course.plain)."""
    return plain.loads(plain.dumps(value))


def test_an_array_of_complex_numbers_or_records_is_named_by_what_it_holds():
    # was: "output is a numpy.ndarray, expected a numpy.ndarray"
    complex_out = through_the_grader(EXPECTED.astype(complex))
    assert compare(complex_out, EXPECTED) == [
        "output is a complex numpy.ndarray (dtype complex128), expected a real float64 array"]
    records = through_the_grader(np.zeros((2, 3), dtype=[("re", float), ("im", float)]))
    assert compare(records, EXPECTED) == [
        "output is a structured numpy.ndarray (dtype void128), expected a real float64 array"]
    assert compare(through_the_grader(np.zeros(3, object)), EXPECTED) == [
        "output is an object numpy.ndarray (dtype object), expected a real float64 array"]
    # a hidden check says what a float32 array gets too: nothing that depends on what the student returned
    float32 = compare(through_the_grader(EXPECTED.astype(np.float32)), EXPECTED, detail=False)
    for odd in (complex_out, records, through_the_grader(EXPECTED.astype(complex)[:1])):
        assert compare(odd, EXPECTED, detail=False) == float32 == ["output has dtype another, expected float64"]
    assert compare(through_the_grader((EXPECTED.astype(complex), 1)), (EXPECTED, 1)) == [
        "output[0] is a complex numpy.ndarray (dtype complex128), expected a real float64 array"]


SELF_CONTAINING = """
import numpy as np
def softmax(z):
    out = [np.exp(z)]
    out.append(out)  # a list that holds itself: the grader's encoder cannot carry it
    return out
"""


def test_an_output_the_grader_cannot_read_is_not_called_an_error_of_the_function():
    # was: "softmax raised RecursionError: maximum recursion depth exceeded ..." (the grader's encoder raised it)
    from test_trusted import graded_test_cells

    graded, _ = graded_test_cells(SELF_CONTAINING, ["softmax"])
    report = graded["softmax"][0].evalue
    assert ("softmax returned something the grader cannot read (it is nested too deeply or holds itself): return "
            "numpy arrays, numbers, tuples, lists and dicts") in report, report
    assert "raised" not in report and "RecursionError" not in report, report


def _worker_that_stalls(phase):
    """A grading process that takes a student, says it moved on to `phase` (None: says nothing), and hangs."""
    def work(conn, *_):
        conn.recv()
        if phase:
            conn.send({"phase": phase})
        time.sleep(60)
    return work


class StallingContext:
    """multiprocessing's fork context, whose processes run a stalling worker instead of autograder.batch.student's."""

    def __init__(self, phase):
        self.fork, self.phase = multiprocessing.get_context("fork"), phase

    def Pipe(self):
        return self.fork.Pipe()

    def Process(self, target, daemon, args):
        # args: (target name, environment, the worker's end of the pipe, course, limits, log path)
        return self.fork.Process(target=_worker_that_stalls(self.phase), daemon=daemon, args=args[2:])


def test_a_student_stopped_at_the_limit_is_told_which_phase_took_the_time(tmp_path):
    # was: "(a cell that does not stop at the per-cell limit?)" when the time went into rendering feedback
    from autograder.batch.pool import run_workers
    from autograder.batch.progress import Progress

    reasons = {}
    for phase in (None, "feedback"):
        outcomes = []
        run_workers(StallingContext(phase), tmp_path, "rnn_forward", ["alice"], {}, {"student_timeout": 1}, 1,
                    outcomes.append, Progress(1, stream=io.StringIO()), tmp_path / "workers.log")
        reasons[phase] = outcomes[0]["problems"][0]
    assert reasons[None] == ("grading took longer than the 1 s allowed for one student and was stopped while its "
                             "notebooks were graded (a cell that does not stop at the per-cell limit?)")
    assert reasons["feedback"] == ("grading took longer than the 1 s allowed for one student and was stopped while "
                                   "its feedback page was written (the time went into rendering the feedback, not "
                                   "into the student's cells)")


def _float32(a):
    return np.asarray(a).astype(np.float32)


def softmax_in_float32(z):
    e = np.exp(_float32(z) - _float32(z).max(axis=0))
    return (e / e.sum(axis=0)).astype(np.float64)  # the right shape and dtype, float32's values


def rnn_cell_forward_in_float32(xt, a_prev, p):
    a_next = np.tanh(_float32(p["Waa"]) @ _float32(a_prev) + _float32(p["Wax"]) @ _float32(xt) + _float32(p["ba"]))
    a_next = a_next.astype(np.float64)
    return a_next, softmax_in_float32(p["Wya"] @ a_next + p["by"]), (a_next, a_prev, xt, p)


def test_values_computed_in_float32_get_a_hint_about_precision_and_the_tolerance_stays():
    # was: "softmax(z) has wrong values in 4 of 6 entries; the largest error is 1.67e-06 ..." and nothing more
    from autograder.key.cases import hidden_cases, visible_cases
    from autograder.key.problems import PLAIN_HIDDEN_SEED
    from course.checking import local_call, run_checks
    from course.diagnose import FLOAT32_HINT

    for name, fn in [("softmax", softmax_in_float32), ("rnn_cell_forward", rnn_cell_forward_in_float32)]:
        hidden = hidden_cases(name, PLAIN_HIDDEN_SEED)
        for cases, kind, detail in [(visible_cases(name), "check", True), (hidden, "hidden check", False)]:
            passed, report = run_checks(name, local_call(fn), cases, kind, detail)
            if name == "softmax" or not detail:  # float32 passes rnn_cell_forward's visible checks
                assert not passed and f"  - Hint: {FLOAT32_HINT}" in report.splitlines(), report
    # a small mistake computed in float64 is no float32 result
    def off_by_a_little(z):
        e = np.exp(z - z.max(axis=0))
        return e / (e.sum(axis=0) + 1e-5)
    passed, report = run_checks("softmax", local_call(off_by_a_little), visible_cases("softmax"))
    assert not passed and "float32" not in report, report


def test_an_integer_array_is_right_only_when_every_entry_is_the_expected_one():
    # |got - expected| in int64 wraps: an answer shifted by 2**63 "differed" by int64's minimum, whose abs is
    # negative, so it passed as the answer; so did an int argument changed that way ("modified its argument"
    # compares it with what it was) (attack round 12, sample_index and make_batches return int arrays).
    expected = np.array([0, 3, 7, 2**62], dtype=np.int64)
    shifted = expected ^ np.int64(-2**63)
    assert compare(shifted, expected, "index", detail=False) == ["index has wrong values"]
    assert compare(shifted, expected, "index")[0].startswith("index has wrong values in 4 of 4 entries")
    assert compare(expected + 1, expected, "index", detail=False) == ["index has wrong values"]
    assert compare(expected.copy(), expected, "index") == []
