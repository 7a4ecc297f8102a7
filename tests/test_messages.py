"""Reports that say what is wrong, in words that do not mislead (issue 25, "Messages that mislead")."""
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
