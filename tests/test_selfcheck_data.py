"""The self-check answers shipped in course/data/ are current: regenerating them from the reference,
the cases and the known mistakes gives the same cases."""
import numpy as np
import pytest

from autograder.key import reference
from autograder.key.assignments import ARG_BUILDERS, MISTAKES
from autograder.key.cases import hidden_cases, visible_cases
from autograder.key.problems import PLAIN_HIDDEN_SEED
from autograder.trusted.secret import hidden_seed
from course.checking import local_call, run_checks
from course.diagnose import compare
from course.selfcheck import stored_cases
from course.signatures import SIGNATURES, function_of

CASE_SET_NAMES = sorted(ARG_BUILDERS)


@pytest.mark.parametrize("name", CASE_SET_NAMES)
def test_stored_cases_are_current(name):
    stored, fresh = stored_cases(name), visible_cases(name)
    stale = "course/data is stale: run ./run python -m autograder.key.selfcheck_data " + name
    assert len(stored) == len(fresh), stale
    for s, f in zip(stored, fresh):
        assert s["label"] == f["label"], stale
        assert compare(s["args"], f["args"], "args") == [], stale
        assert compare(s["expected"], f["expected"], "expected") == [], stale
        assert list(s["mistakes"]) == list(f["mistakes"]), stale
        assert compare(list(s["mistakes"].values()), list(f["mistakes"].values()), "mistakes") == [], stale


@pytest.mark.parametrize("name", CASE_SET_NAMES)
def test_reference_passes_and_every_known_mistake_fails_the_self_check(name):
    cases = stored_cases(name)
    function = function_of(name)
    assert run_checks(function, local_call(getattr(reference, function)), cases)[0]
    for hint, wrong in MISTAKES.get(name, {}).items():
        with np.errstate(all="ignore"):
            passed, _ = run_checks(function, local_call(wrong), cases)
        assert not passed, f"the self-check of {name} does not catch: {hint}"


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_a_function_that_returns_nothing_is_asked_for_its_return_line(name):
    passed, report = run_checks(name, local_call(lambda *args: None), stored_cases(name))
    assert not passed and f"{name} returned None: does it end with" in report, report


@pytest.mark.parametrize("wrong, says", [
    (lambda e: e.T, "dWaa is the expected matrix transposed"),
    (lambda a: np.concatenate([np.zeros((3, 2, 1)), a[:, :, :-1]], axis=2), "one step late in time?"),
    (lambda a: np.concatenate([a[:, :, 1:], np.zeros((3, 2, 1))], axis=2), "one step early in time?"),
    (lambda a: np.concatenate([np.zeros((3, 2, 1)), a[:, :, 1:] + 1], axis=2), "a[:, :, 0] is all zeros"),
    (lambda a: np.concatenate([a[:, :, :3], a[:, :, 3:] + 1], axis=2), "only a[:, :, 3], a[:, :, 4] are wrong"),
])
def test_a_visible_report_says_what_the_wrong_entries_have_in_common(wrong, says):
    # shapes cannot show a transposed square matrix or a loop that is off by one step
    rng = np.random.default_rng(0)
    expected = rng.normal(size=(4, 4)) if "transposed" in says else rng.normal(size=(3, 2, 5))
    name = "dWaa" if "transposed" in says else "a"
    assert says in compare(wrong(expected), expected, name)[0]
    assert compare(wrong(expected), expected, name, detail=False) == [f"{name} has wrong values"]


def test_the_shapes_of_a_list_of_caches_are_listed_once_not_per_step():
    case = stored_cases("rnn_backward")[0]
    _, report = run_checks("rnn_backward", local_call(lambda da, caches: np.ones((2, 3)) + np.ones((3, 2))), [case])
    shapes = report.split("The arguments' shapes were: ")[1]
    steps = len(case["args"][1][0])
    assert shapes.startswith(f"da {case['args'][0].shape}, caches[0]: {steps} items like caches[0][0], "
                             "caches[0][0][0] "), shapes
    assert shapes.count("Waa") == 1, shapes


def test_a_wrong_cache_is_named_by_its_step_as_x_numbers_steps():
    # the same numbering as the time patterns above and as x[:, :, t], which the notebooks use for steps
    def forward_keeping_a_next_as_a_prev(x, a0, parameters):
        a, y_pred, (cell_caches, x_) = reference.rnn_forward(x, a0, parameters)
        return a, y_pred, ([(c[0], c[0], c[2], c[3]) for c in cell_caches], x_)

    _, report = run_checks("rnn_forward", local_call(forward_keeping_a_next_as_a_prev), stored_cases("rnn_forward"))
    assert "  - a_prev in the cache of step 0 has wrong values" in report, report


def states_off_by_ten_percent(x, a0, parameters):
    a, cache = reference.rnn_states(x, a0, parameters)
    return 1.1 * a, (1.1 * a, *cache[1:])  # the cache holds a, which is also returned


def test_a_wrong_array_returned_twice_is_reported_once():
    _, report = run_checks("rnn_states", local_call(states_off_by_ten_percent), stored_cases("rnn_states"))
    lines = report.splitlines()[1:]
    assert lines[0].startswith("  - a has wrong values")
    assert lines[1:] == ["  - cache[0] (a) has the same wrong values as a"]


def test_a_hidden_check_reports_one_line_whatever_else_is_wrong():
    # Which problems a hidden report listed (which outputs wrong, which not finite, which arguments modified)
    # was the student's output's choice: about 10 bits of a hidden input per function and feedback round.
    def wrong_in_every_way(x, a0, parameters):
        a, cache = states_off_by_ten_percent(x, a0, parameters)
        x *= 2  # modifies its argument too
        return np.full_like(a, np.nan), cache

    for fn in (states_off_by_ten_percent, wrong_in_every_way):
        _, report = run_checks("rnn_states", local_call(fn), hidden_cases("rnn_states", PLAIN_HIDDEN_SEED),
                               "hidden check", detail=False)
        assert len(report.splitlines()) == 2, report  # the case, and one line on it


OTHER_STUDENTS = [hidden_seed(bytes(32), "rnn_forward", "alice"), hidden_seed(b"\xff" * 32, "bptt", "bob")]


@pytest.mark.parametrize("seed", [PLAIN_HIDDEN_SEED, *OTHER_STUDENTS])
@pytest.mark.parametrize("name", CASE_SET_NAMES)
def test_each_student_s_hidden_cases_differ_and_still_name_every_known_mistake(name, seed):
    cases = hidden_cases(name, seed)
    others = hidden_cases(name, seed + 1)
    assert [c["label"] for c in cases] == [c["label"] for c in others]  # the same shapes, other values
    assert compare([c["args"] for c in cases], [c["args"] for c in others], "args"), "the same hidden inputs"
    function = function_of(name)
    assert run_checks(function, local_call(getattr(reference, function)), cases)[0]
    for hint, wrong in MISTAKES.get(name, {}).items():
        with np.errstate(all="ignore"):
            passed, report = run_checks(function, local_call(wrong), cases, "hidden check", detail=False)
        assert not passed and (f"Hint: {hint}" in report or " raised " in report), (hint, report)
