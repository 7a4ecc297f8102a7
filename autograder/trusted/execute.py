"""Trusted grading: nbgrader preprocessors whose test verdicts the graded code cannot reach.

nbgrader's Execute runs the student's code and the tests in one kernel and reads the verdict from the
test cell's output, so a submission can forge it. TrustedExecute replaces Execute in
`c.Autograde.autograde_preprocessors`:

  1. the notebook's code cells, except the graded test cells, run in order in one isolated process
     (autograder/sandbox/box.py: bubblewrap, no network, grading code and gradebook hidden, limits), which
     records each cell's outputs for the autograded notebook and the feedback;
  2. after the last cell, this process, which never runs student code, sends the cases (autograder/key/cases.py)
     of each graded test cell (grade_id "test_<function>") to the student's function in the sandbox (every
     function's visible cases before any hidden one), compares what comes back (plain arrays only) with
     course.checking.check_case, and writes the cell's output itself: a pass line, or a SelfCheckFailed
     error holding the diagnosis. nbgrader's SaveAutoGrades then scores the cell as usual (an error output
     is 0 points);
  3. any other graded test cell, an instructor's own (asserts, partial credit), runs in this process between
     the visible and the hidden checks, on stand-ins of the names it reads from the student's notebook
     (autograder/trusted/standins.py: plain values as they were at the cell, functions called in the sandbox), and its
     outputs are made as a kernel would make them (autograder/trusted/instructor_tests.py); nbgrader scores them.

While a function is graded, the student functions it calls (course.signatures.DEPENDENCIES) are answered
by the reference in this process (an "oracle"), so one mistake costs only its own test; the reference
never enters the sandbox. The reference is loaded from bytes whose digest is verified first, so nothing a
submission did to the file (or to its cached bytecode) changes anyone's grade.
"""
import functools
import os
import re
import time
import zlib
from pathlib import Path

import nbformat
import numpy as np
from nbformat.v4 import new_output
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor
from sqlalchemy.exc import SQLAlchemyError
from traitlets import Bool, Integer, List, Unicode

from autograder.core import budget
from autograder.core.errors import TrustedGradingError, UnsafeSubmission
from autograder.core.safe_html import clean_html
from autograder.core.submitted import unsafe_entry
from autograder.gradebook.layout import assignment_cells
from autograder.key.verified import verified_reference
from autograder.sandbox.box import (
    MAX_ORACLE_REQUESTS,
    MAX_REPLY,
    MEMORY,
    OUT_OF_MEMORY,
    SENT_TOO_MUCH,
    TOO_MANY_ORACLE_REQUESTS,
    Sandbox,
    SandboxError,
    WorkerGone,
    claim_ahead,
)
from autograder.trusted import course_checks, draws
from autograder.trusted.course_checks import CaseSetVerdict
from autograder.trusted.instructor_tests import run_test_cell
from autograder.trusted.secret import course_secret, draw_name, hidden_seed, notebook_code
from autograder.trusted.standins import (
    StudentFunction,
    TestTimeLimit,
    names_bound,
    names_read,
    namespace_for_test,
    student_bound,
)
from course.checking import CallFailed, run_checks
from course.signatures import DEPENDENCIES, SIGNATURES, function_of

MAX_ORACLE_ARGS = 8 << 20  # bytes of one oracle request's arguments
OUTPUT_TYPES = {"stream", "display_data", "execute_result", "error"}
WIDGET = "application/vnd.jupyter.widget-view+json"  # a widget's output, which only its kernel can show
# What of an output's data the autograded notebook keeps: formgrader (the instructor's page) and the feedback
# show these; HTML sanitized. Not kept: javascript, SVG (it may hold scripts), markdown, other viewers' types.
SHOWN = {"text/plain", "text/html", "text/latex", "image/png", "image/jpeg", "image/gif", "application/json"}
ESCAPE = re.compile("\x1b\\[(.*?)([@-~])")  # a terminal escape (colours), as nbconvert's ansi filters find them
MAX_ESCAPES = 1000  # per text: a long coloured traceback has a few hundred
DEFINED = re.compile(r"^def\s+(\w+)\s*\(", re.MULTILINE)  # a function the cell defines at its top level
IPYTHON_FILE = re.compile(r"\(<ipython-input-[\w-]+>, ")  # a SyntaxError says "(<ipython-input-3-e7f>, line 12)"


# --- the reference, by a verified path ---------------------------------------------------------------


# --- one notebook in one sandbox -----------------------------------------------------------------------

class NotebookRun:
    """The student's notebook running in a sandbox. If the sandbox dies (a crash, a timeout, os._exit),
    the next request starts a fresh one and replays what had run, so one failure costs one test."""

    def __init__(self, hide, memory_bytes, timeout):
        self.hide, self.memory_bytes, self.timeout = hide, memory_bytes, timeout
        self.sandbox = None
        self.replay = []  # requests that ran without ending the process: cells and kept functions
        self.broken_cells = {}  # function name -> how the cell that defines it stopped
        self.stopped = None  # how the sandbox stopped during the last cell run: "timeout", "memory", "died"
        self.output_room = budget.NOTEBOOK_OUTPUT_CHARS  # what the notebook's outputs may still take
        self.bytes_left = budget.SANDBOX_BYTES  # what its sandboxes may still send, all of them together

    def _ensure(self):
        if self.sandbox is not None and self.sandbox.alive:
            return self.sandbox
        if self.sandbox is not None:
            self.sandbox.close()
        if self.bytes_left <= 0:  # a new sandbox would replay what used the budget up
            raise WorkerGone(SENT_TOO_MUCH)
        self.sandbox = claim_ahead(self.hide, self.memory_bytes) or Sandbox(self.hide, self.memory_bytes).start()
        self.sandbox.room = self.bytes_left
        try:
            for request in self.replay:
                self.sandbox.request(request, self.timeout)
        finally:
            self.bytes_left = self.sandbox.room
        return self.sandbox

    def _request(self, request, limit=MAX_REPLY, on_oracle=None):
        """The sandbox's reply to `request` (a sandbox is started, and what had run replayed, if need be)."""
        box = self._ensure()
        try:
            return box.request(request, self.timeout, on_oracle=on_oracle, limit=limit)
        finally:
            self.bytes_left = box.room

    def run_cell(self, code, count=None):
        """The cell's outputs as nbformat outputs; `count`: the cell's execution count (its tracebacks say it)."""
        request = {"op": "run", "code": code, "count": count, "room": max(self.output_room, 0)}
        self.stopped = None
        try:
            reply = self._request(request)
        except WorkerGone as gone:  # not replayed: what the cell defined is gone with its sandbox
            outputs = [self._stopped(gone)]
            self.stopped = {"timeout": "timeout", OUT_OF_MEMORY: "memory", SENT_TOO_MUCH: "output"}.get(gone.reason,
                                                                                                      "died")
        else:
            self.replay.append(request)
            outputs = _outputs(reply, self.output_room)
            self.output_room -= sum(len(str(output)) for output in outputs)
        self._note_errors(code, count, outputs)
        return outputs

    def _stopped(self, gone):
        """The error output of a cell whose sandbox `gone` ended."""
        if gone.reason == "timeout":
            return _error("CellTimeoutError", f"this cell did not finish within {self.timeout} s")
        if gone.reason == OUT_OF_MEMORY:
            return _error("MemoryError", f"this cell's processes together used more than the "
                                         f"{self.memory_bytes >> 20} MB memory limit and were stopped")
        if gone.reason == SENT_TOO_MUCH:
            return _error("OutputLimitError", f"the notebook's process {_why(gone)}, so the grader read no more")
        return _error("DeadKernelError", f"the notebook's process ended while running this cell ({_why(gone)})")

    def _note_errors(self, code, count, outputs):
        """Remember, for each function the cell defines, the error it stopped with: a function missing at its
        test is then explained by its own cell ("stopped with SyntaxError ..."), which the student can fix."""
        error = next((o for o in outputs if o.output_type == "error"), None)
        for name in DEFINED.findall(code) if error is not None else ():
            evalue = IPYTHON_FILE.sub("(", error.evalue.splitlines()[0][:300] if error.evalue else "")
            where = f", In [{count}]," if count is not None else ""
            self.broken_cells[name] = f"its cell{where} stopped with {error.ename}" + (f": {evalue}" if evalue else "")

    def keep(self, name):
        """Make the sandbox remember `name` as it is now (at its test cell), to be graded at the end."""
        request = {"op": "keep", "name": name}
        try:
            self._request(request)
            self.replay.append(request)
        except WorkerGone:  # the call will find out and say so
            pass

    def call(self, name, args, oracle, hidden=False):
        """(output, args after the call) of the student's function, or CallFailed saying what went wrong."""
        request = {"op": "call", "name": name, "args": tuple(args), "oracles": DEPENDENCIES.get(name, [])}
        try:
            reply = self._request(request, budget.CALL_MESSAGE_BYTES, on_oracle=oracle)
        except WorkerGone as gone:
            if gone.reason == "timeout":
                raise CallFailed("", "", lines=[f"{name} did not return within {self.timeout} s on this case "
                                                "(the time limit of each call)."]) from None
            if gone.reason == OUT_OF_MEMORY:
                raise CallFailed("", "", lines=[f"{name} used more than the {self.memory_bytes >> 20} MB memory "
                                                "limit on this case and was stopped."]) from None
            if gone.reason == SENT_TOO_MUCH:
                raise CallFailed("", "", lines=[f"{name}'s process {_why(gone)}: its output, or the arguments "
                                                "of a function it calls, is far larger than this case needs."]) \
                    from None
            raise CallFailed("", "", lines=[f"the notebook's process ended while {name} ran ({_why(gone)})."]) \
                from None
        if reply.get("op") == "return" and type(reply.get("args")) in (list, tuple) \
                and len(reply["args"]) == len(args):
            return reply.get("output"), tuple(reply["args"])
        if reply.get("op") == "raise":
            return _raise(reply, hidden)
        if reply.get("op") == "unreadable":
            why = UNREADABLE.get(reply.get("why"), UNREADABLE["other"])
            what, do = (("left its arguments holding", "leave them") if reply.get("part") == "args"
                        else ("returned", "return"))
            raise CallFailed("", "", lines=[f"{name} {what} something the grader cannot read ({why}): {do} numpy "
                                            "arrays, numbers, tuples, lists and dicts."])
        if reply.get("op") == "undefined":
            cause = self.broken_cells.get(name, f"is its cell run, and is the function still called {name}?")
            raise CallFailed("", "", lines=[f"{name} is not defined where its test cell stands: {cause}"
                                            + ("" if cause.endswith(("?", ".")) else ".")])
        raise CallFailed("", "", lines=[f"the notebook's process sent a malformed reply while {name} ran."])

    def snapshot(self, snapshot_id, names):
        """{name: what it holds} for the names an instructor's test cell reads, as they are now (at the test
        cell's place); the sandbox keeps the functions among them for call_snapshot. None when the process
        ended instead, or its reply could not be read (more than the grader reads in one message)."""
        request = {"op": "snapshot", "id": snapshot_id, "names": sorted(names)}
        try:
            reply = self._request(request)
        except WorkerGone:  # every name is then refused, with the reason (standins.namespace_for_test)
            return None
        self.replay.append(request)  # a replacement sandbox keeps the same functions
        found = reply.get("names") if type(reply) is dict and reply.get("op") == "snapshot" else None
        return found if type(found) is dict else None

    def call_snapshot(self, snapshot_id, name, args, kwargs):
        """The worker's reply (a dict) to calling `name` as it was at snapshot `snapshot_id`, with no function
        of the reference standing in; WorkerGone when the call ended the notebook's process."""
        request = {"op": "call", "name": name, "args": tuple(args), "kwargs": dict(kwargs), "oracles": [],
                   "snapshot": snapshot_id}
        return self._request(request, budget.CALL_MESSAGE_BYTES)

    def discard(self):
        """End the sandbox: the next request starts a fresh one and replays what had run (see _ensure)."""
        if self.sandbox is not None:
            self.sandbox.close()

    def close(self):
        self.discard()


# Why the sandbox could not send what a function returned (autograder/sandbox/worker.py _unreadable), in the grader's words
UNREADABLE = {"nested": "it is nested too deeply or holds itself", "too large": "it is too large to send",
              "other": "the grader's encoder failed on it"}

HIDDEN_MESSAGE = "(which one is not shown for hidden checks; the self-check's cases show it if they raise it too)"


def _raise(reply, hidden):
    """CallFailed describing what the student's function raised. The student's code chooses the exception's
    type, its message and (through linecache) the line shown, so for a hidden case none is kept: any of them
    could carry the hidden inputs into the feedback (which of 32 built-in exceptions a function raised carried
    5 bits of an instructor's hidden input per check and round, and those inputs never change)."""
    type_name, message = str(reply.get("type", ""))[:100], str(reply.get("message", ""))
    if not re.fullmatch(r"[A-Za-z_][\w.]*", type_name):  # a class name can be any string, newlines too
        type_name = "an exception of its own class"
    if hidden:
        raise CallFailed("an exception", HIDDEN_MESSAGE)
    short = message.splitlines()[0][:2000] if message.strip() else ""
    line = str(reply.get("line", "")).strip()  # one line: no text of the student's may start a line of the report
    line = line.splitlines()[0][:300] if line else ""
    raise CallFailed(type_name, short + (" ..." if short != message else ""), line)


def _error(ename, evalue):
    return new_output("error", ename=ename, evalue=evalue, traceback=["\x1b[0;31m" + evalue + "\x1b[0m"])


def _outputs(reply, room=budget.NOTEBOOK_OUTPUT_CHARS):
    """nbformat outputs from the worker's (untrusted) description of a cell's outputs:
    known types, strings, bounded by the cell's limit and by `room`, what the notebook's outputs may still take
    (once it is used up, each later cell's output is a note: nbgrader writes every output twice, into the
    autograded notebook and into the feedback page)."""
    items = reply.get("outputs") if type(reply) is dict else None
    if type(items) is not list:
        return [_error("WorkerError", "the notebook's process sent malformed outputs")]
    if room <= 0:
        return [new_output("stream", name="stdout", text=budget.OUTPUT_CUT.format(budget.NOTEBOOK_OUTPUT_CHARS))] \
            if items else []
    out, size = [], 0
    for item in items:
        if type(item) is not dict or item.get("output_type") not in OUTPUT_TYPES:
            continue
        kind = item["output_type"]
        if kind == "stream":
            text = _text(item.get("text", ""))
            output = new_output("stream", name="stderr" if item.get("name") == "stderr" else "stdout", text=text)
        elif kind == "error":
            tb = item.get("traceback")
            output = new_output("error", ename=_text(item.get("ename", "")), evalue=_text(item.get("evalue", "")),
                                traceback=[_text(t) for t in tb] if type(tb) is list else [])
        else:
            data = item.get("data")
            if type(data) is not dict:
                continue
            widget = WIDGET in data
            data = {str(k): (_text(v) if type(v) is str else _json(v)) for k, v in data.items() if k in SHOWN}
            if "text/html" in data:  # formgrader writes it into the instructor's page as it is
                data["text/html"] = clean_html(data["text/html"]) if type(data["text/html"]) is str else ""
            if widget:  # its state stays in the sandbox, so nothing can show it; its repr is a long riddle
                data = {"text/plain": "[an interactive widget: run the notebook in JupyterLab to use it]"}
            output = new_output(kind, data=data, metadata=_image_sizes(item.get("metadata"), data))
            if kind == "execute_result":
                output.execution_count = item.get("execution_count") if type(item.get("execution_count")) is int \
                    else None
        size += len(str(output))
        if size > room:
            if kind == "stream" and len(output.text) > size - room:  # what fits of it, so its start shows
                output.text = output.text[:len(output.text) - (size - room)]
                out.append(output)
            out.append(new_output("stream", name="stdout", text=budget.OUTPUT_CUT.format(
                budget.NOTEBOOK_OUTPUT_CHARS)))
            break
        out.append(output)
    return out


def _image_sizes(metadata, data):
    """What of an output's metadata the autograded notebook keeps: an image's width and height, as numbers.
    nbconvert writes them into formgrader's page unquoted, so a width of `1 onerror=...` ran script as the
    instructor (attack round 7); nothing else in it is needed to show an output."""
    kept = {}
    for mime in data:
        sizes = metadata.get(mime) if type(metadata) is dict else None
        if mime.startswith("image/") and type(sizes) is dict:
            numbers = {k: sizes[k] for k in ("width", "height")
                       if type(sizes.get(k)) in (int, float) and 0 < sizes[k] < 100_000}
            if numbers:
                kept[mime] = numbers
    return kept


def _why(gone):
    """Why the notebook's process is gone, for the student, in words that nothing in the sandbox chose: a
    reason such as "sent a message of N bytes" let a hidden check's report carry 64 bits of the student's
    choice (a hidden input, the reference's answer to it) into the feedback."""
    if gone.reason == TOO_MANY_ORACLE_REQUESTS:
        return f"it asked for more than {MAX_ORACLE_REQUESTS} results of the functions it calls in one call"
    if gone.reason == "ended":
        return "os._exit, a crash, or more memory than the limit"
    if gone.reason == SENT_TOO_MUCH:
        return (f"sent the grader more than it may: {budget.SANDBOX_BYTES >> 20} MB for the whole notebook, "
                f"{budget.CALL_MESSAGE_BYTES >> 20} MB in one message while a function is graded")
    return "it broke the grader's protocol: something wrote to the grader's pipe"


def _text(value):
    """A string the worker sent, without its terminal colours if it has so many that the feedback page
    would take seconds to render them (nbconvert's cost grows with their number times the text's length:
    12 s for 250,000 in one output)."""
    text = str(value)
    return ESCAPE.sub("", text) if text.count("\x1b[") > MAX_ESCAPES else text


def _json(value, depth=0):
    """value if it is JSON-like plain data (what nbformat metadata may hold), else None."""
    if depth > 20:
        return None
    if value is None or type(value) in (str, int, bool):
        return value
    if type(value) is float:
        return value if np.isfinite(value) else None
    if type(value) in (list, tuple):
        return [_json(v, depth + 1) for v in value]
    if type(value) is dict:
        return {str(k): _json(v, depth + 1) for k, v in value.items()}
    return None


# --- grading a test cell -------------------------------------------------------------------------------

def _oracle_for(reference, name, cases):
    """Answers the sandbox's requests for the functions `name` may call, with the reference's outputs.
    Their arguments come from the case being graded, so none may be larger than 4 times the largest of
    `cases`: no array larger, longer along any axis or of more axes (the reference runs in the grader, outside
    the sandbox's limits: an empty array 3,000,000 steps long kept it busy for minutes). Numbers travel in
    arrays only: a list of 150,000 numbers, which numpy turned into an array and broadcast against y, took
    721 MB (see _numbers_outside_arrays)."""
    allowed = set(DEPENDENCIES.get(name, []))
    case_arrays = [a for case in cases for a in _arrays(case["args"])]
    longest = 4 * max((max(a.shape, default=1) for a in case_arrays), default=1)
    largest = 4 * max((a.size for a in case_arrays), default=1)
    most_axes = max((a.ndim for a in case_arrays), default=0)

    def too_large(args):
        arrays = list(_arrays(args))
        return _numbers_outside_arrays(args) or sum(a.nbytes for a in arrays) > MAX_ORACLE_ARGS or \
            any(a.size > largest or max(a.shape, default=1) > longest or a.ndim > most_axes for a in arrays)

    def answer(request):
        dep, args = request.get("name"), request.get("args")
        if dep not in allowed or type(args) is not tuple or len(args) > len(SIGNATURES[dep][0]):
            return ORACLE_FAILED
        if too_large(args):
            return {"type": "MemoryError", "message": f"arguments of {dep} are larger than any case of {name} needs"}
        try:
            with np.errstate(all="ignore"):
                return {"result": getattr(reference, dep)(*args)}
        except Exception:  # wrong arguments from the student's code; the reference's own words stay here
            return ORACLE_FAILED
    return answer


# What the student's code gets when the reference cannot answer its call: the same words whatever went wrong,
# because the reference's error messages describe the reference (its key order, which operations are
# matrix products) and a visible report shows what the student's function raised.
ORACLE_FAILED = {"type": "ValueError", "message": "the course's version of this function, which stands in for "
                                                  "yours while another function is graded, could not run on the "
                                                  "arguments it was given: check their order, shapes and keys "
                                                  "against its signature"}


def _numbers_outside_arrays(args):
    """Whether a list or tuple anywhere in the arguments (a dict's values too) holds no dict, so that numpy
    could make one array of it. No student function takes such an argument: every list or tuple they pass
    holds a parameters dict (a cache, caches). Arguments nested deeper than any of theirs count as such."""
    found = []

    def holds_dict(value, depth):
        if depth > 8:
            found.append(value)
        elif type(value) is dict:
            for v in value.values():
                holds_dict(v, depth + 1)
            return True
        elif type(value) in (list, tuple):
            if not any([holds_dict(v, depth + 1) for v in value]):  # a list: every item is looked at
                found.append(value)
            return True
        return False

    for arg in args:
        holds_dict(arg, 0)
    return bool(found)


def _arrays(value):
    if isinstance(value, np.ndarray):
        yield value
    elif type(value) in (list, tuple):
        for v in value:
            yield from _arrays(v)
    elif type(value) is dict:
        for v in value.values():
            yield from _arrays(v)


@functools.lru_cache(maxsize=64)
def _cases(name, seed):
    """(visible, hidden) cases of case set `name`, the hidden ones drawn from `seed` (one student's), made by
    the verified reference."""
    from autograder.key.cases import hidden_cases
    return _visible_cases(name), hidden_cases(name, seed)


@functools.cache
def _visible_cases(name):
    from autograder.key.cases import visible_cases
    return visible_cases(name)


def _call(run, name, oracle, hidden, args):
    return run.call(name, args, oracle, hidden)


def grade_case_sets(run, reference, tests, seed, between=None):
    """{case set: CaseSetVerdict} of each course test cell's case set, which its check(...) and grade_hidden(...)
    report (autograder/trusted/course_checks.py). tests: (cell, function, case set) of every course test cell; seed:
    the student's hidden cases' seed.

    Every function's visible cases run before any hidden case enters the sandbox. The sandbox keeps its state
    from call to call, and a visible report shows what the student's code raised, in full: a visible check
    that came after another function's hidden cases could carry those inputs, and the reference's answers to
    them, out into the feedback (seven feedback rounds gave full marks for a softmax never written). Within
    each phase, a function is graded after the functions it calls (dependencies_first).

    between(): called after the visible checks and before the hidden ones (the instructor's test cells run
    there: their inputs are hidden too, and a visible report after them could show what they sent)."""
    ordered = dependencies_first(tests)
    reports = {}  # case set -> (report of its first failing case, whether it was hidden)
    for kind, hidden in (("check", False), ("hidden check", True)):
        if hidden and between is not None:
            between()
        for _, name, case_set in ordered:
            if case_set in reports:
                continue
            visible_cases, hidden_cases = _cases(case_set, seed)
            oracle = _oracle_for(reference, name, [*visible_cases, *hidden_cases])
            passed, report = run_checks(name, functools.partial(_call, run, name, oracle, hidden),
                                        hidden_cases if hidden else visible_cases, kind, detail=not hidden)
            if not passed:
                reports[case_set] = (report, hidden)
    failed = {name for _, name, case_set in tests if case_set in reports}
    return {case_set: CaseSetVerdict(name, *reports.get(case_set, (None, False)),
                                     tuple(map(len, _cases(case_set, seed))), _stood_in(name, failed))
            for _, name, case_set in tests}


def _stood_in(name, failed):
    """Why a function can pass here while the student's own self-check says it calls a failing function."""
    called = [f for f in DEPENDENCIES.get(name, []) if f in failed]
    if not called:
        return ""
    return (f"(While {name} was graded, the reference answered its calls of {', '.join(called)} in place of "
            f"yours, which failed {'its own test' if len(called) == 1 else 'their own tests'}: each mistake costs "
            "points once, in its own test.)\n")


def dependencies_first(tests):
    """(cell, name, ...) of the test cells, each function after the functions it calls, else in notebook order.
    While a function is graded, those are answered by the reference; their own grading must be over by
    then, or a notebook that moves a test cell down could record the reference's answers and replay them."""
    def depth(name):
        return 1 + max((depth(d) for d in DEPENDENCIES.get(name, [])), default=-1)
    return sorted(tests, key=lambda test: depth(test[1]))


def graded_function(cell):
    """(function, case set) of a test cell of the course's own ("test_<case set>", see
    course.signatures.CASE_SETS, graded on the registered cases), or None for any other cell: an ungraded
    cell, or an instructor's test cell (is_instructor_test), which runs on stand-ins."""
    meta = cell.metadata.get("nbgrader", {})
    if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
        return None
    grade_id = meta.get("grade_id", "")
    case_set = grade_id[len("test_"):] if grade_id.startswith("test_") else None
    from autograder.key.cases import ARG_BUILDERS
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


def _prepare_test(run, cell, snapshot_id, sources, graders_names=(), function=None, student_names=None):
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


def _run_tests(run, prepared, graders_names=None):
    """Run each prepared test cell (its outputs are set), in order, each seeing what the cells before it bound
    (as test cells share one kernel in nbgrader: a helper one defines, another uses); graders_names:
    {name: value} the cells read from the grader (the course's check and grade_hidden), or a function of
    the cell's grade id that gives them."""
    shared = {}
    for cell, namespace, grade_id in prepared:
        names = graders_names(grade_id) if callable(graders_names) else graders_names
        if namespace is None:
            cell.outputs = [_error("NotATestCell", "this graded cell is not a test cell of the assignment as the "
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


def _instructor_phase(run, prepared, seed):
    """Run the instructor's test cells, then end the sandbox they called: the course's hidden checks run in a
    fresh one, which replays the notebook, so no function that saw an instructor's hidden inputs (the same for
    every student and round) answers them (which check failed first, and how, carried 19 bits of those
    inputs per grading). hidden_rng gives a test inputs of this student's draw instead."""
    if prepared:
        _run_tests(run, prepared, lambda grade_id: {"hidden_rng": _hidden_rng(seed, grade_id)})
        run.discard()


def _hidden_rng(seed, grade_id):
    def hidden_rng():
        """A numpy Generator of this student's draw for this test cell: hidden inputs made with it differ per
        student and per changed notebook, so what one grading lets slip about them is of no use later."""
        return np.random.default_rng([seed, zlib.crc32(grade_id.encode())])
    return hidden_rng


def _bound(code):
    try:
        return names_bound(code)
    except SyntaxError:
        return set()


GRADERS_NAMES = ("check", "grade_hidden")  # what a course test cell reads from the grader (course_checks.helpers)
STOPPED_KEY = "autograder"  # cell metadata: {"stopped": "timeout" | "memory" | "died" | "output"}


class TrustedExecute(NbGraderPreprocessor):
    """Runs the notebook in a sandbox and computes every graded test cell's verdict outside it."""

    timeout = Integer(0, help="Seconds each cell and each graded call may take (default: Execute.timeout, "
                              "else 60).").tag(config=True)
    memory_limit_mb = Integer(MEMORY >> 20, help="Memory limit of the sandbox, in MiB: of each of its processes' "
                                                 "address space, and of all of them together where cgroups allow "
                                                 "(see autograder/sandbox/cgroups.py).").tag(config=True)
    hidden_paths = List(Unicode(), help=(
        "More directories the student's code must not see (copies of the course, other classes' submissions); "
        "the course and nbgrader directories, the gradebook's directory and the grader's home always are.")
    ).tag(config=True)
    redraw = Bool(False, help="Grade afresh a notebook whose same code was graded before by the same grading "
                               "code, instead of replaying that grading's verdicts (after a stop that the "
                               "machine's load caused, say). Its hidden cases are then drawn afresh: no sandbox is "
                               "handed a draw another sandbox had (autograder/trusted/draws.py).").tag(config=True)
    reference_sha256 = Unicode("", help="sha256 that autograder/key/reference.py must have; empty: the committed "
                                        "version (git HEAD).").tag(config=True)

    def _hidden_dirs(self, resources):
        """The nbgrader course directory (gradebook, submitted/, autograded/, source/, feedback/) and the
        directory of a SQLite gradebook, wherever they are."""
        root = self.config.CourseDirectory.get("root") or os.getcwd()  # nbgrader runs in the course directory
        dirs = [Path(root).resolve(), Path(resources.get("metadata", {}).get("path") or root).resolve(),
                *(Path(p) for p in self.hidden_paths)]
        db_url = str(self.config.CourseDirectory.get("db_url") or "")
        if db_url.startswith("sqlite:///"):
            dirs.append(Path(db_url[len("sqlite:///"):]).resolve().parent)
        return dirs

    def _gradebook(self, resources):
        """(db_url, course_id) of the gradebook, where the course secret, the draws and the test cells are."""
        db_url = resources.get("nbgrader", {}).get("db_url") or self.config.CourseDirectory.get("db_url")
        return db_url, self.config.CourseDirectory.get("course_id") or "default_course"

    def _draw(self, nb, resources, timeout, redraw=False):
        """(draw name, seed of its hidden cases, verdicts kept from its finished grading or None): see
        autograder/trusted/draws.py. The course secret and the draws are kept in the gradebook."""
        ids = resources.get("nbgrader", {})
        db_url, course_id = self._gradebook(resources)
        if not db_url:
            raise TrustedGradingError("trusted grading needs the gradebook (CourseDirectory.db_url), where the "
                                      "course secret that draws each student's hidden cases is kept")
        who = (str(ids.get("assignment", "")), str(ids.get("student", "")), notebook_code(nb))
        grading = draws.grading(timeout, self.memory_limit_mb)
        try:
            secret = course_secret(db_url, course_id)
            name = draw_name(secret, *who, grading)
            started, kept = draws.start(db_url, course_id, name, self.redraw or redraw)
        except SQLAlchemyError as exc:  # the grader's trouble, not the student's: stop, score no one
            raise TrustedGradingError(f"could not read or store the course secret or the draw in the gradebook "
                                      f"({type(exc).__name__}: {str(exc).splitlines()[0][:300]})") from None
        return name, hidden_seed(secret, *who, grading, started), kept

    def _draw_or_replay(self, nb, resources, timeout):
        """(draw name, seed, whether the kept verdicts were written into `nb`). Verdicts that do not fit the
        notebook were kept for other code: it is graded on a draw of its own, never on theirs."""
        draw, seed, kept = self._draw(nb, resources, timeout)
        if kept is not None and not self._replay(nb, kept):
            draw, seed, kept = self._draw(nb, resources, timeout, redraw=True)
        return draw, seed, kept is not None

    def _keep(self, nb, resources, name):
        """Keep what this grading wrote into the code cells, for a later grading of the same draw to replay."""
        db_url, course_id = self._gradebook(resources)
        verdicts = [{"count": cell.get("execution_count"), "outputs": cell.outputs,
                     "stopped": cell.metadata.get(STOPPED_KEY)} for cell in nb.cells if cell.cell_type == "code"]
        try:
            draws.finish(db_url, course_id, name, verdicts)
        except SQLAlchemyError as exc:  # not kept: the next grading draws afresh, so nothing is lost
            self.log.warning("could not keep the verdicts of %s in the gradebook (%s)",
                             resources.get("unique_key", "notebook"), type(exc).__name__)

    @staticmethod
    def _replay(nb, verdicts):
        """Write the kept `verdicts` into the code cells; False (nothing written) when they do not fit."""
        cells = [cell for cell in nb.cells if cell.cell_type == "code"]
        if len(cells) != len(verdicts):
            return False
        for cell, kept in zip(cells, verdicts):
            cell.execution_count = kept["count"]
            cell.outputs = [nbformat.from_dict(o) for o in kept["outputs"]]
            cell.metadata.pop(STOPPED_KEY, None)
            if kept["stopped"]:
                cell.metadata[STOPPED_KEY] = kept["stopped"]
        return True

    def _test_sources(self, resources):
        """{grade id: source} of the notebook's cells in the gradebook (hidden tests included): the only code
        this process runs. A graded cell that is not one of them (a notebook the gradebook does not know, in
        which nothing restored the cells) is never run."""
        ids = resources.get("nbgrader", {})
        db_url, _ = self._gradebook(resources)
        try:
            with Gradebook(db_url) as gradebook:
                cells = assignment_cells(gradebook, str(ids.get("notebook", "")), str(ids.get("assignment", "")))
        except SQLAlchemyError as exc:
            raise TrustedGradingError(f"could not read the test cells from the gradebook "
                                      f"({type(exc).__name__}: {str(exc).splitlines()[0][:300]})") from None
        return {name: cell["source"] for name, cell in cells.items() if cell["meta"]["grade"]}

    def _check_submission(self, resources):
        """Plain `nbgrader autograde` copies a submission following its links before this step runs (a link
        to the source notebook was graded 8/8); refusing here makes nbgrader drop what it copied.
        autograder.batch.grade refuses such a submission before nbgrader sees it."""
        ids = resources.get("nbgrader", {})
        root = self.config.CourseDirectory.get("root") or os.getcwd()
        folder = (Path(root) / (self.config.CourseDirectory.get("submitted_directory") or "submitted")
                  / str(ids.get("student", "")) / str(ids.get("assignment", "")))
        unsafe = unsafe_entry(folder) if ids.get("student") and folder.is_dir() else None
        if unsafe:
            raise UnsafeSubmission(f"{folder}: {unsafe}; not graded")

    def preprocess(self, nb, resources):
        self._check_submission(resources)
        reference = verified_reference(self.reference_sha256)
        timeout = self.timeout or self.config.Execute.get("timeout") or 60
        draw, seed, replayed = self._draw_or_replay(nb, resources, timeout)
        if replayed:
            self.log.info("%s: the same code was graded to the end before, by the same grading code: its verdicts "
                          "are replayed (no sandbox is handed the same hidden cases twice)",
                          resources.get("unique_key", "notebook"))
            return nb, resources
        started = time.monotonic()
        run = NotebookRun(self._hidden_dirs(resources), self.memory_limit_mb << 20, timeout)
        try:
            # Every cell runs first; graded functions are kept as they are at their test cells and called
            # only after the last cell, so no student code runs after hidden inputs entered the sandbox
            # (a later cell could otherwise print them into the feedback).
            tests, course_tests, instructor_tests, snapshots = [], [], [], 0
            sources = self._test_sources(resources) if any(map(is_test_cell, nb.cells)) else {}
            count, bound_by_tests, student_names = 0, set(), set()
            for cell in nb.cells:
                # The grader's record of how it stopped a cell (autograder.batch.student names the stops from
                # it): set here only, whatever the submission holds, never read from the cell's outputs,
                # which the student's code can make look like any stop (an exception class of any name).
                cell.metadata.pop(STOPPED_KEY, None)
                if cell.cell_type != "code":
                    continue
                count += 1
                cell.execution_count = count
                if not is_test_cell(cell):
                    student_names |= student_bound(cell.source)
                    cell.outputs = run.run_cell(cell.source, count)
                    if run.stopped:
                        cell.metadata[STOPPED_KEY] = {"stopped": run.stopped}
                    continue
                graded = graded_function(cell)
                if graded is None:  # what an earlier test cell bound is the test's, not the student's
                    instructor_tests.append(_prepare_test(run, cell, snapshots, sources,
                                                          bound_by_tests | {"hidden_rng"},
                                                          student_names=student_names))
                    bound_by_tests |= _bound(cell.source)
                else:
                    run.keep(graded[0])
                    tests.append((cell, *graded))
                    course_tests.append(_prepare_test(run, cell, snapshots, sources, GRADERS_NAMES, graded[0],
                                                      student_names))
                snapshots += 1
            verdicts = grade_case_sets(run, reference, tests, seed,
                                       between=lambda: _instructor_phase(run, instructor_tests, seed))
            _run_tests(run, course_tests, course_checks.helpers(verdicts))
        except SandboxError as exc:
            raise TrustedGradingError(str(exc)) from None
        finally:
            run.close()
        self._keep(nb, resources, draw)
        self.log.info("Trusted grading of %s took %.1f s", resources.get("unique_key", "notebook"),
                      time.monotonic() - started)
        return nb, resources
