"""The course's own checks of a function: its case sets sent to the student's function in the sandbox, the
functions it calls answered by the reference (the oracle), every output compared here."""
import functools

import numpy as np

from autograder.trusted.course_checks import CaseSetVerdict
from course.checking import run_checks
from course.signatures import DEPENDENCIES, SIGNATURES

MAX_ORACLE_ARGS = 8 << 20  # bytes of one oracle request's arguments


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
    # Every case set's cases, the hidden ones too, made before the first call: making them takes a time that
    # depends on them (train_chunks' number of chunks), which the sandbox could time between two visible calls.
    made = {case_set: _cases(case_set, seed) for _, _, case_set in ordered}
    reports = {}  # case set -> (report of its first failing case, whether it was hidden)
    for kind, hidden in (("check", False), ("hidden check", True)):
        if hidden and between is not None:
            between()
        for _, name, case_set in ordered:
            if case_set in reports:
                continue
            visible_cases, hidden_cases = made[case_set]
            # The bound of what the reference answers, from the cases this phase sends: while the visible ones
            # run, nothing the student can measure may depend on a hidden case (train_chunks draws its number of
            # chunks: probing the bound printed a hidden case's shape in a visible report, attack round 12).
            oracle = _oracle_for(reference, name, [*visible_cases, *(hidden_cases if hidden else [])])
            passed, report = run_checks(name, functools.partial(_call, run, name, oracle, hidden),
                                        hidden_cases if hidden else visible_cases, kind, detail=not hidden)
            if not passed:
                reports[case_set] = (report, hidden)
    failed = {name for _, name, case_set in tests if case_set in reports}
    return {case_set: CaseSetVerdict(name, *reports.get(case_set, (None, False)),
                                     tuple(map(len, made[case_set])), _stood_in(name, failed))
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
