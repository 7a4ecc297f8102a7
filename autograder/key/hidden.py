"""Hidden tests as plain nbgrader runs them: in the student's kernel, on cases the student never saw.

Trusted grading (autograder.trusted.execute) runs the same cases and the same comparisons outside that kernel;
this module is what a hidden-test cell calls when the course is graded by nbgrader alone.
"""
from autograder.key import reference
from autograder.key.cases import hidden_cases
from autograder.key.problems import PLAIN_HIDDEN_SEED
from course.checking import SelfCheckFailed, local_call, run_checks
from course.signatures import DEPENDENCIES, function_of


def use_correct_dependencies(fn, name):
    """Make fn call the reference's versions of the student functions it depends on, so that one mistake
    costs only the test aimed at it. Not undone: every dependency was graded in an earlier test cell,
    and the visible check after the hidden block must see the same functions."""
    namespace = getattr(fn, "__globals__", {})
    namespace.update({d: getattr(reference, d) for d in DEPENDENCIES.get(name, []) if d in namespace})


def grade_hidden(name, fn):
    """The hidden checks `name` (a function's name, or a case set) of the student's function `fn`."""
    function = function_of(name)
    use_correct_dependencies(fn, function)
    passed, report = run_checks(function, local_call(fn), hidden_cases(name, PLAIN_HIDDEN_SEED),
                                kind="hidden check", detail=False)
    if not passed:
        raise SelfCheckFailed(report)
    print("\u2714 " + report)
