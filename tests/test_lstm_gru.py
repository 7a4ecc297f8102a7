"""The lstm_gru assignment as students and instructors meet it: the notebook runs with the solutions, its
gradient check passes, its explorer shows what the student's cell backward functions compute, the recall task
separates the vanilla RNN from the gated cells, and each known mistake, handed in as a notebook, costs exactly
the test aimed at it."""

import numpy as np
import pytest

from autograder.key import reference
from course import recall
from course.gate_explorer import MODELS, GateExplorer, gate_problem
from harness import KnownMistakes, KnownMistakesTests, Mistake, known_mistake
from notebook_probe import cell_text, error_outputs

ASSIGNMENT = "lstm_gru"
GRADED = ("lstm_cell_forward", "lstm_forward", "lstm_cell_backward", "lstm_backward", "gru_cell_forward",
          "gru_forward", "gru_cell_backward", "gru_backward")
REFERENCE_FUNCTIONS = (reference.rnn_forward, reference.rnn_cell_backward, reference.lstm_forward,
                       reference.lstm_cell_backward, reference.gru_forward, reference.gru_cell_backward)

# Appended to the solved notebook: drives the explorer from the kernel side and compares its norms with the
# gradients the student's full backward functions give for the same problem (da0 of the steps t .. T_x - 1).
PROBE = '''
import json
probe = GateExplorer(rnn_forward, rnn_cell_backward, lstm_forward, lstm_cell_backward, gru_forward,
                     gru_cell_backward)
probe.move(radius=0.9, keep_bias=3.0, input_scale=0.5, T_x=20)
from course.gate_explorer import gate_problem
x_p, a0_p, params_p = gate_problem(0.9, 3.0, 0.5, 20)
da_p = np.zeros((8, 1, 20))
da_p[:, 0, -1] = 1 / np.sqrt(8)
expected = {}
for cell, forward, backward in (("lstm", lstm_forward, lstm_backward), ("gru", gru_forward, gru_backward)):
    cells_p = forward(x_p, a0_p, params_p[cell])[-1][0]
    expected[cell] = [float(np.linalg.norm(backward(da_p[:, :, t:], (cells_p[t:], x_p[:, :, t:]))["da0"]))
                      for t in range(20)] + [1.0]
print("PROBE" + json.dumps({
    "message": probe.message,
    "plotted": {m: probe.plotted(m)[1].tolist() for m in ("lstm", "gru")},
    "expected": expected,
}))
'''


def test_notebook_runs_with_solutions(executed):
    nb, _ = executed
    assert error_outputs(nb) == []
    report = cell_text(nb, "gated_gradient_check(forward, backward")
    assert report.count(" ok") == 18 and "WRONG" not in report, report


def test_recall_task_separates_the_vanilla_rnn_from_the_gated_cells(executed):
    nb, _ = executed
    text = cell_text(nb, "T_recall = 40")
    accuracy = {line.split(":")[0].strip(): int(line.rsplit(" ", 1)[1].rstrip("%"))
                for line in text.splitlines() if "accuracy on 1000 new sequences" in line}
    assert accuracy["vanilla RNN"] <= 30 and accuracy["LSTM"] >= 95 and accuracy["GRU"] >= 95, text


def test_gate_explorer_in_the_notebook_shows_the_students_cell_backward(executed):
    _, probe = executed
    assert probe["message"] is None
    for cell in ("lstm", "gru"):
        np.testing.assert_allclose(probe["plotted"][cell], probe["expected"][cell], rtol=1e-9)


def test_gate_explorer_waits_for_the_students_function():
    def stub(*args):
        raise NotImplementedError()

    functions = list(REFERENCE_FUNCTIONS)
    functions[3] = stub
    explorer = GateExplorer(*functions)
    assert explorer.message == ("lstm_cell_backward is not implemented yet: replace `raise NotImplementedError()` "
                                "with your code.")
    # runs, but forgets the forget gate on the cell state's path: it would draw a gradient that never fades
    explorer.lstm_cell_backward = known_mistake("lstm_cell_backward", "dc_prev is dc itself")
    explorer.move(T_x=10)
    assert "lstm_cell_backward runs, but does not pass its self-check yet" in explorer.message, explorer.message
    explorer.lstm_cell_backward = reference.lstm_cell_backward
    explorer.move(T_x=12)
    assert explorer.message is None and len(explorer.plotted("lstm")[0]) == 13


def test_gate_explorer_links_the_keeping_bias_and_the_decay():
    explorer = GateExplorer(*REFERENCE_FUNCTIONS)
    explorer.move(radius=0.9, keep_bias=-2.0, input_scale=0.5, T_x=40)
    closed = {m: explorer.plotted(m)[1][0] for m in MODELS}
    assert np.all(explorer.plotted("lstm factor")[1] < 0.3) and np.all(explorer.plotted("gru factor")[1] < 0.3)
    explorer.move(keep_bias=6.0)
    opened = {m: explorer.plotted(m)[1][0] for m in MODELS}
    assert opened["gru"] > 0.5 and opened["gru"] > 1e6 * closed["gru"]
    assert explorer.plotted("lstm cell")[1][0] > 0.5  # the cell state carries it
    assert opened["rnn"] == closed["rnn"] < 1e-4  # the vanilla RNN has no such knob
    assert "GRU" in explorer.readout and "cell state" in explorer.readout


def test_gate_explorer_shows_what_enters_the_cell_state_and_what_reaches_c0():
    """The dashed line starts at step T_x with the gradient that enters c through a<T_x> = ot * tanh(c<T_x>); the
    readout gives it beside ||dL/dc0||, not ||dL/dc0|| alone as a fraction of ||dL/da<T_x>||."""
    explorer = GateExplorer(*REFERENCE_FUNCTIONS)
    explorer.move(radius=0.9, keep_bias=6.0, input_scale=3.0, T_x=40)
    x, a0, parameters = gate_problem(0.9, 6.0, 3.0, 40)
    _, _, c, caches = reference.lstm_forward(x, a0, parameters["lstm"])
    o_last = caches[0][-1][7]
    entering = np.linalg.norm(np.ones((8, 1)) / np.sqrt(8) * o_last * (1 - np.tanh(c[:, :, -1:][:, :, 0]) ** 2))
    t, cell = explorer.plotted("lstm cell")
    assert len(t) == 41 and np.isclose(cell[-1], entering) and entering < 1e-3
    assert f"||dL/dc&lt;T_x&gt;|| {entering:.3g} (what enters it" in explorer.readout
    assert f"||dL/dc0|| {cell[0]:.3g}" in explorer.readout


def test_gate_explorer_legends_cover_no_line():
    """At bias -2 the lines fill the plots' lower corners, where the legends were: they stand beside the axes."""
    explorer = GateExplorer(*REFERENCE_FUNCTIONS)
    explorer.move(radius=0.9, keep_bias=-2.0, input_scale=0.5, T_x=40)
    renderer = explorer.figure.canvas.get_renderer()
    for ax in explorer.figure.axes:
        legend, box = ax.get_legend().get_window_extent(renderer), ax.get_window_extent(renderer)
        assert legend.x0 >= box.x1, (legend, box)


def test_gate_problem_shares_the_recurrent_directions():
    x, a0, parameters = gate_problem(1.3, 2.0, 0.5, 7)
    assert x.shape == (8, 1, 7) and a0.shape == (8, 1)
    for cell, gates in (("lstm", "fico"), ("gru", "rzc")):
        for gate in gates:
            np.testing.assert_array_equal(parameters[cell]["W" + gate][:, :8], parameters["rnn"]["Waa"])
    assert np.isclose(np.max(np.abs(np.linalg.eigvals(parameters["rnn"]["Waa"]))), 1.3)
    assert np.all(parameters["lstm"]["bf"] == 2.0) and np.all(parameters["gru"]["bz"] == 2.0)
    assert np.all(parameters["lstm"]["bi"] == 0.0)


def test_recall_task_shows_the_answer_only_at_step_0():
    x, y = recall.recall_task(6, 9, np.random.default_rng(0))
    assert x.shape == (5, 6, 9) and y.shape == (4, 6)
    np.testing.assert_array_equal(x[:4, :, 0], y)
    assert np.all(x[4, :, 0] == 1) and np.all(x[4, :, 1:] == 0)
    assert np.all(x.sum(axis=0) == np.r_[2, [1] * 8])


def test_recall_gradients_are_the_loss_gradients():
    """The training's output-layer gradients, on top of the backward functions', by finite differences."""
    x, y = recall.recall_task(3, 4, np.random.default_rng(1))
    parameters = recall.initial_parameters("gru", 5, 3, 4, seed=2)
    _, gradients, _ = recall.loss_and_gradients("gru", reference.gru_forward, reference.gru_backward, x, y, parameters)
    for name in ("Wy", "by", "Wz", "bz"):
        numeric = np.zeros_like(parameters[name])
        for i in np.ndindex(numeric.shape):
            shifted = [{**parameters, name: parameters[name].copy()} for _ in range(2)]
            shifted[0][name][i] += 1e-6
            shifted[1][name][i] -= 1e-6
            losses = [recall.loss_and_gradients("gru", reference.gru_forward, reference.gru_backward, x, y, p)[0]
                      for p in shifted]
            numeric[i] = (losses[0] - losses[1]) / 2e-6
        np.testing.assert_allclose(gradients["d" + name], numeric, rtol=1e-5, atol=1e-9)


# Each mistake as a student would write it; graded_hint: what the graded test cell's hint says for some of them.
KNOWN = KnownMistakes(ASSIGNMENT, GRADED, [
    Mistake("input stacked first", "lstm_cell_forward", "np.concatenate([a_prev, xt], axis=0)",
            "np.concatenate([xt, a_prev], axis=0)", graded_hint="stacks the state first"),
    Mistake("tanh output gate", "lstm_cell_forward", 'ot = sigmoid(p["Wo"]', 'ot = np.tanh(p["Wo"]'),
    Mistake("no tanh of c", "lstm_cell_forward", "a_next = ot * np.tanh(c_next)", "a_next = ot * c_next",
            graded_hint="a_next is missing the tanh of the cell state"),
    Mistake("gates swapped", "lstm_cell_forward", "c_next = ft * c_prev + it * cct", "c_next = it * c_prev + ft * cct",
            graded_hint="forget and input gates are swapped"),
    Mistake("cell returns yt_pred before c_next", "lstm_cell_forward", "return a_next, c_next, yt_pred, cache",
            "return a_next, yt_pred, c_next, cache", says=("Hint: c_next and yt_pred are in each other's place",),
            graded=False),
    Mistake("returns c before y", "lstm_forward", "return a, y, c, (cell_caches, x)",
            "return a, c, y, (cell_caches, x)",
            says=("Hint: y and c are in each other's place",), graded_hint="y and c are in each other's place"),
    Mistake("c0 from a0", "lstm_forward", "a_next, c_next = a0, np.zeros((n_a, m))", "a_next, c_next = a0, a0",
            graded_hint="the cell state started from a0"),
    Mistake("c not carried", "lstm_forward", "lstm_cell_forward(x[:, :, t], a_next, c_next, parameters)",
            "lstm_cell_forward(x[:, :, t], a_next, np.zeros((n_a, m)), parameters)",
            graded_hint="cell state is not carried"),
    Mistake("dc without dc_next", "lstm_cell_backward", "dc = dc_next + da_next", "dc = da_next",
            graded_hint="dc lacks dc_next"),
    Mistake("dc_prev without ft", "lstm_cell_backward", '"dc_prev": dc * ft', '"dc_prev": dc',
            graded_hint="dc_prev is dc itself"),
    Mistake("dc_prev from dc_next only", "lstm_cell_backward", '"dc_prev": dc * ft', '"dc_prev": dc_next * ft',
            says=("Hint: dc_prev carries only dc_next",), graded_hint="dc_prev carries only dc_next"),
    Mistake("candidate derivative of c", "lstm_cell_backward", "dzc = dc * it * (1 - cct**2)",
            "dzc = dc * it * (1 - tanh_c**2)", says=("Hint: the candidate's gradient used the tanh derivative of the "
                                                     "cell state",), graded_hint="tanh derivative of the cell state"),
    Mistake("a_next path with the candidate's derivative", "lstm_cell_backward",
            "dc = dc_next + da_next * ot * (1 - tanh_c**2)", "dc = dc_next + da_next * ot * (1 - cct**2)",
            says=("Hint: the path from a_next to c_next used the candidate's tanh derivative",), graded=False),
    Mistake("tanh derivative of c itself", "lstm_cell_backward",
            "dc = dc_next + da_next * ot * (1 - tanh_c**2)", "dc = dc_next + da_next * ot * (1 - c_next**2)",
            says=("Hint: the derivative of the tanh in a_next = ot * tanh(c_next) was written with c_next itself",),
            graded=False),
    Mistake("no sigmoid derivative", "lstm_cell_backward", "dzf = dc * c_prev * ft * (1 - ft)",
            "dzf = dc * c_prev"),
    Mistake("rows swapped", "lstm_cell_backward", '"dxt": dconcat[n_a:], "da_prev": dconcat[:n_a]',
            '"dxt": dconcat[:-n_a], "da_prev": dconcat[-n_a:]', graded_hint="wrong rows"),
    Mistake("dc not carried back", "lstm_backward", "g = lstm_cell_backward(da[:, :, t] + da_prev, dc_prev,",
            "g = lstm_cell_backward(da[:, :, t] + da_prev, np.zeros((n_a, m)),",
            graded_hint="cell state's gradient is not carried back"),
    Mistake("lstm forward in time", "lstm_backward", "for t in reversed(range(T_x)):", "for t in range(T_x):"),
    Mistake("lstm no recurrent gradient", "lstm_backward", "lstm_cell_backward(da[:, :, t] + da_prev,",
            "lstm_cell_backward(da[:, :, t],"),
    Mistake("update gate the other way", "gru_cell_forward", "a_next = zt * a_prev + (1 - zt) * cct",
            "a_next = (1 - zt) * a_prev + zt * cct", graded_hint="a_next keeps (1 - zt) of a_prev"),
    Mistake("reset after", "gru_cell_forward",
            'cct = np.tanh(p["Wc"] @ np.concatenate([rt * a_prev, xt], axis=0) + p["bc"])',
            'cct = np.tanh(rt * (p["Wc"][:, :a_prev.shape[0]] @ a_prev) + p["Wc"][:, a_prev.shape[0]:] @ xt'
            ' + p["bc"])', graded_hint="PyTorch's and Keras' default"),
    Mistake("no reset", "gru_cell_forward", "np.concatenate([rt * a_prev, xt], axis=0)",
            "np.concatenate([a_prev, xt], axis=0)"),
    Mistake("gru fed a0", "gru_forward", "gru_cell_forward(x[:, :, t], a_next, parameters)",
            "gru_cell_forward(x[:, :, t], a0, parameters)"),
    Mistake("no direct path", "gru_cell_backward", '"da_prev": da_next * zt + g[:n_a] * rt',
            '"da_prev": g[:n_a] * rt', graded_hint="da_prev lacks the direct path"),
    Mistake("dWc from concat", "gru_cell_backward", '"dWc": dzc @ np.concatenate([rt * a_prev, xt], axis=0).T',
            '"dWc": dzc @ concat.T', graded_hint="dWc was built from [a_prev; xt]"),
    Mistake("update gate sign", "gru_cell_backward", "dzz = da_next * (a_prev - cct)",
            "dzz = da_next * (cct - a_prev)"),
    Mistake("gru overwritten", "gru_backward", "total = {k: total[k] + g[k] for k in names}",
            "total = {k: g[k] for k in names}", graded_hint="overwritten at each step"),
])


class TestKnownMistakes(KnownMistakesTests):
    known = KNOWN

    @pytest.mark.parametrize("mistake, wrong", [("dc_prev without ft", "lstm"), ("update gate sign", "gru")])
    def test_gradient_check_exposes_a_wrong_backward(self, graded_class, mistake, wrong):
        _, graded = graded_class[mistake]
        report = cell_text(graded, "gated_gradient_check(forward, backward")
        assert {line.split()[0] for line in report.splitlines() if line.endswith("WRONG")} == {wrong}, report
