"""The rnn_forward assignment as students and instructors meet it: the notebook runs with the solutions and
reproduces seed 000, its state explorer plots what the student's rnn_forward computes, an untouched release
says plainly what is missing, the self-checks name each known mistake, and each mistake, handed in as a
notebook, costs exactly the test aimed at it."""

import numpy as np
import pytest

from autograder.key import reference
from course.explorer import NotReady, require
from course.selfcheck import stored_cases
from course.state_explorer import N_A, StateExplorer, explorer_problem
from harness import KnownMistakes, KnownMistakesTests, Mistake, known_mistake
from notebook_probe import cell_text, error_outputs, execute

ASSIGNMENT = "rnn_forward"
ALLOW_ERRORS = True  # the tests look at the errors, of the untouched release too
GRADED = ("softmax", "rnn_cell_forward", "rnn_forward")

# Appended to the executed notebook: moves the explorer's sliders from the kernel side, as a student would,
# and compares what is plotted with the notebook's own rnn_forward on the explorer's inputs.
PROBE = '''
import json
from course.state_explorer import explorer_problem
def probe_state():
    x_p, a0_p, p_p = explorer_problem(**explorer.values())
    expected = rnn_forward(x_p, a0_p, p_p)[0][:, 0, :] if explorer.message is None else None
    plotted = [explorer.plotted(f"unit {i}") for i in range(4)]
    return {"message": explorer.message, "png": len(explorer.png), "figure": id(explorer.figure),
            "t": [p[0].tolist() for p in plotted], "a": [p[1].tolist() for p in plotted],
            "expected": None if expected is None else expected.tolist(),
            "input": explorer.plotted("input")[1].tolist(),
            "x": (explorer.values()["input_scale"] * x_p[0, 0]).tolist()}
probes = [probe_state()]
explorer.controls["radius"].value = 1.5          # one slider, exactly as a drag would set it
probes.append(probe_state())
explorer.move(pattern="noise", input_scale=2.5, bias=0.4, T_x=45)
probes.append(probe_state())
explorer.move(pattern="sine", radius=0.3, input_scale=0.5, bias=-0.2, T_x=7)
probes.append(probe_state())
print("PROBE" + json.dumps(probes))
'''


@pytest.fixture(scope="module")
def untouched():
    return execute(ASSIGNMENT, PROBE, solved=False, allow_errors=True)


def test_notebook_runs_with_the_solutions(executed):
    nb, _ = executed
    assert error_outputs(nb) == []
    for name in GRADED:
        checks = len(stored_cases(name))
        assert f"\u2714 {name} passed all {checks} checks." in cell_text(nb, f'check("{name}", {name})')


def test_seed000_worked_example_and_the_stale_state_lesson(executed):
    nb, _ = executed
    first, second = cell_text(nb, "for i, x_i in enumerate(X)", 0), cell_text(nb, "for i, x_i in enumerate(X)", 1)
    assert "state [0.53704957 0.46211716], output [1.07793927]" in first
    assert "state [0.85973818 0.88366641], output [1.95330664]" in first
    # the same cell run again starts from the stale state: seed 000's printout
    assert "before activation [0.95107374 1.0254142 ], state [0.74026877 0.7720626 ], output [1.71815207]" in second
    assert "before activation [1.40564566 1.55687879], state [0.88656589 0.91491336], output [2.0184833]" in second
    assert "steps 3 and 4 are seed 000's printout: True" in cell_text(nb, "seed000_states")
    assert "equal: True" in cell_text(nb, "vocabulary")
    text = cell_text(nb, "for run in (1, 2)")
    assert text.count("a<1> = [0.53704957 0.46211716], a<2> = [0.85973818 0.88366641]") == 2


def test_explorer_plots_the_students_rnn_forward_as_sliders_move(executed):
    _, probes = executed
    for p in probes:
        assert p["message"] is None
        assert p["figure"] == probes[0]["figure"], "a move must redraw the same figure"
        assert np.array_equal(p["a"], p["expected"])  # exactly the student's rnn_forward output
        assert all(t == list(range(1, len(p["x"]) + 1)) for t in p["t"])
        assert p["input"] == p["x"]
    for before, after in zip(probes, probes[1:]):
        assert before["a"] != after["a"], "moving a slider must change the plotted states"
    assert len(probes[2]["x"]) == 45 and len(probes[3]["x"]) == 7


def test_untouched_release_says_plainly_what_is_missing(untouched):
    nb, probes = untouched
    # every failing cell stops with a plain message, never a traceback from a later, confusing error
    assert {ename for _, ename, _ in error_outputs(nb)} == {"SelfCheckFailed", "NotReady"}, error_outputs(nb)
    assert all(p["message"] == "rnn_forward is not implemented yet: replace `raise NotImplementedError()` with "
               "your code." for p in probes)


# Students as they would hand the notebook in: the solution with one function written wrong. says: what the
# self-check says; graded_hint: what the hint of the graded test cell says.
KNOWN = KnownMistakes(ASSIGNMENT, GRADED, [
    # sums every column's exponentials together: the known mistake that divides by the sum over the whole array;
    # the self-check also says which entries are wrong
    Mistake("softmax_summed_over_batch", "softmax", "np.sum(e, axis=0, keepdims=True)", "np.sum(e)",
            says=("Hint: the max is subtracted per column, but np.sum(e) divides", "softmax(z) has wrong values"),
            graded_hint="np.sum(e) divides by the sum over the whole array"),
    Mistake("softmax_seed002", "softmax", None,
            "def softmax(z):\n    exp_z = np.exp(z)\n    return exp_z / np.sum(exp_z)",
            says=("normalises over the whole array",),
            graded_hint="normalises over the whole array"),
    Mistake("softmax_axis1", "softmax", None, "def softmax(z):\n    e = np.exp(z - np.max(z, axis=1, keepdims=True))\n"
            "    return e / np.sum(e, axis=1, keepdims=True)", says=("softmax over axis 1",),
            graded_hint="softmax over axis 1"),
    Mistake("softmax_unstable", "softmax", None, "def softmax(z):\n    e = np.exp(z)\n"
            "    return e / np.sum(e, axis=0, keepdims=True)", says=("np.exp overflowed",),
            graded_hint="np.exp overflowed"),
    Mistake("softmax_in_place", "softmax", None, "def softmax(z):\n    z -= np.max(z, axis=0, keepdims=True)\n"
            "    e = np.exp(z)\n    return e / np.sum(e, axis=0, keepdims=True)",
            says=("softmax modified its argument `z`",)),
    # a key added to the caller's dict: compare() alone looks only at the keys the dict should have
    Mistake("cell_stores_into_parameters", "rnn_cell_forward", "cache = (a_next, a_prev, xt, parameters)",
            "parameters['a_next'] = a_next\n    cache = (a_next, a_prev, xt, parameters)",
            says=("rnn_cell_forward modified its argument `parameters`",)),
    Mistake("cell_output_from_a_prev", "rnn_cell_forward", "softmax(Wya @ a_next + by)", "softmax(Wya @ a_prev + by)",
            says=("yt_pred was computed from a_prev",),
            graded_hint="yt_pred was computed from a_prev"),
    Mistake("cell_cache_order", "rnn_cell_forward", "cache = (a_next, a_prev, xt, parameters)",
            "cache = (a_prev, a_next, xt, parameters)", says=("the cache must be (a_next, a_prev, xt, parameters)",),
            graded_hint="the cache must be (a_next, a_prev, xt, parameters)"),
    # the two slips the notebook names get their hint even where numpy raises; numpy's error and the line stay
    # in the report (issue 31: numpy's broadcast error was all the student saw)
    Mistake("cell_Wya_on_a_prev", "rnn_cell_forward", "Waa @ a_prev", "Wya @ a_prev",
            says=("  - Hint: a_prev is multiplied by Wya, the output layer's weights", "raised ValueError"),
            graded_hint="a_prev is multiplied by Wya"),
    Mistake("cell_Waa_times_a_prev", "rnn_cell_forward", "Waa @ a_prev", "Waa * a_prev",
            says=("  - Hint: Waa and a_prev are multiplied with *", "raised ValueError"),
            graded_hint="Waa and a_prev are multiplied with *"),
    Mistake("cell_Waa_times_a_prev_swapped", "rnn_cell_forward", "Waa @ a_prev + Wax @ xt", "Wax @ xt + Waa * a_prev",
            says=("  - Hint: Waa and a_prev are multiplied with *", "raised ValueError"),
            graded_hint="Waa and a_prev are multiplied with *"),  # shapes swapped
    Mistake("forward_state_never_updated", "rnn_forward", "rnn_cell_forward(x[:, :, t], a_next, parameters)",
            "rnn_cell_forward(x[:, :, t], a0, parameters)", says=("every step was fed a0",),
            graded_hint="every step was fed a0"),
    Mistake("forward_caches_reset", "rnn_forward", "        a_next, yt_pred, cache =",
            "        caches = []\n        a_next, yt_pred, cache =", says=("only the last step's cache",),
            graded_hint="only the last step's cache"),
    Mistake("forward_caches_without_x", "rnn_forward", "return a, y_pred, (caches, x)", "return a, y_pred, caches",
            says=("this is the list alone, without x",),
            graded_hint="this is the list alone, without x"),
])


class TestKnownMistakes(KnownMistakesTests):
    known = KNOWN


# The explorer in this process: plain messages for every way a student's rnn_forward can be unready.
def _not_implemented(x, a0, parameters):
    raise NotImplementedError()


@pytest.mark.parametrize("fn, says", [
    (_not_implemented, "rnn_forward is not implemented yet"),
    (lambda x, a0, p: x @ a0, "rnn_forward raised ValueError"),
    (lambda x, a0, p: reference.rnn_forward(x, a0, p)[0], "should return the tuple (a, y_pred, caches)"),
    (lambda x, a0, p: (np.zeros((N_A, 1)), None, None), "has shape (4, 1), expected (4, 1, 30)"),
    (lambda x, a0, p: (np.full((N_A, 1, x.shape[2]), 2.0), None, None), "outside [-1, 1]"),
    (None, "needs your rnn_forward function"),
    # runs and draws, but wrong: the state never passed on looks like a network with no memory
    (known_mistake("rnn_forward", "every step was fed a0"), "runs, but does not pass its self-check yet"),
])
def test_explorer_shows_a_plain_message_until_rnn_forward_works(fn, says):
    explorer = StateExplorer(fn)
    assert says in explorer.message
    assert "cannot draw yet" in explorer._notice.value and explorer.png == b""


def test_explorer_redraws_its_one_figure_and_times_each_update():
    explorer = StateExplorer(reference.rnn_forward)
    figure, children = explorer.figure, [len(ax.get_children()) for ax in explorer.figure.axes]
    for radius in (0.2, 0.9, 1.7):
        explorer.move(radius=radius)
        a = reference.rnn_forward(*explorer_problem(**explorer.values()))[0]
        assert np.array_equal(explorer.plotted("unit 2")[1], a[2, 0])
        assert explorer.png.startswith(b"\x89PNG")
    assert explorer.figure is figure and [len(ax.get_children()) for ax in figure.axes] == children
    assert len(explorer.timer.seconds) == 4 and "over 4 updates" in explorer.timer.summary()
    with pytest.raises(KeyError, match="radius"):
        explorer.move(radiuss=1.0)


def test_require_stops_a_demo_cell_plainly():
    require("softmax", reference.softmax)
    with pytest.raises(NotReady, match="softmax, which is not implemented yet"):
        require("softmax", lambda z: _not_implemented(z, None, None))
    with pytest.raises(NotReady, match="does not pass its self-check yet"):
        require("softmax", lambda z: z)
