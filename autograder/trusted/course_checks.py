"""check and grade_hidden as the course's own test cells call them when trusted grading runs the cell.

A course test cell (grade id test_<case set>) is graded like any other test cell: its source, as the gradebook
holds it, runs in the grader (autograder/trusted/instructor_tests.py) on stand-ins of the student's names. What it
calls differs: `check(name, fn)` and `grade_hidden(name, fn)` here do not call the function again, they report
the verdict of case set `name` that trusted grading computed beforehand, every function's visible cases before
any hidden one, with the reference answering the calls between the course's functions
(autograder.trusted.execute.grade_case_sets). `fn` is the student's function where the cell stands; the verdict is that
function's, kept at the same place.
"""
import builtins
import types
from typing import NamedTuple

from course.checking import SelfCheckFailed


class CaseSetVerdict(NamedTuple):
    """How a student's function did on a registered case set."""

    function: str  # the student function graded
    report: str | None  # the first failing case's report; None when every case passed
    hidden: bool  # whether that case was a hidden one
    counts: tuple  # (visible, hidden) number of cases
    note: str  # why the function may pass while it calls a failing one (trusted._stood_in), or ""


def helpers(verdicts):
    """The names a course test cell reads from the grader: check, grade_hidden (also as `from
    autograder.key.hidden import grade_hidden`), for the case sets of `verdicts` ({case set: CaseSetVerdict})."""
    def verdict(name):
        if name not in verdicts:
            raise SelfCheckFailed(f"check({name!r}, ...) can report only the case sets of this notebook's "
                                  f"test_<case set> cells ({', '.join(sorted(verdicts)) or 'none'})")
        return verdicts[name]

    def failed(v):
        return SelfCheckFailed(v.report + (f"\n{v.note}" if v.note else ""))

    def check(name, fn=None):
        v = verdict(name)
        if v.report is not None:
            raise failed(v)
        visible, hidden = v.counts
        print(f"\u2714 {v.function} passed all {visible + hidden} checks ({visible} as in the self-check, {hidden} "
              f"hidden)\n{v.note}", end="")

    def grade_hidden(name, fn=None):
        v = verdict(name)
        if v.report is not None and v.hidden:
            raise failed(v)

    hidden_module = types.ModuleType("autograder.key.hidden")
    hidden_module.grade_hidden = grade_hidden

    def import_(name, globals=None, locals=None, fromlist=(), level=0):
        if name == "autograder.key.hidden" and fromlist and not level:
            return hidden_module  # the grader's grade_hidden, not the one that runs in a student's kernel
        return builtins.__import__(name, globals, locals, fromlist, level)

    return {"check": check, "grade_hidden": grade_hidden, "__builtins__": {**vars(builtins), "__import__": import_}}
