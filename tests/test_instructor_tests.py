"""An instructor's own nbgrader test cells (asserts, partial credit) are graded by trusted grading: the test
runs in the grader's process on stand-ins of the student's names, and no student code can forge its verdict."""
import nbformat
import pytest
from corpus import graded_test_cell, with_instructor_tests
from corpus import rnn_forward as forward_corpus

from autograder.commands.answers import fill, read, solution_code
from autograder.commands.workspace import Workspace
from autograder.trusted import notebook_run, test_cells
from autograder.trusted.instructor_tests import HIDDEN_FAILURE
from autograder.trusted.standins import names_read


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    ws = Workspace.create(tmp_path_factory.mktemp("course"), ["rnn_forward"])
    with_instructor_tests(ws.root, forward_corpus)
    release = read(ws.generate("rnn_forward") / "rnn_forward.ipynb")
    source = read(ws.root / "source" / "rnn_forward" / "rnn_forward.ipynb")
    base = dict(forward_corpus.BASE)
    wrong = base["rnn_forward"].replace("a[:, :, t] = a_next", "a[:, :, t] = 2 * a_next")
    subs = {"correct": solution_code(source), "wrong": {**base, "rnn_forward": wrong},
            "untouched": {}}
    for student, codes in subs.items():
        ws.submit(student, "rnn_forward", {"rnn_forward": fill(release, codes)})
    ws.autograde("rnn_forward")
    return ws, ws.scores("rnn_forward")


def test_instructor_tests_are_released_hidden_and_graded(graded):
    ws, scores = graded
    released = (ws.root / "release" / "rnn_forward" / "rnn_forward.ipynb").read_text()
    assert "reference.rnn_forward" not in released  # hidden tests stay hidden
    assert scores["correct"]["forward_values"] == (1.0, 1.0)
    assert scores["correct"]["softmax_partial"] == (1.0, 1.0)
    assert all(s == m for s, m in scores["correct"].values()), scores["correct"]
    assert scores["wrong"]["forward_values"] == (0.0, 1.0)
    assert scores["wrong"]["test_rnn_forward"] == (0.0, 3.0)
    assert scores["wrong"]["softmax_partial"] == (1.0, 1.0)
    assert all(s == 0 for s, _ in scores["untouched"].values()), scores["untouched"]


def test_a_failing_hidden_assert_shows_its_message_and_nothing_of_the_test(graded):
    ws, _ = graded
    nb = read(ws.root / "autograded" / "wrong" / "rnn_forward" / "rnn_forward.ipynb")
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "forward_values")
    error, = [o for o in cell.outputs if o.output_type == "error"]
    assert (error.ename, error.evalue) == ("AssertionError", "the hidden states a are wrong on a 5-step case")
    assert error.traceback == ["\x1b[0;31mAssertionError\x1b[0m: the hidden states a are wrong on a 5-step case"]


def test_a_failing_visible_test_shows_its_lines():
    ename, evalue = outcome([GOOD], "x = 1\nassert double(1) == 3, 'double(1) is not 3'\n")
    assert (ename, evalue) == ("AssertionError", "double(1) is not 3")


def test_partial_credit_is_nbgrader_s(graded):
    ws, _ = graded
    bad_softmax = forward_corpus.BASE["softmax"].replace("axis=0, keepdims=True))\n", "axis=0, keepdims=True))\n") \
        .replace("return e / np.sum(e, axis=0, keepdims=True)", "return e")
    release = read(ws.root / "release" / "rnn_forward" / "rnn_forward.ipynb")
    ws.submit("half", "rnn_forward", {"rnn_forward": fill(release, {**forward_corpus.BASE, "softmax": bad_softmax})})
    ws.autograde("rnn_forward", "--student", "half")
    assert ws.scores("rnn_forward")["half"]["softmax_partial"] == (0.5, 1.0)


def test_names_a_test_reads_are_those_it_does_not_bind():
    code = "import math\nfrom autograder import reference\nx = f(y)\ndef g(k):\n    return h(k) + len(k)\nnp.ones(1)\n"
    assert names_read(code) == {"f", "y", "h"}
    # a parameter named like a student function is the function's own, not a binding of the test's top level
    assert names_read("def shape_of(softmax):\n    return softmax.shape\nshape_of(softmax(z))\n") == {"softmax", "z"}
    assert names_read("class C:\n    w = W\n[v for v in vs]\nlambda q: q + k\n") == {"W", "vs", "k"}


def outcome(before, test, after=(), timeout=20):
    """(ename or None, evalue or printed text) of instructor test `test` standing after cells `before` and
    before cells `after` of a notebook, graded by trusted grading's pieces."""
    run = notebook_run.NotebookRun([], 1 << 31, timeout)
    try:
        for i, code in enumerate(before, 1):
            run.run_cell(code, i)
        cell = graded_test_cell("t", test, 1)
        prepared = test_cells.prepare_test(run, cell, 0, {"t": test})
        for code in after:
            run.run_cell(code)
        test_cells.run_tests(run, [prepared])
    finally:
        run.close()
    error = next((o for o in cell.outputs if o.output_type == "error"), None)
    if error is not None:
        return error.ename, error.evalue
    return None, "".join(o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in cell.outputs)


GOOD = "import numpy as np\ndef double(v):\n    return 2 * v\n"
TEST = "assert np.array_equal(double(np.arange(3)), [0, 2, 4]), 'double is wrong'\nprint('ok')"


def test_an_honest_function_and_a_plain_variable_pass():
    test = TEST + "\nassert answer[2]['k'].sum() == 2\ndef f():\n    return answer[1]\nf()"
    assert outcome([GOOD, "answer = [1, 2.5, {'k': np.ones(2)}]"], test) == (None, "ok\n2.5")


@pytest.mark.parametrize("cheat", [
    "def double(v):\n    return (x for x in 2 * v)",  # a generator
    "def double(v):\n    return lambda: 2 * v",  # a function returned by a function
    "class Eq(np.ndarray):\n    def __eq__(self, o): return True\n"
    "def double(v):\n    return (2 * v).view(Eq)",  # an ndarray subclass with an odd __eq__
    "class Arr:\n    def __array__(self, *a, **k): return np.array([0, 2, 4])\n    def __len__(self): return 3\n"
    "def double(v):\n    return Arr()",  # an object that poses as an array
    "class Double:\n    def __call__(self, v): return 2 * v\ndouble = Double()",  # a callable object
])
def test_what_is_not_plain_data_is_an_error_in_the_test(cheat):
    ename, evalue = outcome([GOOD, cheat], TEST)
    assert ename == "StudentError" and "not plain data" in evalue, (ename, evalue)


def test_a_student_exception_arrives_as_student_error_with_only_a_builtin_name():
    assert outcome(["def double(v):\n    raise ValueError(f'secret {v}')"], TEST) == \
        ("StudentError", "double raised ValueError")
    assert outcome(["class Mine(Exception): pass\ndef double(v):\n    raise Mine(str(v))"], TEST) == \
        ("StudentError", "double raised an exception of its own class")


def test_in_a_hidden_test_a_student_exception_does_not_say_which_it_was():
    # which of 32 built-in exceptions a function raised carried 5 bits of an instructor's hidden input per
    # call and round, and those inputs are the same in every round
    hidden = "### BEGIN HIDDEN TESTS\nassert double(np.arange(3))[1] == 2\n### END HIDDEN TESTS\n"
    assert outcome(["def double(v):\n    raise KeyError(int(v[1]))"], hidden) == ("HiddenTestFailed", HIDDEN_FAILURE)


@pytest.mark.slow
def test_names_are_read_where_the_test_stands_and_later_cells_change_nothing():
    later = ["def double(v):\n    return [0, 2, 4]", "np.array_equal = lambda *a: True"]
    assert outcome([GOOD], TEST, after=later) == (None, "ok\n")
    assert outcome(["def double(v):\n    return v"], TEST, after=["def double(v):\n    return 2 * v"])[0] == \
        "AssertionError"
    # a value is read once, where the test stands: a later cell that changes it changes nothing
    assert outcome(["values = [1]"], "assert values == [1]\nassert values == [1]", after=["values.append(2)"]) == \
        (None, "")


def test_the_student_s_names_never_shadow_the_grader_s_own():
    cheats = "np = None\nStudentError = AssertionError\nall = lambda x: True\nlen = lambda x: 3\n"
    assert outcome([GOOD, "def double(v):\n    return v", cheats], TEST + "\nassert len([1]) == 1")[0] == \
        "AssertionError"
    # monkeypatching numpy in the sandbox changes the sandbox's numpy only
    assert outcome([GOOD, "def double(v):\n    return v\nnp.array_equal = lambda *a, **k: True"], TEST)[0] == \
        "AssertionError"


def test_a_test_that_exits_fails_without_ending_the_grader():
    assert outcome([GOOD], "exit(0)")[0] == "SystemExit"


def test_a_student_module_or_object_read_by_the_test_is_an_error():
    ename, evalue = outcome(["import json as data"], "data")
    assert ename == "StudentError" and "not plain data" in evalue
    assert outcome(["from course import toy"], "toy.one_hot([[1]], 2).shape")[1] == "(2, 1, 1)"  # the grader's


def test_a_library_function_a_student_name_holds_runs_in_the_sandbox_not_in_the_grader(tmp_path):
    assert outcome(["from course.toy import one_hot"], "one_hot([[1]], 2).shape")[1] == "(2, 1, 1)"
    target = tmp_path / "written-by-the-grader"
    outcome(["import numpy as np\nsave = np.save"], f"save({str(target)!r}, np.ones(2))")
    assert not (tmp_path / "written-by-the-grader.npy").exists()  # written in the sandbox's view, if anywhere


@pytest.mark.slow
def test_a_call_that_kills_the_process_or_times_out_is_a_student_error():
    assert outcome(["import os\ndef double(v):\n    os._exit(3)"], TEST) == \
        ("StudentError", "the notebook's process ended while double ran")
    ename, evalue = outcome(["import time\ndef double(v):\n    time.sleep(60)"], TEST, timeout=3)
    assert ename == "StudentError" and "did not return within 3 s" in evalue


@pytest.mark.slow
@pytest.mark.parametrize("test", [
    "while True:\n    try:\n        sum(range(10**6))\n    except Exception:\n        pass\n",  # CPU in the grader
    "for _ in range(100):\n    double(1)\n",  # each call in its own limit, the cell past its own
])
def test_a_test_cell_that_runs_past_a_cell_s_time_is_stopped_and_fails(test):
    # An instructor's test runs in the grader on the student's data: a loop whose end depends on what the
    # student's function returns, or many calls of a slow one, held the whole batch up (no limit ran it)
    slow = "import time\ndef double(v):\n    time.sleep(0.3)\n    return 2 * v\n"
    ename, evalue = outcome([slow], test, timeout=2)
    assert ename == "TestTimeLimit" and "time limit of a cell" in evalue


def test_a_graded_cell_whose_source_is_not_the_gradebook_s_is_never_run():
    run = notebook_run.NotebookRun([], 1 << 31, 20)
    try:
        cell = graded_test_cell("t", "print('run in the grader')", 1)
        prepared = test_cells.prepare_test(run, cell, 0, {"t": "print('the assignment s test')"})
        test_cells.run_tests(run, [prepared])
    finally:
        run.close()
    assert [o.ename for o in cell.outputs] == ["NotATestCell"]


@pytest.mark.slow
@pytest.mark.parametrize("source, says", [
    ("%timeit softmax(np.ones((2, 2)))\n", "is not plain Python (line 1"),
    ("check('rnn_forward', rnn_forward)\n", "calls check(...)"),
    ("display(softmax(np.ones((2, 2))))\n", "uses display, which only a kernel has"),
])
def test_release_refuses_a_test_cell_trusted_grading_cannot_grade(tmp_path, source, says):
    ws = Workspace.create(tmp_path, ["rnn_forward"])
    path = ws.root / "source" / "rnn_forward" / "rnn_forward.ipynb"
    nb = read(path)
    nb.cells.append(graded_test_cell("my_test", source, 1))
    nbformat.write(nb, str(path))
    proc = ws.nbgrader("generate_assignment", "rnn_forward", "--force", check=False)
    assert proc.returncode != 0
    assert f"test cell 'my_test' {says}" in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    proc = ws.nbgrader("validate", str(path), check=False)  # before any release, as an instructor checks a source
    assert proc.returncode != 0
    assert f"test cell 'my_test' {says}" in proc.stdout + proc.stderr, proc.stdout + proc.stderr


@pytest.mark.slow
def test_run_grade_grades_instructor_tests_too(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path
    ws = Workspace.create(tmp_path / "course", ["rnn_forward"])
    with_instructor_tests(ws.root, forward_corpus)
    release = read(ws.generate("rnn_forward") / "rnn_forward.ipynb")
    base = dict(forward_corpus.BASE)
    wrong = base["rnn_forward"].replace("a[:, :, t] = a_next", "a[:, :, t] = 2 * a_next")
    for student, codes in {"right": base, "wrong": {**base, "rnn_forward": wrong}}.items():
        ws.submit(student, "rnn_forward", {"rnn_forward": fill(release, codes)})
    env = dict(os.environ, RNN_COURSE_DB_URL=ws.db_url,
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    proc = subprocess.run([sys.executable, "-m", "autograder.commands.grade", "rnn_forward", "--course", str(ws.root),
                           "--workers", "1", "--timeout", "20"], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    scores = ws.scores("rnn_forward")
    assert all(s == m for s, m in scores["right"].values()), scores["right"]
    assert scores["wrong"]["forward_values"] == (0.0, 1.0) and scores["wrong"]["softmax_partial"] == (1.0, 1.0)


def test_the_feedback_shows_the_assert_message_and_no_hidden_test_source(graded):
    import html
    ws, _ = graded
    ws.nbgrader("generate_feedback", "rnn_forward", "--student", "wrong", "--force")
    page = html.unescape((ws.root / "feedback" / "wrong" / "rnn_forward" / "rnn_forward.html").read_text())
    assert "the hidden states a are wrong on a 5-step case" in page
    assert "reference.rnn_forward" not in page and "default_rng(7)" not in page


@pytest.mark.slow
def test_names_too_large_to_send_are_a_student_error_not_undefined():
    ename, evalue = outcome(["import numpy as np\nbig = np.zeros(9_000_000)"], "big.shape")  # 72 MB
    assert ename == "StudentError" and "too large to send" in evalue, (ename, evalue)


def test_a_snapshot_reply_gives_the_test_only_the_names_it_asked_for():
    """The student's code can replace the worker's snapshot(); names the test did not ask for (builtins,
    __builtins__) in its reply stay the grader's own."""
    forge = forward_corpus.CHEATS["standin_forges_snapshot"][2]  # adds abs (every error is 0) and len (3)
    test = "assert abs(double(2) - 4) < 0.5, 'double is wrong'\nassert len([1]) == 1\nprint('ok')"
    assert outcome(["def double(v):\n    return 2 * v", forge], test) == (None, "ok\n")
    assert outcome(["def double(v):\n    return v", forge], test) == ("AssertionError", "double is wrong")


def test_a_name_holding_a_module_the_grader_never_imported_is_refused_not_imported():
    # A module object named numpy.f2py.__main__: the grader imported that name itself, f2py's main() ran on
    # nbgrader's argv and its SystemExit ended plain `nbgrader autograde` for every student after this one
    assert outcome(["import types\ndouble = types.ModuleType('numpy.f2py.__main__')"], "double\nprint('read')") == \
        ("StudentError", "the student's double is not plain data (a class, an object, a generator, a module the "
                         "grader does not have, ...): a test can read only numpy arrays, numbers, strings, None, "
                         "tuples, lists and dicts with string keys, and call functions")
    # an honest alias of a module the grader has is the grader's module
    assert outcome(["import numpy.linalg as la"], "print(la.norm(np.ones(4)))") == (None, "2.0\n")


@pytest.mark.slow
def test_an_error_in_a_hidden_test_does_not_quote_what_the_student_returned():
    # A broadcast error quoted the shape of the empty array the student's function returned: 62 bits of a
    # hidden input per feedback round
    leak = "def double(v):\n    return np.zeros((0, 531239897, 1191706398), bool)\n"
    hidden = "### BEGIN HIDDEN TESTS\nassert np.allclose(double(1), np.ones((6, 4, 5))), 'double is wrong'\n" \
             "### END HIDDEN TESTS\n"
    ename, evalue = outcome(["import numpy as np\n" + leak], hidden)
    assert (ename, evalue) == ("HiddenTestFailed", HIDDEN_FAILURE)
    # an assert's message, and the same error in a visible test, are shown as they are
    assert outcome([GOOD], "### BEGIN HIDDEN TESTS\nassert double(1) == 3, 'double(1) is not 3'\n"
                           "### END HIDDEN TESTS\n") == ("AssertionError", "double(1) is not 3")
    ename, evalue = outcome(["import numpy as np\n" + leak], "np.allclose(double(1), np.ones((6, 4, 5)))")
    assert ename == "ValueError" and "531239897" in evalue


def test_a_hidden_test_stopped_by_its_time_shows_no_line_of_it():
    # each call of a student function has a cell's time of its own, the test cell too: two slow calls made the
    # third stop the test, whose traceback quoted that hidden line, with the hidden input and the expected
    # answer in it (attack round 11)
    slow = "import time\ndef double(v):\n    time.sleep(0.6)\n    return 2 * v\n"
    hidden = "### BEGIN HIDDEN TESTS\nassert double(1) == 2\nassert double(2) == 4\n" \
             "assert double(0.3131) == 0.6262, 'double is wrong'\n### END HIDDEN TESTS\n"
    run = notebook_run.NotebookRun([], 1 << 31, 1)
    try:
        run.run_cell("import numpy as np\n" + slow, 1)
        cell = graded_test_cell("t", hidden, 1)
        test_cells.run_tests(run, [test_cells.prepare_test(run, cell, 0, {"t": hidden})])
    finally:
        run.close()
    error, = [o for o in cell.outputs if o.output_type == "error"]
    assert error.ename == "TestTimeLimit" and "line 4" in "".join(error.traceback)
    assert "0.3131" not in str(cell.outputs) and "double is wrong" not in str(cell.outputs), error.traceback


def test_a_helper_one_test_cell_defines_is_the_next_one_s_not_the_student_s():
    # Test cells share one kernel in nbgrader: the second used the first's helper. Run apart, the second
    # looked the helper up among the student's names, so a student who defined it chose the verdict
    first = "def close_enough(a, b):\n    return np.allclose(a, b)\nassert close_enough(double(1), 2)\n"
    second = "### BEGIN HIDDEN TESTS\nassert close_enough(double(np.arange(3)), [0, 2, 4]), 'double is wrong'\n" \
             "### END HIDDEN TESTS\n"
    wrong = "import numpy as np\ndef double(v):\n    return v if np.ndim(v) else 2 * v\n"
    for student, verdicts in [("", [None, None]), ("def close_enough(a, b):\n    return True\n",
                                                   [None, "AssertionError"])]:
        run = notebook_run.NotebookRun([], 1 << 31, 20)
        try:
            run.run_cell((GOOD if not student else wrong) + student, 1)
            cells = [graded_test_cell(f"t{i}", code, 1) for i, code in enumerate((first, second))]
            bound, prepared = set(), []
            for i, cell in enumerate(cells):
                prepared.append(test_cells.prepare_test(run, cell, i, {c.metadata.nbgrader.grade_id: c.source
                                                                     for c in cells}, bound))
                bound |= test_cells.bound_names(cell.source)
            test_cells.run_tests(run, prepared)
        finally:
            run.close()
        assert [next((o.ename for o in c.outputs if o.output_type == "error"), None) for c in cells] == verdicts


def test_a_name_a_test_cell_star_imports_is_the_next_one_s_not_the_student_s():
    # `from numpy.testing import *` in one test cell, assert_allclose in the next: no reading of the source
    # sees the star import bind it, so the student's assert_allclose (return None) ran on the test's data
    first = "from numpy.testing import *\nassert_allclose(double(1), 2)\n"
    second = "### BEGIN HIDDEN TESTS\nassert_allclose(double(np.arange(3)), [0, 2, 4])\n### END HIDDEN TESTS\n"
    wrong = "import numpy as np\ndef double(v):\n    return v if np.ndim(v) else 2 * v\n" \
            "def assert_allclose(*args, **kwargs):\n    return None\n"
    run = notebook_run.NotebookRun([], 1 << 31, 20)
    try:
        run.run_cell(wrong, 1)
        cells = [graded_test_cell(f"t{i}", code, 1) for i, code in enumerate((first, second))]
        sources = {c.metadata.nbgrader.grade_id: c.source for c in cells}
        bound, prepared = set(), []
        for i, cell in enumerate(cells):
            prepared.append(test_cells.prepare_test(run, cell, i, sources, bound))
            bound |= test_cells.bound_names(cell.source)
        test_cells.run_tests(run, prepared)
    finally:
        run.close()
    assert [next((o.ename for o in c.outputs if o.output_type == "error"), None) for c in cells] == \
        [None, "HiddenTestFailed"]  # numpy's assert_allclose failed (the student's would have returned None)


def test_numpy_testing_s_messages_in_a_hidden_test_are_not_shown():
    # np.testing.assert_allclose raises AssertionError with the actual and desired values: the hidden inputs
    # (a function that returns its input) and the reference's answers, all in one feedback
    hidden = "### BEGIN HIDDEN TESTS\nnp.testing.assert_allclose(double(np.array([0.25, 0.5])), [0.5, 1.0])\n" \
             "### END HIDDEN TESTS\n"
    ename, evalue = outcome(["def double(v):\n    return v"], hidden)
    assert (ename, evalue) == ("HiddenTestFailed", HIDDEN_FAILURE)


def test_a_warning_in_a_test_cell_does_not_quote_its_line():
    # a RuntimeWarning of np.log printed the hidden line, with the reference's expected value in it
    visible = "p = np.log(double(np.zeros(2)))  # expected 0.31326168751822286\nprint('done')\n"
    ename, printed = outcome([GOOD], visible)
    assert ename is None and "RuntimeWarning" in printed and "0.3132" not in printed and "done" in printed, printed


def test_a_warning_raised_while_a_hidden_line_runs_is_not_shown():
    # whether numpy warned on what the student's function returned was the student's choice: a function that
    # returned 1e200 for a positive hidden input made the grader's `** 2` warn, one bit of the input per test and
    # grading beyond pass or fail (attack round 11)
    chooser = "import numpy as np\ndef double(v):\n    return np.full(np.shape(v), 1e200 if v[0] > 0 else np.nan)\n"
    hidden = "### BEGIN HIDDEN TESTS\nx = np.array([0.75, -1.5])\nprint('checking')\n" \
             "assert ((double(x) - 2 * x) ** 2).mean() < 1e-12, 'double is wrong'\n### END HIDDEN TESTS\n"
    ename, message = outcome([chooser], hidden)
    assert (ename, message) == ("AssertionError", "double is wrong")
    run = notebook_run.NotebookRun([], 1 << 31, 20)
    try:
        run.run_cell(chooser, 1)
        cell = graded_test_cell("t", hidden, 1)
        test_cells.run_tests(run, [test_cells.prepare_test(run, cell, 0, {"t": hidden})])
    finally:
        run.close()
    printed = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    assert printed == "checking\n", printed


def test_every_marker_nbgrader_hides_by_is_a_hidden_test_here_too():
    # `# BEGIN HIDDEN TESTS` is hidden by nbgrader (it looks for the words anywhere in a line); the grader
    # took only `### BEGIN HIDDEN TESTS`, graded such a test as visible and showed numpy's messages from it
    from autograder.trusted.instructor_tests import hidden_lines
    assert hidden_lines("a = 1\n# BEGIN HIDDEN TESTS\nb = 2\n#END HIDDEN TESTS\nc = 3") == {2, 3, 4}


def test_the_course_s_hidden_checks_never_meet_a_function_that_saw_an_instructor_s_inputs():
    # The instructor's tests ran in the sandbox that then answered the course's hidden checks: a function that
    # remembered the instructor's (fixed) hidden inputs chose which check failed first, and how: 19 bits a round
    run = notebook_run.NotebookRun([], 1 << 31, 20)
    try:
        run.run_cell("SEEN = []\ndef double(v):\n    SEEN.append(v)\n    return 2 * v\n", 1)
        test = "### BEGIN HIDDEN TESTS\nassert double(7) == 14\n### END HIDDEN TESTS\n"
        cell = graded_test_cell("t", test, 1)
        test_cells.instructor_phase(run, [test_cells.prepare_test(run, cell, 0, {"t": test})], seed=1)
        assert cell.outputs == []  # passed, silently
        assert "".join(o.get("text", "") for o in run.run_cell("print(SEEN)", 2)) == "[]\n"
    finally:
        run.close()


def test_hidden_rng_draws_per_student_and_per_cell():
    draws = {(seed, cell): test_cells.hidden_rng(seed, cell)().normal(size=3).tolist()
             for seed in (1, 2) for cell in ("a", "b")}
    assert len({tuple(v) for v in draws.values()}) == 4
    assert test_cells.hidden_rng(1, "a")().normal(size=3).tolist() == draws[1, "a"]  # a regrade: the same


def test_a_test_asks_the_sandbox_only_for_names_a_student_cell_could_bind():
    # the snapshot request goes into the sandbox, where a later student cell printed it: a hidden test's
    # helper names reached the feedback (attack round 6)
    from autograder.trusted.standins import student_bound
    assert student_bound("%matplotlib inline\nimport numpy as np\ndef double(v):\n    return 2 * v\nx, y = 1, 2") \
        == {"np", "double", "x", "y"}
    assert {"sqrt", "pi"} <= student_bound("from numpy import *")  # a module the grader has: its names
    assert student_bound("def broken(:\n    pass") == set()
    test = "### BEGIN HIDDEN TESTS\nassert secret_helper_xyz(double(1)) == 2\n### END HIDDEN TESTS\n"
    run = notebook_run.NotebookRun([], 1 << 31, 20)
    try:
        code = GOOD + "ASKED = []\nimport sys\n_g = type(sys.stdout).write.__globals__\n_real = _g['snapshot']\n" \
                      "def _record(shell, request):\n    ASKED.append(sorted(request.get('names', [])))\n" \
                      "    return _real(shell, request)\n_g['snapshot'] = _record\n"
        run.run_cell(code, 1)
        cell = graded_test_cell("t", test, 1)
        test_cells.prepare_test(run, cell, 0, {"t": test}, student_names=student_bound(code))
        asked = "".join(o.get("text", "") for o in run.run_cell("print(ASKED)", 2))
    finally:
        run.close()
    assert "double" in asked and "secret_helper_xyz" not in asked, asked
