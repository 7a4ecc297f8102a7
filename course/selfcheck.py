"""The self-checks students run: their function against stored answers, with a diagnosis when it differs.

The stored answers (course/data/<function>.npz) come from the instructor's reference solution through
autograder/key/selfcheck_data.py; students get the answers, never the code that computed them.
"""
import re
import types
from functools import cache
from pathlib import Path

from course import plain
from course.checking import SelfCheckFailed, local_call, run_checks
from course.signatures import CALLED_AS, DEFINED_IN, DEPENDENCIES, function_of

DATA = Path(__file__).parent / "data"


@cache
def stored_cases(name):
    """The stored visible cases of function `name`."""
    path = DATA / f"{name}.npz"
    if not path.exists():
        raise FileNotFoundError(f"no stored self-check answers for {name!r} at {path}; "
                                "reinstall the course or ask your instructor")
    return plain.loads(path.read_bytes())


# What course.diagnose adds to a line of wrong values about where they are wrong ("; step t holds what step t-1
# should: one step late in time?"): a diagnosis of the checked function, which a failing function it calls may explain
PATTERN = re.compile(r"^(  - .* has wrong values in .*\(got [^()]*, expected [^()]*\)); .*$")


def _names(code):
    """The global names a code object reads, its nested functions' and comprehensions' included."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def used_dependencies(name, fn):
    """The student functions of DEPENDENCIES[name] that fn calls, itself or through another of them (rnn_forward
    calls softmax through rnn_cell_forward), in DEPENDENCIES' order."""
    namespace = getattr(fn, "__globals__", {})
    candidates = DEPENDENCIES.get(name, [])
    used, todo = set(), [fn]
    while todo:
        code = getattr(todo.pop(), "__code__", None)
        for d in _names(code) if code is not None else ():
            if d in candidates and d not in used and callable(namespace.get(d)):
                used.add(d)
                todo.append(namespace[d])
    return [d for d in candidates if d in used]


def failing_dependencies(name, fn):
    """The student functions fn calls that fail their own self-checks (as fn calls them: CALLED_AS), but those that
    fail because they call one of the others: the ones to fix first (bptt's rnn_backward fails when
    rnn_cell_backward does)."""
    namespace = getattr(fn, "__globals__", {})
    failing = [d for d in used_dependencies(name, fn)
               if not run_checks(d, local_call(namespace[d]), stored_cases(CALLED_AS.get((name, d), d)))[0]]
    return [d for d in failing if not set(used_dependencies(d, namespace[d])) & set(failing)]


def failing_dependencies_note(name, failing):
    """The first line of a failing report when functions `name` calls fail their own self-checks: which ones, where
    their cells are, and that this report's hints wait until they pass."""
    where = [f"{d} in {DEFINED_IN[name, d]}" for d in failing if (name, d) in DEFINED_IN]
    if len(failing) == 1:
        which = f"{failing[0]}, which fails its own self-check; fix that first"
        where = [f"its cell is in {DEFINED_IN[name, failing[0]]}"] if where else []
        runs, it = "its self-check", "what it gets wrong"
    else:
        which = f"{', '.join(failing[:-1])} and {failing[-1]}, which fail their own self-checks; fix those first"
        runs, it = "their self-checks", "what they get wrong"
    which += f" ({', '.join(where)})" if where else ""
    return (f"Note: {name} calls {which}, run {runs}, then run this cell again. No hints for {name} until then: "
            f"{it} may be all that differs here.")


def failure_report(name, fn, report):
    """The report of a failed self-check of `name`: as run_checks wrote it, or, when functions fn calls fail their
    own self-checks, led by a note that sends the student to them, without the hints that blame fn (a wrong
    lstm_cell_backward made lstm_backward's check say that its cell state's gradient is not carried back)."""
    if "not implemented yet" in report:  # then the dependencies are not the news
        return report
    failing = failing_dependencies(name, fn)
    if not failing:
        return report
    kept = [PATTERN.sub(r"\1", line) for line in report.splitlines() if not line.startswith("  - Hint: ")]
    return "\n".join([failing_dependencies_note(name, failing)] + kept)


def check(name, fn):
    """Run the self-check `name` (a function's name, or a case set named <function>_<what more>) on your
    function `fn`; print a pass line or raise SelfCheckFailed."""
    function = function_of(name)
    if not callable(fn):
        raise SelfCheckFailed(f"{function} should be a function, but it is a {type(fn).__name__}.")
    passed, report = run_checks(function, local_call(fn), stored_cases(name))
    if not passed:
        raise SelfCheckFailed(failure_report(function, fn, report))
    print("\u2714 " + report)
