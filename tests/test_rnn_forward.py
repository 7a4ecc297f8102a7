"""The rnn_forward assignment as students and instructors meet it: the notebook runs with the solutions and
reproduces seed 000, its state explorer plots what the student's rnn_forward computes, an untouched release
says plainly what is missing, the self-checks name each known mistake, and each mistake, handed in as a
notebook, costs exactly the test aimed at it."""

import numpy as np
import pytest

from autograder.commands.submissions import fill, read, solution_code
from autograder.commands.workspace import Workspace
from autograder.core.paths import COURSE_ROOT
from autograder.key import reference
from autograder.key.rnn_forward.mistakes import _forward
from course.checking import SelfCheckFailed
from course.explorer import NotReady, require
from course.selfcheck import check, stored_cases
from course.state_explorer import N_A, StateExplorer, explorer_problem
from notebook_probe import cell_text, run_with_probe

SOURCE = COURSE_ROOT / "source" / "rnn_forward" / "rnn_forward.ipynb"
RELEASE = COURSE_ROOT / "release" / "rnn_forward" / "rnn_forward.ipynb"
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


def execute(nb):
    """Run nb top to bottom plus the probe; (executed notebook, the probe's findings)."""
    return run_with_probe(nb, PROBE, RELEASE.parent, allow_errors=True)


def errors(nb):
    return [(c.source[:60], o.ename, o.evalue) for c in nb.cells if c.cell_type == "code"
            for o in c.outputs if o.output_type == "error"]


@pytest.fixture(scope="module")
def solved():
    return execute(fill(read(RELEASE), solution_code(read(SOURCE))))


@pytest.fixture(scope="module")
def untouched():
    return execute(read(RELEASE))


def test_notebook_runs_with_the_solutions(solved):
    nb, _ = solved
    assert errors(nb) == []
    for name in GRADED:
        checks = len(stored_cases(name))
        assert f"\u2714 {name} passed all {checks} checks." in cell_text(nb, f'check("{name}", {name})')


def test_seed000_worked_example_and_the_stale_state_lesson(solved):
    nb, _ = solved
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


def test_explorer_plots_the_students_rnn_forward_as_sliders_move(solved):
    _, probes = solved
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
    assert {ename for _, ename, _ in errors(nb)} == {"SelfCheckFailed", "NotReady"}, errors(nb)
    assert all(p["message"] == "rnn_forward is not implemented yet: replace `raise NotImplementedError()` with "
               "your code." for p in probes)


# Students as they would hand the notebook in: the solution with one function written wrong.
# name: (function, text in the solution, replacement, what the self-check must say)
WRONG = {
    # sums every column's exponentials together; no known mistake has this output, so no hint, but the
    # check still says which entries are wrong
    "softmax_summed_over_batch": ("softmax", "np.sum(e, axis=0, keepdims=True)", "np.sum(e)",
                                  "softmax(z) has wrong values"),
    "softmax_seed002": ("softmax", None, "def softmax(z):\n    exp_z = np.exp(z)\n    return exp_z / np.sum(exp_z)",
                        "normalises over the whole array"),
    "softmax_axis1": ("softmax", None, "def softmax(z):\n    e = np.exp(z - np.max(z, axis=1, keepdims=True))\n"
                      "    return e / np.sum(e, axis=1, keepdims=True)", "softmax over axis 1"),
    "softmax_unstable": ("softmax", None, "def softmax(z):\n    e = np.exp(z)\n"
                         "    return e / np.sum(e, axis=0, keepdims=True)", "np.exp overflowed"),
    "softmax_in_place": ("softmax", None, "def softmax(z):\n    z -= np.max(z, axis=0, keepdims=True)\n"
                         "    e = np.exp(z)\n    return e / np.sum(e, axis=0, keepdims=True)",
                         "softmax modified its argument `z`"),
    # a key added to the caller's dict: compare() alone looks only at the keys the dict should have
    "cell_stores_into_parameters": ("rnn_cell_forward", "cache = (a_next, a_prev, xt, parameters)",
                                    "parameters['a_next'] = a_next\n    cache = (a_next, a_prev, xt, parameters)",
                                    "rnn_cell_forward modified its argument `parameters`"),
    "cell_output_from_a_prev": ("rnn_cell_forward", "softmax(Wya @ a_next + by)", "softmax(Wya @ a_prev + by)",
                                "yt_pred was computed from a_prev"),
    "cell_cache_order": ("rnn_cell_forward", "cache = (a_next, a_prev, xt, parameters)",
                         "cache = (a_prev, a_next, xt, parameters)",
                         "the cache must be (a_next, a_prev, xt, parameters)"),
    "forward_state_never_updated": ("rnn_forward", "rnn_cell_forward(x[:, :, t], a_next, parameters)",
                                    "rnn_cell_forward(x[:, :, t], a0, parameters)", "every step was fed a0"),
    "forward_caches_reset": ("rnn_forward", "        a_next, yt_pred, cache =",
                             "        caches = []\n        a_next, yt_pred, cache =", "only the last step's cache"),
    "forward_caches_without_x": ("rnn_forward", "return a, y_pred, (caches, x)", "return a, y_pred, caches",
                                 "this is the list alone, without x"),
}


def wrong_codes(student):
    """{grade_id: code} of a student's answers: the solution, with one function changed."""
    codes = solution_code(read(SOURCE))
    name, old, new, _ = WRONG[student]
    if old is None:
        codes[name] = new
    else:
        assert old in codes[name], f"the solution of {name} no longer contains {old!r}"
        codes[name] = codes[name].replace(old, new)
    return codes


@pytest.mark.parametrize("student", sorted(WRONG))
def test_self_check_names_the_mistake(student):
    namespace = {"np": np}
    for code in wrong_codes(student).values():
        exec(code, namespace)
    name, _, _, says = WRONG[student]
    with np.errstate(all="ignore"), pytest.raises(SelfCheckFailed) as failed:
        check(name, namespace[name])
    assert says in str(failed.value)


def test_grading_costs_each_mistake_only_its_own_test(tmp_path):
    ws = Workspace.create(tmp_path, ["rnn_forward"])
    release = ws.generate("rnn_forward") / "rnn_forward.ipynb"
    ws.submit("solution", "rnn_forward", {"rnn_forward": fill(read(release), solution_code(read(SOURCE)))})
    for student in WRONG:
        ws.submit(student, "rnn_forward", {"rnn_forward": fill(read(release), wrong_codes(student))})
    ws.autograde("rnn_forward")  # one call grades every student
    scores = ws.scores("rnn_forward")
    assert all(s == m for s, m in scores["solution"].values()), scores["solution"]
    for student, (name, *_) in WRONG.items():
        got = {gid: s for gid, (s, _) in scores[student].items()}
        full = {gid: m for gid, (_, m) in scores[student].items()}
        assert got == dict(full, **{f"test_{name}": 0}), (student, got)


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
    (lambda x, a0, p: _forward(x, a0, p, update_state=False), "runs, but does not pass its self-check yet"),
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
