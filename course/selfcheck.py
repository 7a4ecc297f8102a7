"""The self-checks students run: their function against stored answers, with a diagnosis when it differs.

The stored answers (course/data/<function>.npz) come from the instructor's reference solution through
autograder/key/selfcheck_data.py; students get the answers, never the code that computed them.
"""
from functools import cache
from pathlib import Path

from course import plain
from course.checking import SelfCheckFailed, local_call, run_checks
from course.signatures import CALLED_AS, DEPENDENCIES, function_of

DATA = Path(__file__).parent / "data"


@cache
def stored_cases(name):
    """The stored visible cases of function `name`."""
    path = DATA / f"{name}.npz"
    if not path.exists():
        raise FileNotFoundError(f"no stored self-check answers for {name!r} at {path}; "
                                "reinstall the course or ask your instructor")
    return plain.loads(path.read_bytes())


def failing_dependencies_note(name, fn):
    """A note naming the student functions fn calls that fail their own self-checks."""
    namespace = getattr(fn, "__globals__", {})
    failing = [d for d in DEPENDENCIES.get(name, []) if callable(namespace.get(d))
               and not run_checks(d, local_call(namespace[d]), stored_cases(CALLED_AS.get((name, d), d)))[0]]
    if not failing:
        return ""
    which = (f"{failing[0]}, which fails its own self-check" if len(failing) == 1 else
             f"{', '.join(failing[:-1])} and {failing[-1]}, which fail their own self-checks")
    return f"\n  Note: {name} calls {which}; fix that first, then run this cell again."


def check(name, fn):
    """Run the self-check `name` (a function's name, or a case set named <function>_<what more>) on your
    function `fn`; print a pass line or raise SelfCheckFailed."""
    function = function_of(name)
    if not callable(fn):
        raise SelfCheckFailed(f"{function} should be a function, but it is a {type(fn).__name__}.")
    passed, report = run_checks(function, local_call(fn), stored_cases(name))
    if not passed:
        unwritten = "not implemented yet" in report  # then the dependencies are not the news
        raise SelfCheckFailed(report + ("" if unwritten else failing_dependencies_note(function, fn)))
    print("\u2714 " + report)
