"""The LSTM and GRU reference (autograder/key/reference/gated.py), proven right by two witnesses that share no
code with it: centered finite differences of every gradient its backward functions return, and the autograd
library differentiating the docstrings' equations, written again below. Also: the shapes are the docstrings'
and no function modifies its arguments."""
import copy

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from autograder.key import reference as ref
from course.gradcheck import numerical_gradient, relative_error

SHAPES = [(3, 5, 2, 4, 6), (1, 1, 1, 1, 1), (4, 2, 3, 1, 7), (2, 6, 4, 3, 3)]  # n_x, n_a, n_y, m, T_x
IDS = ["nx{}-na{}-ny{}-m{}-T{}".format(*s) for s in SHAPES]
GATES = {"lstm": "fico", "gru": "rzc"}
FUNCTIONS = ["lstm_cell", "lstm", "gru_cell", "gru"]  # a cell's backward, or the whole sequence's


def problem(function, shape):
    """(wrt, fixed): what the gradients are taken with respect to (the gates' W and b, the input, the initial
    state), and the rest: Wy, by and the upstream gradients R of a (and Rc of the LSTM cell's c_next)."""
    n_x, n_a, n_y, m, T_x = shape
    rng = np.random.default_rng([FUNCTIONS.index(function), *shape])
    family, cell = function.split("_")[0], function.endswith("cell")
    wrt = {"W" + g: rng.normal(0, 0.5, (n_a, n_a + n_x)) for g in GATES[family]}
    wrt.update({"b" + g: rng.normal(0, 0.5, (n_a, 1)) for g in GATES[family]})
    if cell:
        wrt.update(xt=rng.normal(size=(n_x, m)), a_prev=rng.normal(size=(n_a, m)))
        if family == "lstm":
            wrt["c_prev"] = rng.normal(size=(n_a, m))
    else:
        wrt.update(x=rng.normal(size=(n_x, m, T_x)), a0=rng.normal(size=(n_a, m)))
    fixed = {"Wy": rng.normal(0, 0.5, (n_y, n_a)), "by": rng.normal(0, 0.5, (n_y, 1)),
             "R": rng.normal(size=(n_a, m) if cell else (n_a, m, T_x)), "Rc": rng.normal(size=(n_a, m))}
    return wrt, fixed


def parameters(wrt, fixed):
    return {k: v for k, v in {**wrt, **fixed}.items() if k[0] in "Wb"}


def reference(function, wrt, fixed):
    """The reference's loss sum(a * R) (+ sum(c_next * Rc) for the LSTM cell), its forward outputs, and the
    arguments of its backward function: upstream gradients R (= dL/da) and Rc, then the cache(s)."""
    p, v, R, Rc = parameters(wrt, fixed), wrt, fixed["R"], fixed["Rc"]
    if function == "lstm_cell":
        a, c, y, cache = ref.lstm_cell_forward(v["xt"], v["a_prev"], v["c_prev"], p)
        return np.sum(a * R) + np.sum(c * Rc), (a, c, y), (R, Rc, cache)
    if function == "lstm":
        a, y, c, caches = ref.lstm_forward(v["x"], v["a0"], p)
        return np.sum(a * R), (a, c, y), (R, caches)
    if function == "gru_cell":
        a, y, cache = ref.gru_cell_forward(v["xt"], v["a_prev"], p)
        return np.sum(a * R), (a, y), (R, cache)
    a, y, caches = ref.gru_forward(v["x"], v["a0"], p)
    return np.sum(a * R), (a, y), (R, caches)


def backward(function, wrt, fixed):
    return getattr(ref, function + "_backward")(*reference(function, wrt, fixed)[2])


# The witness model: the docstrings' equations in autograd.numpy, sharing no code with gated.py
# (a plain exp sigmoid, a plain softmax, every step unrolled in one function).
def sigmoid(z):
    return 1 / (1 + anp.exp(-z))


def softmax(z):
    e = anp.exp(z)
    return e / anp.sum(e, axis=0)


def run(family, q, a, c, x):
    """Hidden states, cell states (LSTM) and predictions, each (n, m, T_x), from a0 = a, c0 = c."""
    states, cells, predictions = [], [], []
    for t in range(x.shape[2]):
        xt = x[:, :, t]
        concat = anp.concatenate([a, xt], axis=0)
        if family == "lstm":
            ft, it, ot = (sigmoid(anp.dot(q["W" + g], concat) + q["b" + g]) for g in "fio")
            c = ft * c + it * anp.tanh(anp.dot(q["Wc"], concat) + q["bc"])
            a = ot * anp.tanh(c)
        else:
            rt, zt = (sigmoid(anp.dot(q["W" + g], concat) + q["b" + g]) for g in "rz")
            cct = anp.tanh(anp.dot(q["Wc"], anp.concatenate([rt * a, xt], axis=0)) + q["bc"])
            a = zt * a + (1 - zt) * cct
        states.append(a)
        cells.append(c)
        predictions.append(softmax(anp.dot(q["Wy"], a) + q["by"]))
    outputs = (states, cells, predictions) if family == "lstm" else (states, predictions)
    return tuple(anp.stack(o, axis=2) for o in outputs)


def witness(function, wrt, fixed):
    """(loss, forward outputs) of the witness model, in the reference's order."""
    family, q = function.split("_")[0], {**wrt, **fixed}
    if function.endswith("cell"):
        c_prev = q.get("c_prev", 0.0)
        outputs = tuple(o[:, :, 0] for o in run(family, q, q["a_prev"], c_prev, q["xt"][:, :, None]))
        extra = anp.sum(outputs[1] * q["Rc"]) if family == "lstm" else 0.0
    else:
        outputs, extra = run(family, q, q["a0"], anp.zeros(q["a0"].shape), q["x"]), 0.0
    return anp.sum(outputs[0] * q["R"]) + extra, outputs


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_gradient_matches_finite_differences(function, shape):
    wrt, fixed = problem(function, shape)
    gradients = backward(function, wrt, fixed)
    assert set(gradients) == {"d" + k for k in wrt}, f"{function}_backward returns {sorted(gradients)}"
    for name, array in wrt.items():
        numeric = numerical_gradient(lambda: reference(function, wrt, fixed)[0], array)
        err = relative_error(gradients["d" + name], numeric)
        assert err < 1e-7, f"{function}_backward d{name}: relative error {err:.2e} against finite differences"


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
@pytest.mark.parametrize("function", FUNCTIONS)
def test_forward_and_every_gradient_match_autograd(function, shape):
    wrt, fixed = problem(function, shape)
    loss, outputs, _ = reference(function, wrt, fixed)
    witness_loss, witness_outputs = witness(function, wrt, fixed)
    assert loss == pytest.approx(witness_loss, rel=1e-12, abs=1e-12), f"{function}: loss"
    for i, (mine, theirs) in enumerate(zip(outputs, witness_outputs)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-14, err_msg=f"{function} forward output {i}")
    expected = autograd.grad(lambda v: witness(function, v, fixed)[0])(wrt)
    gradients = backward(function, wrt, fixed)
    for name in wrt:
        err = relative_error(gradients["d" + name], expected[name])
        assert err < 1e-10, f"{function}_backward d{name}: relative error {err:.2e} against autograd"


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_shapes_are_the_docstrings(shape):
    n_x, n_a, n_y, m, T_x = shape
    column, sequence = (n_a, m), (n_a, m, T_x)
    gradient_shapes = {"dxt": (n_x, m), "da_prev": column, "dc_prev": column, "dx": (n_x, m, T_x), "da0": column}
    for function in FUNCTIONS:
        wrt, fixed = problem(function, shape)
        _, outputs, args = reference(function, wrt, fixed)
        state, y = (column, (n_y, m)) if function.endswith("cell") else (sequence, (n_y, m, T_x))
        expected = (state, state, y) if function.startswith("lstm") else (state, y)
        assert tuple(o.shape for o in outputs) == expected, f"{function}_forward: output shapes"
        cache = args[-1] if function.endswith("cell") else args[-1][0][-1]
        gates = cache[4:8] if function.startswith("lstm") else cache[2:5]  # ft, it, cct, ot / rt, zt, cct
        assert all(g.shape == column for g in gates), f"{function}: the cache's gates"
        shapes = {k: g.shape for k, g in backward(function, wrt, fixed).items()}
        expected = {k: gradient_shapes.get(k, (n_a, n_a + n_x) if k[1] == "W" else (n_a, 1)) for k in shapes}
        assert shapes == expected, f"{function}_backward: gradient shapes"


def test_no_function_modifies_its_arguments():
    for function in FUNCTIONS:
        wrt, fixed = problem(function, (3, 4, 2, 2, 3))
        before = copy.deepcopy((wrt, fixed))
        args = reference(function, wrt, fixed)[2]
        args_before = copy.deepcopy(args)
        getattr(ref, function + "_backward")(*args)
        np.testing.assert_equal((wrt, fixed), before, err_msg=f"{function}_forward or _backward changed an argument")
        np.testing.assert_equal(args, args_before, err_msg=f"{function}_backward changed da or the cache")
