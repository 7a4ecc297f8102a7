"""The bptt assignment as students and instructors meet it: the notebook runs with the solutions, its
training run learns, its gradient explorer shows what the student's rnn_backward computes, and each known
mistake, handed in as a notebook, costs exactly the test aimed at it."""

import numpy as np
import pytest

from autograder.key import reference
from course import training
from course.gradient_explorer import GradientExplorer, gradient_problem
from harness import KnownMistakes, KnownMistakesTests, Mistake, known_mistake
from notebook_probe import cell_text, error_outputs

ASSIGNMENT = "bptt"
GRADED = ("rnn_cell_backward", "rnn_backward", "rnn_loss", "bptt")

# Appended to the solved notebook: reads the training run and drives the explorer from the kernel side.
# The explorer's norms are compared with norms got another way from the same rnn_backward: the gradient of
# the state before step t is da0 of rnn_backward run on the steps t .. T_x - 1 alone.
PROBE = '''
import json
probe = GradientExplorer(rnn_forward, rnn_backward)
probe_before = probe.plotted("norm")[1].tolist()
probe.move(radius=1.3, input_scale=0.2, T_x=25)
x_p, a0_p, p_p, da_p = gradient_problem(1.3, 0.2, 25)
a_p, _, (cells_p, _) = rnn_forward(x_p, a0_p, p_p)
suffix = [np.linalg.norm(rnn_backward(da_p[:, :, t:], (cells_p[t:], x_p[:, :, t:]))["da0"]) for t in range(25)]
print("PROBE" + json.dumps({
    "first_loss": float(history["loss"][0]), "last_loss": float(history["loss"][-1]),
    "accuracy_before": training.accuracy(rnn_forward, x_new, y_new, untrained),
    "accuracy_after": training.accuracy(rnn_forward, x_new, y_new, trained),
    "norms_before_move": probe_before,
    "plotted_norms": probe.plotted("norm")[1].tolist(),
    "expected_norms": suffix + [float(np.linalg.norm(da_p[:, 0, -1]))],
    "plotted_mean_tanh_grad": probe.plotted("mean tanh'")[1].tolist(),
    "expected_mean_tanh_grad": (1 - a_p[:, 0, :] ** 2).mean(axis=0).tolist(),
    "message": probe.message,
}))
'''


def test_notebook_runs_with_solutions(executed):
    nb, _ = executed
    assert error_outputs(nb) == []
    report = cell_text(nb, "errors = gradient_check(")
    assert report.count(" ok") == 7 and "WRONG" not in report, report


def test_seed_001_corrections_are_shown_on_numbers(executed):
    nb, _ = executed
    order = cell_text(nb, "seed_elementwise")
    assert "(4, 1) @ (4, 4) is undefined" in order  # the seed's order does not multiply
    errors = [float(line.rsplit(" ", 1)[1]) for line in order.splitlines() if "relative error" in line]
    assert errors[0] < 1e-7 and errors[1] < 1e-7 and errors[2] > 1e-2, order
    sum_over_i = cell_text(nb, "seed's sum over i")
    errors = [float(line.rsplit(" ", 1)[1]) for line in sum_over_i.splitlines()]
    assert errors[0] < 1e-7 < 1e-2 < errors[1], sum_over_i


def test_training_run_learns(executed):
    _, probe = executed
    assert probe["last_loss"] < 0.05 * probe["first_loss"], probe
    assert probe["accuracy_before"] < 0.5 < 0.95 < probe["accuracy_after"], probe


def test_gradient_explorer_in_the_notebook_shows_students_rnn_backward(executed):
    _, probe = executed
    assert probe["message"] is None
    assert len(probe["plotted_norms"]) == 26 and len(probe["norms_before_move"]) != 26
    np.testing.assert_allclose(probe["plotted_norms"], probe["expected_norms"], rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(probe["plotted_mean_tanh_grad"], probe["expected_mean_tanh_grad"], rtol=1e-12)


def test_gradient_explorer_waits_for_the_students_function():
    def stub(*args):
        raise NotImplementedError()

    explorer = GradientExplorer(reference.rnn_forward, stub)
    assert explorer.message == "rnn_backward is not implemented yet: replace `raise NotImplementedError()` " \
                               "with your code."
    explorer = GradientExplorer(reference.rnn_forward, lambda da, caches: {"dx": None})
    assert "da0" in explorer.message
    # runs, but drops the gradient from the next step: that would draw a perfect vanishing gradient
    explorer.rnn_backward = known_mistake("rnn_backward", "the recurrent gradient was dropped")
    explorer.move(T_x=10)
    assert "rnn_backward runs, but does not pass its self-check yet" in explorer.message, explorer.message
    explorer.rnn_backward = reference.rnn_backward
    explorer.move(T_x=10)
    assert explorer.message is None and len(explorer.plotted("norm")[0]) == 11


def test_gradient_explorer_links_radius_and_decay():
    explorer = GradientExplorer(reference.rnn_forward, reference.rnn_backward)
    explorer.move(radius=0.5, input_scale=0.01, T_x=30)
    vanishing = explorer.plotted("norm")[1]
    explorer.move(radius=1.5, input_scale=0.0, T_x=30)  # no input: states stay 0, tanh' stays 1
    exploding = explorer.plotted("norm")[1]
    assert vanishing[0] < 1e-6 * vanishing[-1]
    assert exploding[0] > 1e3 * exploding[-1]
    np.testing.assert_allclose(explorer.plotted("mean tanh'")[1], 1.0)


def test_gradient_explorer_pins_norms_beyond_its_range_to_the_frame():
    explorer = GradientExplorer(reference.rnn_forward, reference.rnn_backward)
    explorer.move(radius=2.0, input_scale=0.0, T_x=60)  # grows about twofold per step back: 1e17 at t = 0
    steps, pinned = explorer.plotted("above")
    norms = explorer.plotted("norm")[1]
    np.testing.assert_array_equal(steps, np.flatnonzero(norms > 1e8))
    assert steps[0] == 0 and len(steps) > 20 and np.all(pinned == 1e8)
    assert f"t = 0..{steps[-1]:.0f} above 1e+08" in explorer.readout
    assert len(explorer.plotted("below")[0]) == 0
    explorer.move(radius=0.3, input_scale=0.5, T_x=60)  # 2.7e-35 at t = 0
    assert len(explorer.plotted("above")[0]) == 0 and explorer.plotted("below")[0][0] == 0
    assert "below 1e-16" in explorer.readout
    explorer.move(radius=0.9, input_scale=0.5, T_x=40)
    assert "off the panel" not in explorer.readout


def test_gradient_problem_shapes():
    x, a0, parameters, da = gradient_problem(1.0, 0.5, 7)
    assert x.shape == (8, 1, 7) and a0.shape == (8, 1) and da.shape == (8, 1, 7)
    assert np.isclose(np.max(np.abs(np.linalg.eigvals(parameters["Waa"]))), 1.0)


def test_delayed_symbol_task_targets_are_the_inputs_shifted():
    x, y = training.delayed_symbol_task(5, 9, np.random.default_rng(3), delay=2)
    assert x.shape == (3, 5, 9) and y.shape == (4, 5, 9)
    for i in range(5):
        assert training.decode(y[:, i, :]) == "--" + training.decode(x[:, i, :])[:-2]
    with pytest.raises(ValueError, match="delay"):
        training.delayed_symbol_task(5, 3, np.random.default_rng(3), delay=3)


def test_clip_by_norm_keeps_the_direction():
    gradients = {f"d{k}": np.full((2, 2), 3.0) for k in training.PARAMETER_NAMES}
    clipped, norm = training.clip_by_norm(gradients, 1.0)
    assert np.isclose(norm, np.sqrt(5 * 4 * 9))
    assert np.isclose(np.sqrt(sum(np.sum(g**2) for g in clipped.values())), 1.0)
    assert all(np.allclose(clipped[k], gradients[k] / norm) for k in clipped)
    unchanged, _ = training.clip_by_norm(gradients, np.inf)
    assert all(np.array_equal(unchanged[k], gradients[k]) for k in unchanged)
    with pytest.raises(ValueError):
        training.clip_by_norm(gradients, 0)


# Each mistake as a student would write it; graded_hint: what the graded test cell's hint says for some of them.
KNOWN = KnownMistakes(ASSIGNMENT, GRADED, [
    Mistake("tanh applied twice", "rnn_cell_backward", "(1 - a_next**2) * da_next",
            "(1 - np.tanh(a_next)**2) * da_next"),
    Mistake("tanh' of a_prev", "rnn_cell_backward", "(1 - a_next**2) * da_next", "(1 - a_prev**2) * da_next"),
    Mistake("dWaa from a_next", "rnn_cell_backward", "dWaa = dz @ a_prev.T", "dWaa = dz @ a_next.T"),
    Mistake("dba averaged", "rnn_cell_backward", "dz.sum(axis=1, keepdims=True)", "dz.mean(axis=1, keepdims=True)"),
    Mistake("dba flattened", "rnn_cell_backward", "dz.sum(axis=1, keepdims=True)", "dz.sum(axis=1)"),
    Mistake("missing transpose", "rnn_cell_backward", 'parameters["Waa"].T @ dz', 'parameters["Waa"] @ dz'),
    Mistake("no recurrent gradient", "rnn_backward", "da[:, :, t] + da_prev, cell_caches[t]",
            "da[:, :, t], cell_caches[t]"),
    Mistake("no upstream gradient", "rnn_backward", "da[:, :, t] + da_prev, cell_caches[t]", "da_prev, cell_caches[t]"),
    Mistake("forward in time", "rnn_backward", "range(T_x - 1, -1, -1)", "range(T_x)"),
    Mistake("overwritten gradient", "rnn_backward", 'dWaa += step["dWaa"]', 'dWaa = step["dWaa"]'),
    Mistake("wrong da0", "rnn_backward", '"da0": da_prev', '"da0": da[:, :, 0] + da_prev'),
    Mistake("modified argument", "rnn_backward", "step = rnn_cell_backward(da[:, :, t] + da_prev, cell_caches[t])",
            "da[:, :, t] += da_prev\n        step = rnn_cell_backward(da[:, :, t], cell_caches[t])"),
    Mistake("loss not averaged", "rnn_loss", "-log_likelihood / m", "-log_likelihood"),
    Mistake("no 1/m", "bptt", "(y_pred[:, :, t] - y[:, :, t]) / m", "(y_pred[:, :, t] - y[:, :, t])"),
    Mistake("wrong sign", "bptt", "(y_pred[:, :, t] - y[:, :, t]) / m", "(y[:, :, t] - y_pred[:, :, t]) / m"),
    Mistake("cell gradients per example", "rnn_cell_backward", "dba = dz.sum(axis=1, keepdims=True)",
            "m = da_next.shape[1]\n    dWax, dWaa = dWax / m, dWaa / m\n    dba = dz.sum(axis=1, keepdims=True) / m",
            graded_hint="dWax, dWaa and dba are divided by m"),
    Mistake("da0 from the output", "rnn_backward", '"da0": da_prev', '"da0": da[:, :, 0]',
            graded_hint="da0 is da[:, :, 0]"),
    Mistake("loss over the classes", "rnn_loss", "m = y.shape[1]", "m = y.shape[0]", graded_hint="which is n_y"),
    Mistake("da with 1/m twice", "bptt", "da[:, :, t] = Wya.T @ dzy", "da[:, :, t] = Wya.T @ dzy / m",
            graded_hint="m times too small"),
    Mistake("dWaa overwritten", "rnn_backward", 'dWaa += step["dWaa"]', 'dWaa = step["dWaa"]',
            graded_hint="dWaa was overwritten at each step"),
    Mistake("da0 plus the output's", "rnn_backward", '"da0": da_prev', '"da0": da_prev + da[:, :, 0]',
            graded_hint="your da0 adds da[:, :, 0] to the da_prev of step 0"),
    # the self-check's hints for dby (issue 31): was dby's shape or wrong values alone, or numpy's error alone
    Mistake("dby lost its column", "bptt", "dby += dzy.sum(axis=1, keepdims=True)", "dby = dby + dzy.sum(axis=1)",
            says=("Hint: the sum over the examples lost its column",), graded=False),
    Mistake("dby lost its column, +=", "bptt", "dby += dzy.sum(axis=1, keepdims=True)", "dby += dzy.sum(axis=1)",
            says=("Hint: the sum over the examples lost its column",), graded=False),
    Mistake("dby overwritten", "bptt", "dby += dzy.sum(axis=1, keepdims=True)", "dby = dzy.sum(axis=1, keepdims=True)",
            says=("Hint: dby holds only the last step",), graded=False),
])


class TestKnownMistakes(KnownMistakesTests):
    known = KNOWN

    @pytest.mark.parametrize("mistake", ["no 1/m", "wrong sign"])
    def test_gradient_check_exposes_a_wrong_bptt(self, graded_class, mistake):
        _, graded = graded_class[mistake]
        report = cell_text(graded, "errors = gradient_check(")
        assert report.count("WRONG") == 7, report
