"""The `architectures` reference functions, proven right by centered finite differences and by the autograd
library on independent implementations; the seeds' published code behaves as the notebook says."""
import copy
import re

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from autograder.commands.answers import read, solution_code
from autograder.core.paths import COURSE_ROOT
from autograder.key import reference as ref
from course.architectures import (
    bits_task,
    influence,
    random_birnn_parameters,
    random_output_recurrence_parameters,
    shifted_targets,
    sign_of_sum_task,
)
from course.birnn_explorer import BiRNNExplorer
from course.birnn_explorer import explorer_problem as birnn_problem
from course.checking import SelfCheckFailed
from course.gradcheck import numerical_gradient, relative_error
from course.selfcheck import check
from course.toy import one_hot, random_parameters
from harness import KnownMistakes, KnownMistakesTests, Mistake, known_mistake
from notebook_probe import cell_text, error_outputs

SHAPES = [  # n_x, n_a, n_y, m, T_x: n_x != n_a and ==, m = 1 and > 1, T_x = 1 and > 1
    (3, 5, 2, 4, 6),
    (4, 4, 3, 1, 1),
    (2, 3, 4, 1, 5),
    (5, 5, 2, 3, 1),
]
IDS = ["nx{}-na{}-ny{}-m{}-T{}".format(*s) for s in SHAPES]


def problem(shape, seed, kind):
    """(x, y, initial states, parameters) of a random problem for the architecture `kind`."""
    n_x, n_a, n_y, m, T_x = shape
    rng = np.random.default_rng([seed, *shape])
    x = rng.normal(0, 1, (n_x, m, T_x))
    y = one_hot(rng.integers(0, n_y, (m, T_x)), n_y)
    if kind == "many_to_one":
        return x, y[:, :, 0], [rng.normal(0, 0.5, (n_a, m))], random_parameters(n_x, n_a, n_y, rng)
    if kind == "teacher":
        return x, y, [shifted_targets(y, rng.normal(0, 0.5, (n_y, m)))], \
            random_output_recurrence_parameters(n_x, n_a, n_y, rng)
    return x, y, [rng.normal(0, 0.5, (n_a, m)), rng.normal(0, 0.5, (n_a, m))], \
        random_birnn_parameters(n_x, n_a, n_y, rng)


def cross_entropy(y_pred, y):
    return float(-np.sum(y * np.log(y_pred)) / y.shape[1])


# What each architecture's loss is, and its gradients from the reference, as functions of (x, y, s, p).
LOSSES = {
    "many_to_one": lambda x, y, s, p: cross_entropy(ref.rnn_many_to_one_forward(x, s[0], p)[0], y),
    "teacher": lambda x, y, s, p: cross_entropy(ref.teacher_forcing_forward(x, s[0], p)[1], y),
    "birnn": lambda x, y, s, p: cross_entropy(ref.birnn_forward(x, s[0], s[1], p)[1], y),
}


def reference_gradients(kind, x, y, s, p):
    if kind == "many_to_one":
        y_hat, cache = ref.rnn_many_to_one_forward(x, s[0], p)
        return ref.rnn_many_to_one_backward(y, y_hat, cache), {"da0": s[0]}
    if kind == "teacher":
        _, y_pred, cache = ref.teacher_forcing_forward(x, s[0], p)
        return ref.teacher_forcing_backward(y, y_pred, cache), {}
    _, y_pred, caches = ref.birnn_forward(x, s[0], s[1], p)
    return ref.birnn_backward(y, y_pred, caches), {"da0_f": s[0], "da0_b": s[1]}


@pytest.mark.parametrize("kind", sorted(LOSSES))
@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_gradients_match_finite_differences(kind, shape):
    x, y, s, p = problem(shape, 1, kind)
    grads, state_grads = reference_gradients(kind, x, y, s, p)
    wrt = {"d" + k: v for k, v in p.items()} | state_grads | {"dx": x}
    assert sorted(grads) == sorted(wrt)
    for name, array in wrt.items():
        numeric = numerical_gradient(lambda: LOSSES[kind](x, y, s, p), array)
        err = relative_error(grads[name], numeric)
        assert err < 1e-7, f"{kind} {name}: relative error {err:.2e}"


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_rnn_states_backward_matches_finite_differences(shape):
    x, _, s, p = problem(shape, 2, "many_to_one")
    da = np.random.default_rng(3).normal(0, 1, (shape[1], shape[3], shape[4]))
    a0 = s[0]
    loss = lambda: float(np.sum(da * ref.rnn_states(x, a0, p)[0]))  # noqa: E731 (dL/da = da)
    grads = ref.rnn_states_backward(da, ref.rnn_states(x, a0, p)[1])
    for name, array in {"dx": x, "da0": a0, "dWaa": p["Waa"], "dWax": p["Wax"], "dba": p["ba"]}.items():
        err = relative_error(grads[name], numerical_gradient(loss, array))
        assert err < 1e-7, f"{name}: relative error {err:.2e}"


# Independent implementations with autograd.numpy: no code shared with the reference, written from the math.

def _log_softmax(z):
    return z - anp.log(anp.sum(anp.exp(z), axis=0))


def autograd_many_to_one(Waa, Wax, Wya, ba, by, a0, x, y):
    a = a0
    for t in range(x.shape[2]):
        a = anp.tanh(anp.dot(Waa, a) + anp.dot(Wax, x[:, :, t]) + ba)
    return -anp.sum(y * _log_softmax(anp.dot(Wya, a) + by)) / x.shape[1]


def autograd_teacher(Way, Wax, Wya, ba, by, x, y, y0):
    total, fed = 0.0, y0
    for t in range(x.shape[2]):
        a = anp.tanh(anp.dot(Way, fed) + anp.dot(Wax, x[:, :, t]) + ba)
        total = total - anp.sum(y[:, :, t] * _log_softmax(anp.dot(Wya, a) + by))
        fed = y[:, :, t]
    return total / x.shape[1]


def autograd_birnn(Waa_f, Wax_f, ba_f, Waa_b, Wax_b, ba_b, Wya, by, a0_f, a0_b, x, y):
    T_x, n_a = x.shape[2], a0_f.shape[0]
    forward, backward = [], [None] * T_x
    a = a0_f
    for t in range(T_x):
        a = anp.tanh(anp.dot(Waa_f, a) + anp.dot(Wax_f, x[:, :, t]) + ba_f)
        forward.append(a)
    a = a0_b
    for t in range(T_x - 1, -1, -1):
        a = anp.tanh(anp.dot(Waa_b, a) + anp.dot(Wax_b, x[:, :, t]) + ba_b)
        backward[t] = a
    total = 0.0
    for t in range(T_x):
        z = anp.dot(Wya[:, :n_a], forward[t]) + anp.dot(Wya[:, n_a:], backward[t]) + by
        total = total - anp.sum(y[:, :, t] * _log_softmax(z))
    return total / x.shape[1]


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_gradients_match_autograd(shape):
    checks = []
    x, y, s, p = problem(shape, 4, "many_to_one")
    names = ["Waa", "Wax", "Wya", "ba", "by", "a0", "x"]
    args = [p[k] for k in names[:5]] + [s[0], x, y]
    checks.append((autograd_many_to_one, args, names, reference_gradients("many_to_one", x, y, s, p)[0]))
    x, y, s, p = problem(shape, 5, "teacher")
    names = ["Way", "Wax", "Wya", "ba", "by", "x"]
    args = [p[k] for k in names[:5]] + [x, y, s[0][:, :, 0]]
    checks.append((autograd_teacher, args, names, reference_gradients("teacher", x, y, s, p)[0]))
    x, y, s, p = problem(shape, 6, "birnn")
    names = ["Waa_f", "Wax_f", "ba_f", "Waa_b", "Wax_b", "ba_b", "Wya", "by", "a0_f", "a0_b", "x"]
    args = [p[k] for k in names[:8]] + [s[0], s[1], x, y]
    checks.append((autograd_birnn, args, names, reference_gradients("birnn", x, y, s, p)[0]))
    for fn, args, names, grads in checks:
        for i, name in enumerate(names):
            np.testing.assert_allclose(grads["d" + name], autograd.grad(fn, i)(*args),
                                       rtol=1e-9, atol=1e-12, err_msg=f"{fn.__name__} d{name}")


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_losses_match_autograd_implementations(shape):
    x, y, s, p = problem(shape, 7, "many_to_one")
    assert LOSSES["many_to_one"](x, y, s, p) == pytest.approx(
        autograd_many_to_one(p["Waa"], p["Wax"], p["Wya"], p["ba"], p["by"], s[0], x, y), rel=1e-12)
    x, y, s, p = problem(shape, 8, "teacher")
    assert LOSSES["teacher"](x, y, s, p) == pytest.approx(
        autograd_teacher(p["Way"], p["Wax"], p["Wya"], p["ba"], p["by"], x, y, s[0][:, :, 0]), rel=1e-12)
    x, y, s, p = problem(shape, 8, "birnn")
    assert LOSSES["birnn"](x, y, s, p) == pytest.approx(autograd_birnn(
        *[p[k] for k in ["Waa_f", "Wax_f", "ba_f", "Waa_b", "Wax_b", "ba_b", "Wya", "by"]], s[0], s[1], x, y),
        rel=1e-12)


def test_teacher_forcing_equals_a_free_run_fed_the_targets():
    """Teacher forcing computes, all steps at once, what the step-by-step recurrence computes when each
    step is fed the target of the step before."""
    rng = np.random.default_rng(9)
    x, y = rng.normal(0, 1, (3, 4, 5)), one_hot(rng.integers(0, 2, (4, 5)), 2)
    p, y0 = random_output_recurrence_parameters(3, 6, 2, rng), np.zeros((2, 4))
    a, y_pred, _ = ref.teacher_forcing_forward(x, shifted_targets(y, y0), p)
    for t in range(5):
        a_t, y_t = ref.output_recurrence_forward(x[:, :, t:t + 1], y0 if t == 0 else y[:, :, t - 1], p)
        np.testing.assert_allclose(a[:, :, t], a_t[:, :, 0], rtol=1e-12)
        np.testing.assert_allclose(y_pred[:, :, t], y_t[:, :, 0], rtol=1e-12)


def test_birnn_backward_direction_is_a_forward_rnn_on_the_reversed_sequence():
    rng = np.random.default_rng(10)
    x, a0_f, a0_b = rng.normal(0, 1, (2, 3, 6)), rng.normal(0, 1, (4, 3)), rng.normal(0, 1, (4, 3))
    p = random_birnn_parameters(2, 4, 3, rng)
    a, _, _ = ref.birnn_forward(x, a0_f, a0_b, p)
    b = {"Waa": p["Waa_b"], "Wax": p["Wax_b"], "ba": p["ba_b"]}
    np.testing.assert_allclose(a[4:], ref.rnn_states(x[:, :, ::-1], a0_b, b)[0][:, :, ::-1], rtol=1e-12)
    # a_b at the last step has read only the last input; a_f at step 0 only the first.
    np.testing.assert_allclose(a[4:, :, -1], np.tanh(p["Waa_b"] @ a0_b + p["Wax_b"] @ x[:, :, -1] + p["ba_b"]))


def test_no_function_modifies_its_arguments():
    for kind, run in {
        "many_to_one": lambda x, y, s, p: ref.rnn_many_to_one_backward(y, *ref.rnn_many_to_one_forward(x, s[0], p)),
        "teacher": lambda x, y, s, p: ref.teacher_forcing_backward(y, *ref.teacher_forcing_forward(x, s[0], p)[1:]),
        "birnn": lambda x, y, s, p: ref.birnn_backward(y, *ref.birnn_forward(x, s[0], s[1], p)[1:]),
    }.items():
        args = problem((3, 4, 2, 2, 3), 11, kind)
        before = copy.deepcopy(args)
        run(*args)
        for b, a in zip(before, args):
            np.testing.assert_equal(a, b, err_msg=kind)


def test_fixed_seed002_cell_agrees_with_the_contract_cell():
    rng = np.random.default_rng(12)
    p = random_parameters(3, 4, 2, rng)
    xt, a_prev = rng.normal(0, 1, (3, 5)), rng.normal(0, 1, (4, 5))
    a_next, yt_pred, _ = ref.rnn_cell_forward(xt, a_prev, p)
    got = ref.seed002_rnn_cell_forward(xt, a_prev, p)
    assert type(got) is tuple and len(got) == 2
    np.testing.assert_array_equal(got[0], a_next)
    np.testing.assert_array_equal(got[1], yt_pred)


def test_toy_tasks_are_what_they_say():
    rng = np.random.default_rng(13)
    x, y = sign_of_sum_task(50, 7, rng)
    assert x.shape == (1, 50, 7) and y.shape == (2, 50)
    np.testing.assert_array_equal(y[1], x[0].sum(axis=1) > 0)
    x, y = bits_task(20, 6, rng, "parity")
    np.testing.assert_array_equal(y[1], np.cumsum(x[0], axis=1) % 2)
    x, y = bits_task(20, 6, rng, "delay2")
    np.testing.assert_array_equal(y[1, :, 2:], x[0, :, :-2])
    assert not y[1, :, :2].any()
    with pytest.raises(ValueError, match="unknown rule"):
        bits_task(2, 3, rng, "copy")


# ---- The notebook, as students and instructors meet it --------------------------------------------------

ASSIGNMENT = "architectures"
SOURCE = COURSE_ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
GRADED = ("softmax_all_steps", "seed002_rnn_cell_forward", "rnn_states", "rnn_states_backward",
          "rnn_many_to_one_forward", "rnn_many_to_one_backward", "output_recurrence_forward", "teacher_forcing_forward",
          "teacher_forcing_backward", "birnn_forward", "birnn_backward")

# Appended to the solved notebook: what its pictures computed, read from the kernel.
PROBE = '''
import json
explorer_before = explorer.plotted("influence")[1].tolist()
explorer.move(direction="forward", t=4, radius=0.5)
print("PROBE" + json.dumps({"maps": {k: v.tolist() for k, v in maps.items()},
                            "sign_of_sum_accuracy": accuracy(y_hat_test, y_test), "delay2_best_loss": best_loss,
                            "explorer_message": explorer.message, "explorer_before": explorer_before,
                            "explorer_forward_t4": explorer.plotted("influence")[1].tolist()}))
'''


def test_notebook_runs_with_solutions_and_its_gradient_check_passes(executed):
    nb, _ = executed
    assert error_outputs(nb) == []
    report = cell_text(nb, "numerical_gradient(loss, array)")
    assert report.count("  ok") == 11 and "WRONG" not in report, report


def test_the_seeds_bugs_show_when_run(executed):
    nb, _ = executed
    softmax_demo = cell_text(nb, "def seed002_softmax")
    assert "column sums: [1.]" in softmax_demo and "[nan nan]" in softmax_demo, softmax_demo
    cell = cell_text(nb, "def listing_rnn_cell_forward")
    for error in ("NameError: name 'Wax' is not defined", "ValueError: operands could not be broadcast",
                  "AttributeError: module 'numpy' has no attribute 'softmax'"):
        assert error in cell, cell
    rerun = cell_text(nb, "def article_loop").split("second run")
    assert "[[0.6 0.5]]" in rerun[0] and "0.95107374 1.0254142" not in rerun[0], rerun
    assert "[[0.95107374 1.0254142 ]]" in rerun[1] and "[[2.0184833]]" in rerun[1], rerun  # the article's
    trick = cell_text(nb, "def seed003_forward_propagation")
    assert "s has 4 rows for 3 steps; s[-1] = [0. 0. 0. 0.]" in trick and "o[0] = [nan" in trick, trick


def test_the_trained_networks_learn_what_they_can(executed):
    nb, probe = executed
    assert probe["sign_of_sum_accuracy"] > 0.8, probe
    report = cell_text(nb, "teacher_forcing_backward(y, y_pred, cache), learning_rate")
    accuracies = {line.split(":")[0].strip(): [float(v) for v in re.findall(r"([\d.]+)% fed", line)]
                  for line in report.splitlines()}
    assert min(accuracies["parity"]) > 0.99 * 100, report
    assert all(50 < acc < 63 for acc in accuracies["delay2"]), report  # the best possible is 58.3%


def test_delay_by_two_best_loss_is_what_the_best_predictor_reaches(executed):
    """The dashed line of the delay-by-two plot against a count: for each input a step can get (what it is fed,
    x_t), predict the share of targets 0 among the steps that get it; that is the least cross-entropy."""
    _, probe = executed
    m = 200_000
    x, y = bits_task(m, 12, np.random.default_rng(0), "delay2")
    fed = shifted_targets(y, np.zeros((2, m)))
    seen = (fed[0] + 2 * fed[1]) * 2 + x[0]  # fed nothing, class 0 or class 1; and x_t
    loss = 0.0
    for k in np.unique(seen):
        p = y[0][seen == k].mean()
        loss += (seen == k).sum() * -sum(q * np.log(q) for q in (p, 1 - p) if q > 0)
    assert abs(loss / seen.size - probe["delay2_best_loss"]) < 2e-3, (loss / seen.size, probe["delay2_best_loss"])
    assert probe["delay2_best_loss"] > np.log(2) * 10 / 12 + 0.04  # not a coin flip on the 10 steps t >= 2


def test_the_gradient_check_names_what_a_wrong_birnn_backward_gets_wrong(capsys):
    """The check needs only birnn_forward to pass, so that it helps while birnn_backward is wrong."""
    code = [c.source for c in read(SOURCE).cells if c.cell_type == "code"]
    namespace = {}
    exec(code[0], namespace)  # the notebook's imports
    namespace.update(softmax=ref.softmax, rnn_states=ref.rnn_states, birnn_forward=ref.birnn_forward,
                     birnn_backward=known_mistake("birnn_backward", "the backward direction's dx is in reversed"))
    exec(next(c for c in code if "numerical_gradient(loss, array)" in c), namespace)
    report = capsys.readouterr().out
    assert [line.split()[0] for line in report.splitlines() if "WRONG" in line] == ["dx"], report
    assert report.count("  ok") == 10, report


def test_influence_maps_show_what_each_direction_can_see(executed):
    _, probe = executed
    forward_only, both = (np.array(probe["maps"][k]) for k in ("forward direction only", "bidirectional"))
    future = np.triu(np.ones_like(forward_only, dtype=bool), k=1)
    assert forward_only[future].max() < 1e-9 < forward_only[~future].min()
    assert both.min() > 1e-6


def test_explorer_in_the_notebook_shows_the_students_birnn_forward(executed):
    _, probe = executed
    assert probe["explorer_message"] is None
    before, after = np.array(probe["explorer_before"]), np.array(probe["explorer_forward_t4"])
    assert (before > 1e-5).all()  # both directions: every input step is felt
    x, a0, p = birnn_problem(0.5, "forward")
    expected = influence(lambda x: ref.birnn_forward(x, a0, a0, p)[1], x, eps=1e-6)[4]
    np.testing.assert_allclose(after, np.maximum(expected, 1e-8), rtol=1e-6)
    assert (after[5:] == 1e-8).all() and (after[:5] > 1e-5).all()


def test_explorer_waits_for_the_students_function():
    def stub(*args):
        raise NotImplementedError()

    explorer = BiRNNExplorer(stub)
    assert explorer.message == "birnn_forward is not implemented yet: replace `raise NotImplementedError()` " \
                               "with your code."
    explorer = BiRNNExplorer(lambda x, a0_f, a0_b, p: (x, x, None))
    assert "y_pred" in explorer.message and "shape" in explorer.message
    explorer.birnn_forward = ref.birnn_forward
    explorer.move(direction="backward", t=10)
    assert explorer.message is None
    felt = explorer.plotted("influence")[1] > 1e-8
    assert not felt[:10].any() and felt[10:].all()


def test_a_softmax_right_only_on_two_axes_fails_here_and_its_callers_say_so():
    namespace = {"np": np}
    exec("def softmax(z):  # right on (n_y, m) only: .T reverses every axis of (n_y, m, T_x)\n"
         "    e = np.exp(z.T - np.max(z.T, axis=1, keepdims=True))\n"
         "    return (e / np.sum(e, axis=1, keepdims=True)).T\n"
         + solution_code(read(SOURCE))["teacher_forcing_forward"], namespace)
    # First, before any check of softmax has run: teacher_forcing_forward hands it (n_y, m, T_x).
    with pytest.raises(SelfCheckFailed, match="calls softmax, which fails its own self-check;"):
        check("teacher_forcing_forward", namespace["teacher_forcing_forward"])
    check("softmax", namespace["softmax"])  # rnn_forward's self-check, which asks for (n_y, m) only
    with pytest.raises(SelfCheckFailed, match=r"z of shape \(2, 4, 3\)(.|\n)*z\.T does this on \(n_y, m, T_x\)"):
        check("softmax_all_steps", namespace["softmax"])
    with pytest.raises(SelfCheckFailed, match="calls softmax, which fails its own self-check;"):
        check("teacher_forcing_forward", namespace["teacher_forcing_forward"])


def test_a_self_check_names_every_failing_function_it_calls():
    namespace = {"np": np}
    exec("def softmax(z):\n    return z\n\ndef rnn_states(x, a0, parameters):\n    return 0 * x, None\n"
         + solution_code(read(SOURCE))["rnn_many_to_one_forward"], namespace)
    with pytest.raises(SelfCheckFailed, match="calls rnn_states and softmax, which fail their own self-checks;"):
        check("rnn_many_to_one_forward", namespace["rnn_many_to_one_forward"])


# Each mistake as a student would write it; graded_hint: what the hint of the graded test cell says.
KNOWN = KnownMistakes(ASSIGNMENT, GRADED, [
    Mistake("softmax over the whole batch", "softmax", "np.sum(e, axis=0, keepdims=True)", "np.sum(e)",
            graded_hint="np.sum(e) divides by the sum over the whole array"),
    Mistake("softmax right on (n_y, m) only", "softmax",
            "e = np.exp(z - np.max(z, axis=0, keepdims=True))\n    return e / np.sum(e, axis=0, keepdims=True)",
            "e = np.exp(z.T - np.max(z.T, axis=1, keepdims=True))\n"
            "    return (e / np.sum(e, axis=1, keepdims=True)).T",
            graded_hint="z.T does this on (n_y, m, T_x)"),
    Mistake("seed 002's Wya on a_prev", "seed002_rnn_cell_forward", 'np.dot(p["Waa"], a_prev)',
            'np.dot(p["Wya"], a_prev)',
            graded_hint="Wya multiplies a_prev"),
    Mistake("state never updated", "rnn_states", "np.tanh(Waa @ a_t + ", "np.tanh(Waa @ a0 + ",
            graded_hint="every step was fed a0"),
    Mistake("recurrent gradient dropped", "rnn_states_backward", "(da[:, :, t] + da_next)", "da[:, :, t]",
            graded_hint="the gradient from the next step was dropped"),
    Mistake("wrong tanh derivative", "rnn_states_backward", "(1 - a[:, :, t] ** 2)", "(1 - a[:, :, t])",
            graded_hint="not 1 - a."),
    Mistake("prediction from the first state", "rnn_many_to_one_forward", 'a[:, :, -1] + parameters["by"]',
            'a[:, :, 0] + parameters["by"]',
            graded_hint="y_hat was computed from the first state"),
    Mistake("gradient entering at every step", "rnn_many_to_one_backward",
            'da[:, :, -1] = parameters["Wya"].T @ dz', 'da[:] = (parameters["Wya"].T @ dz)[:, :, None]',
            graded_hint="the output's gradient entered at every step"),
    Mistake("no 1/m in sequence-to-one", "rnn_many_to_one_backward", "(y_hat - y) / y.shape[1]", "(y_hat - y)",
            graded_hint="the gradient is m times too large"),
    Mistake("fed y0 at every step", "output_recurrence_forward", "np.tanh(Way @ y_t + ", "np.tanh(Way @ y0 + ",
            graded_hint="every step was fed y0"),
    Mistake("teacher-forced logits", "teacher_forcing_forward", "y_pred = softmax(", "y_pred = (",
            graded_hint="y_pred holds logits"),
    Mistake("modified y_pred", "teacher_forcing_backward", "dzy = ((y_pred - y) / y.shape[1])",
            "y_pred -= y\n    dzy = (y_pred / y.shape[1])"),
    Mistake("backward states not flipped back", "birnn_forward", "a_b[:, :, ::-1]], axis=0)", "a_b], axis=0)",
            graded_hint="the backward direction's states are still in reversed order"),
    Mistake("dWay from the targets", "teacher_forcing_backward", '"dWay": dz @ y_prev.reshape',
            '"dWay": dz @ y.reshape',
            graded_hint="dWay was built from the targets y"),
    Mistake("backward dx not flipped back", "birnn_backward", 'g_b["dx"][:, :, ::-1]', 'g_b["dx"]',
            graded_hint="the backward direction's dx is in reversed time order"),
    Mistake("halves of da swapped", "birnn_backward",
            "da[:n_a], cache_f)\n    g_b = rnn_states_backward(da[n_a:, :, ::-1]",
            "da[n_a:], cache_f)\n    g_b = rnn_states_backward(da[:n_a, :, ::-1]",
            graded_hint="the two halves of da went to the wrong directions"),
    Mistake("backward upstream gradient not reversed", "birnn_backward", "da[n_a:, :, ::-1]", "da[n_a:]",
            graded_hint="so its upstream gradient must be reversed"),
])


class TestKnownMistakes(KnownMistakesTests):
    known = KNOWN
