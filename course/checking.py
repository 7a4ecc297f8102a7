"""Run a function on check cases and write a report a student can act on.

A case is a dict: args (tuple), expected (the right output), mistakes ({hint: output of a known mistake}),
label (what the case is, e.g. its shapes). `call(args)` runs the function under test and returns
(output, args as they were after the call); it is a local call for self-checks and a call into an isolated
process for grading, so both give the same verdicts and messages.
"""
import copy
import re
import sys
import traceback
from pathlib import Path

import numpy as np

from course.diagnose import FLOAT32_HINT, MAX_PROBLEMS, compare, float32_precision, matching_hints, split_names
from course.signatures import SIGNATURES

_HERE = Path(__file__).parent
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class SelfCheckFailed(Exception):
    """A check failed; shown without a traceback, because the message says everything."""

    def _render_traceback_(self):  # IPython prints this instead of a traceback
        return ["\x1b[0;31m" + "\n".join(self.args) + "\x1b[0m"]


class CallFailed(Exception):
    """A call that failed in another process (the grading sandbox): what the student's function raised there,
    by type name, message and line, or `lines` that replace the whole description (e.g. a timeout)."""

    def __init__(self, type_name, message, line="", lines=None):
        super().__init__(message)
        self.type_name, self.message, self.line, self.lines = type_name, message, line, lines


def local_call(fn):
    """A `call` that runs fn in this process on deep copies, so a case's arguments stay pristine."""
    def call(args):
        args_copy = copy.deepcopy(args)
        return fn(*args_copy), args_copy
    return call


def _shapes(value, label):
    """'label (3, 4)' for every array inside value, so a shape error can be traced by hand."""
    if isinstance(value, np.ndarray):
        return [f"{label} {value.shape}"]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _shapes(v, k)]
    if isinstance(value, (tuple, list)) and len(value) > 2 and all(
            isinstance(v, (tuple, list)) and len(v) == len(value[0]) for v in value):
        # a list of caches, one per time step: the first one stands for all (27 shapes were listed for 3 steps)
        return [f"{label}: {len(value)} items like {label}[0]"] + _shapes(value[0], f"{label}[0]")
    if isinstance(value, (tuple, list)) and len(value) <= 8:
        return [s for i, v in enumerate(value) for s in _shapes(v, f"{label}[{i}]")]
    return []


def student_location(exc, skip=()):
    """Where in the student's code exc arose: "`line` in f", plus ", called from `line` in g" when it
    surfaced inside another of their functions (so they look in the right one). Library frames, the
    checking code and files in `skip` are not the student's."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if "site-packages" not in f.filename and not f.filename.startswith(sys.base_prefix)
              and not f.filename.startswith(str(_HERE)) and f.filename not in skip]
    if not frames or not frames[-1].line:
        return ""
    where = f"`{frames[-1].line}`" + (f" in {frames[-1].name}" if frames[-1].name != "<module>" else "")
    if len(frames) > 1 and frames[-2].line and frames[-2].name not in (frames[-1].name, "<module>"):
        where += f", called from `{frames[-2].line}` in {frames[-2].name}"
    return where


def describe_exception(name, exc, args=()):
    """What the function raised, the line of the student's code it came from, and the arguments' shapes."""
    if isinstance(exc, CallFailed):
        if exc.lines:
            return list(exc.lines)
        type_name, message, line = exc.type_name, exc.message, exc.line
        not_implemented, value_error = type_name == "NotImplementedError", type_name == "ValueError"
    else:
        type_name, message, line = type(exc).__name__, str(exc), student_location(exc)
        not_implemented, value_error = isinstance(exc, NotImplementedError), isinstance(exc, ValueError)
    if not_implemented:
        return [f"{name} is not implemented yet: replace `raise NotImplementedError()` with your code."]
    where = f" at {line}" if line else ""
    lines = [f"{name} raised {type_name}: {message}{where}"]
    if value_error and args:
        shapes = [s for arg_name, a in zip(SIGNATURES[name][0], args) for s in _shapes(a, arg_name)]
        lines.append("The arguments' shapes were: " + ", ".join(shapes))
    return lines


SHAPE = re.compile(r"\(\d*(?:,\s*\d+)*,?\)")  # (2,4) or (5, 4) in numpy's messages


def _error_key(type_name, message):
    """What identifies an error for raising_hint: its type and its message with the shapes it names in any order,
    since `Wax @ xt + Waa * a_prev` reports the broadcast shapes the other way round from `Waa * a_prev + ...`."""
    shapes = sorted(re.sub(r"\s", "", s) for s in SHAPE.findall(message))
    return type_name, SHAPE.sub("()", message), shapes


def raising_hint(exc, raising):
    """The hint of the known mistake that raises exactly what `exc` is (same type, same message up to the order
    of the shapes it names), or None. `raising`: {hint: [type name, message]} (autograder.key.cases.make_case)."""
    if isinstance(exc, CallFailed):
        if exc.lines:
            return None
        type_name, message = exc.type_name, exc.message
    else:
        type_name, message = type(exc).__name__, str(exc)
    key = _error_key(type_name, message)
    return next((hint for hint, (t, m) in raising.items() if _error_key(t, m) == key), None)


def _printable(line, limit=500):
    """One report line as plain text of bounded length: text from the student's code (an exception message,
    a class name) may hold control characters, whose colours a feedback page renders slowly."""
    line = CONTROL.sub(lambda c: " " if c.group() in "\t\n\r" else "?", line)
    return line if len(line) <= limit else line[:limit] + " ..."


def returned_nothing(name):
    """What to say when `name` returned None: most often its `return` line is missing."""
    label, parts, _ = split_names(SIGNATURES[name][1])
    if not (parts or label.isidentifier()):  # "softmax(z)"
        return f"{name} returned None: does it end with a `return` of its result?"
    result = ", ".join(split_names(p)[0] for p in parts or [label])
    return f"{name} returned None: does it end with `return {result}`?"


def check_case(name, call, case, detail=True):
    """Problems (a list of lines, empty if the case passes) of one case; see course.diagnose for `detail`.

    A hidden check (detail=False) reports one line, the first in the grader's order (a known mistake's hint,
    else what differs first): a list of every problem would let the student's output choose which lines
    appear, a few bits of the hidden input per line and feedback round."""
    problems = [_printable(p) for p in _problems(name, call, case, detail)]
    return problems if detail else problems[:1]


def _problems(name, call, case, detail):
    arg_names, out_names = SIGNATURES[name]
    try:
        got, args_after = call(case["args"])
    except Exception as exc:  # the student's code may raise anything; the report says what
        described = describe_exception(name, exc, case["args"])
        hint = raising_hint(exc, case.get("raising", {}))
        return ([f"Hint: {hint}"] if hint else []) + described
    if got is None and case["expected"] is not None:
        return [returned_nothing(name)]
    problems = _first_problems(compare(got, case["expected"], out_names, detail))
    if problems:
        hints = matching_hints(got, case["expected"], case.get("mistakes", {}), out_names) or (
            [FLOAT32_HINT] if float32_precision(got, case["expected"]) else [])
        problems[:0] = [f"Hint: {hint}" for hint in hints]
    for arg_name, before, after in zip(arg_names, case["args"], args_after):
        if compare(after, before, arg_name) or _added_keys(after, before):
            problems.append(f"{name} modified its argument `{arg_name}`; work on new arrays instead "
                            f"(for example `x = x + 1`, not `x += 1`).")
    return problems


STRUCTURE = ("has shape", "has dtype", "is missing", "expected a tuple", "expected a dict", "expected a numpy",
             "expected a real", "expected a float", "is an array", "item, expected", "items, expected")


def _is_about_values(problem):
    """Whether a problem is about values (wrong numbers) rather than structure (shape, type, keys, dtype)."""
    return not any(words in problem for words in STRUCTURE)


def _first_problems(problems):
    """The problems a report lists: structure before values (a wrong shape is the first thing to fix, and it
    was cut off behind three lines of wrong values), at most MAX_PROBLEMS, and how many more were left out."""
    problems = sorted(problems, key=_is_about_values)  # stable: the output's order within each kind
    if len(problems) <= MAX_PROBLEMS:
        return problems
    more = len(problems) - MAX_PROBLEMS
    return problems[:MAX_PROBLEMS] + [f"and {more} more problem{'s' * (more != 1)} not listed here"]


def _added_keys(after, before):
    """Whether a dict in `after` has a key its counterpart in `before` lacks (compare() looks only for the
    expected keys: extra ones in an output are harmless, but an argument grew)."""
    if isinstance(before, dict):
        return type(after) is not dict or bool(set(after) - set(before)) or \
            any(_added_keys(after[k], v) for k, v in before.items() if k in after)
    if isinstance(before, (tuple, list)) and type(after) in (tuple, list):
        return any(_added_keys(a, b) for a, b in zip(after, before))
    return False


def run_checks(name, call, cases, kind="check", detail=True):
    """(passed, report text) for all cases; the report names the first failing case and its problems."""
    for i, case in enumerate(cases, 1):
        problems = check_case(name, call, case, detail)
        if problems:
            head = f"{name} failed {kind} {i} of {len(cases)} ({case['label']}):"
            return False, "\n".join([head] + [f"  - {p}" for p in problems])
    return True, f"{name} passed all {len(cases)} {kind}s."
