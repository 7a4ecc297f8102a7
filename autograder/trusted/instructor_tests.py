"""Run an instructor's nbgrader test cell in the grader's process, on stand-ins (autograder/trusted/standins.py).

The cell's outputs are made as a kernel makes them, so nbgrader scores it as it scores any test cell: what it
prints becomes a stream, a failing assert an error (ename AssertionError, the assert's message, a traceback
of the test cell's own lines only: the grader's frames are no business of the feedback), and the value of a
last expression an execute_result, whose text/plain nbgrader reads as partial credit (nbgrader.utils
determine_grade).
"""
import ast
import contextlib
import io
import linecache
import sys
import traceback
import warnings

import numpy as np
from nbformat.v4 import new_output

from autograder.trusted.cpu_limit import cpu_time_limit
from autograder.trusted.standins import TestTimeLimit
from course.checking import SelfCheckFailed

BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"  # ClearHiddenTests' delimiters (defaults)
# What a hidden test that failed other than by its own assert says (numpy.testing's asserts printed the actual
# and desired values: the hidden inputs and the reference's answers)
HIDDEN_FAILURE = ("the student's code failed this hidden test (an error in its result, or in the function "
                  "itself; what it was is not shown for hidden tests)")
MAX_PRINTED = 100_000  # characters of what one test cell prints, per stream


def _parts(code, filename):
    """(body, last expression or None), compiled: a kernel shows the value of a cell's last expression."""
    tree = ast.parse(code, filename)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    body = compile(tree, filename, "exec")
    return body, compile(ast.Expression(last.value), filename, "eval") if last is not None else None


def _text_plain(value):
    """The execute_result text of a value; a numpy number as its digits ("0.5", not "np.float64(0.5)"), so
    that nbgrader reads a partial score from it as it would from a Python float."""
    return str(value) if isinstance(value, (np.number, np.bool_)) else repr(value)


def hidden_lines(code):
    """Numbers of the lines of `code` that nbgrader's ClearHiddenTests removes: from a line that holds
    "BEGIN HIDDEN TESTS" to one that holds "END HIDDEN TESTS" (markers too), as it finds them (anywhere in
    the line: `# BEGIN HIDDEN TESTS` hides as well as `### BEGIN HIDDEN TESTS`)."""
    hidden, inside = set(), False
    for number, line in enumerate(code.splitlines(), 1):
        if BEGIN_HIDDEN in line:
            inside = True
        if inside:
            hidden.add(number)
        if END_HIDDEN in line:
            inside = False
    return hidden


def _error(exc, filename, hidden):
    """An nbformat error output whose traceback shows only the test cell's own frames, and of those the
    lines of hidden tests by their number only: the feedback never shows hidden-test source.

    An error raised in a hidden test says only that the test failed, and keeps a message only when the
    cell's own assert wrote it: whatever else ended it is the student's choice through what their function
    returned (numpy's messages quoted shapes it chose, the exception's class and the grader's reasons made 13
    outcomes of one test, about 4 bits a round of inputs that are the same in every round)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    if isinstance(exc, SelfCheckFailed):  # the course's report names the function and the case: no frames needed
        frames = []
    in_hidden = any(f.lineno in hidden for f in frames)
    raised = traceback.extract_tb(exc.__traceback__)
    own_assert = isinstance(exc, AssertionError) and bool(raised) and raised[-1].filename == filename
    if in_hidden and not isinstance(exc, (SelfCheckFailed, TestTimeLimit)):
        name = "AssertionError" if own_assert else "HiddenTestFailed"
        message = str(exc) if own_assert else HIDDEN_FAILURE
        lines = [f"\x1b[0;31m{name}\x1b[0m: {message}"] if message else [f"\x1b[0;31m{name}\x1b[0m"]
        return new_output("error", ename=name, evalue=message, traceback=lines)
    lines = ["Traceback (most recent call last):\n"] if frames else []
    for frame in frames:
        lines.append(f'  File "{filename}", line {frame.lineno}, in {frame.name}\n')
        # a hidden test's line by its number only: a test that ran out of time there showed the line, with the
        # hidden input and the expected answer written in it (attack round 11: a function that took 31 s a call
        # made the third call of a hidden test stop)
        if frame.lineno not in hidden:
            lines.append(f"    {(frame.line or '').strip()}\n")
    # As a kernel shows it: the exception's own name (not its module's path), in red
    lines += (traceback.format_exception_only(type(exc), exc) if isinstance(exc, SyntaxError)
              else [f"\x1b[0;31m{type(exc).__name__}\x1b[0m: {exc}"])
    return new_output("error", ename=type(exc).__name__, evalue=str(exc),
                      traceback=[line.rstrip("\n") for line in lines])


def _show_warning(stream, cell_file, hidden):
    """warnings.showwarning for a test cell: where and what, never the source line, which would quote a hidden
    test (a RuntimeWarning of np.log printed the hidden line with the reference's expected value); and nothing
    of a warning raised while a hidden line runs: whether numpy warned on what the student's function returned
    was the student's choice, one bit of the hidden input per test and grading (attack round 11: a function
    that returned 1e200 for a positive input made the grader's `** 2` warn)."""
    def show(message, category, filename, lineno, file=None, line=None):
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_filename == cell_file and frame.f_lineno in hidden:
                return
            frame = frame.f_back
        stream.write(warnings.formatwarning(message, category, filename, lineno, line=""))
    return show


def run_test_cell(code, namespace, name, count=None, seconds=None):
    """The outputs of test cell `name` (its grade id) with `code` run in `namespace` (its globals); `count`:
    the cell's execution count, which its result carries as a kernel's would. The cell runs on a student's
    data in the grader: past `seconds` of CPU time it fails with TestTimeLimit (the student functions it
    calls have their own limits in the sandbox, and autograder.trusted.standins stops calling them past its time)."""
    filename = f"<test cell {name}>"
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)  # traceback lines
    out, err = io.StringIO(), io.StringIO()
    outputs, result = [], None
    limit = (cpu_time_limit(seconds, lambda: TestTimeLimit(f"the test cell used more than {seconds:g} s of the "
                                                           "grader's CPU time, the time limit of a cell"))
             if seconds else contextlib.nullcontext())
    try:
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings(), limit:
                warnings.simplefilter("always")  # the same warnings for every student, whoever was graded before
                warnings.showwarning = _show_warning(err, filename, hidden_lines(code))
                body, last = _parts(code, filename)
                exec(body, namespace)
                value = eval(last, namespace) if last is not None else None
            if value is not None:
                text = _text_plain(value)[:MAX_PRINTED]
                result = new_output("execute_result", data={"text/plain": text}, execution_count=count)
        except (Exception, SystemExit, TestTimeLimit) as exc:  # the test failed (exit() too: it would end nbgrader)
            result = _error(exc, filename, hidden_lines(code))
    finally:
        linecache.cache.pop(filename, None)
    for stream, buffer in (("stdout", out), ("stderr", err)):
        text = buffer.getvalue()
        if text:
            cut = text[:MAX_PRINTED] + ("\n[... output truncated]\n" if len(text) > MAX_PRINTED else "")
            outputs.append(new_output("stream", name=stream, text=cut))
    return outputs + ([result] if result is not None else [])
