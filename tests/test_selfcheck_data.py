"""The self-check answers shipped in course/data/ are current: regenerating them from the reference,
the cases and the known mistakes gives the same cases."""
import numpy as np
import pytest

from autograder import reference
from autograder.cases import hidden_cases, visible_cases
from autograder.mistakes import MISTAKES
from course.checking import local_call, run_checks
from course.diagnose import compare
from course.selfcheck import stored_cases
from course.signatures import CASE_SETS, SIGNATURES, function_of

CASE_SET_NAMES = sorted([*SIGNATURES, *CASE_SETS])


@pytest.mark.parametrize("name", CASE_SET_NAMES)
def test_stored_cases_are_current(name):
    stored, fresh = stored_cases(name), visible_cases(name)
    stale = "course/data is stale: run ./run python -m autograder.make_selfcheck_data " + name
    assert len(stored) == len(fresh), stale
    for s, f in zip(stored, fresh):
        assert s["label"] == f["label"], stale
        assert compare(s["args"], f["args"], "args") == [], stale
        assert compare(s["expected"], f["expected"], "expected") == [], stale
        assert list(s["mistakes"]) == list(f["mistakes"]), stale
        assert compare(list(s["mistakes"].values()), list(f["mistakes"].values()), "mistakes") == [], stale


@pytest.mark.parametrize("name", CASE_SET_NAMES)
@pytest.mark.parametrize("kind", ["self-check", "hidden check"])
def test_reference_passes_and_every_known_mistake_fails(name, kind):
    cases = stored_cases(name) if kind == "self-check" else hidden_cases(name)
    function = function_of(name)
    assert run_checks(function, local_call(getattr(reference, function)), cases)[0]
    for hint, wrong in MISTAKES.get(name, {}).items():
        with np.errstate(all="ignore"):
            passed, _ = run_checks(function, local_call(wrong), cases)
        assert not passed, f"the {kind} of {name} does not catch: {hint}"


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_a_function_that_returns_nothing_is_asked_for_its_return_line(name):
    passed, report = run_checks(name, local_call(lambda *args: None), stored_cases(name))
    assert not passed and f"{name} returned None: does it end with" in report, report
