"""The reference solution, proven right by three independent witnesses:
seed 000's worked numbers, centered finite differences, and the autograd library."""
import copy

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from autograder.key import reference as ref
from course.gradcheck import numerical_gradient, relative_error
from course.toy import random_problem, seed000_example


def seed000_run(inputs):
    """States, pre-activations and linear outputs of seed 000's network, computed with the reference cell."""
    p, _ = seed000_example()
    a = np.zeros((2, 1))
    states, outputs = [], []
    for x in inputs:
        a, _, _ = ref.rnn_cell_forward(np.array([[x]]), a, p)
        states.append(a.ravel())
        outputs.append((p["Wya"] @ a + p["by"]).item())
    return np.array(states), np.array(outputs)


def test_seed000_running_the_code_gives_these_numbers():
    states, outputs = seed000_run([1, 2])
    np.testing.assert_allclose(states, [[0.53704957, 0.46211716], [0.85973818, 0.88366641]], atol=1e-8)
    np.testing.assert_allclose(outputs, [1.07793927, 1.95330664], atol=1e-8)


def test_seed000_printed_numbers_are_steps_3_and_4_of_a_rerun():
    # The article printed the output of its loop run a second time without resetting `state`.
    states, outputs = seed000_run([1, 2, 1, 2])
    p, _ = seed000_example()
    pre = p["Waa"] @ states[1] + p["Wax"].ravel() * 1 + p["ba"].ravel()
    np.testing.assert_allclose(pre, [0.95107374, 1.0254142], atol=1e-7)
    np.testing.assert_allclose(states[2:], [[0.74026877, 0.7720626], [0.88656589, 0.91491336]], atol=1e-7)
    np.testing.assert_allclose(outputs[2:], [1.71815207, 2.0184833], atol=1e-7)


def test_softmax_columns_sum_to_one_and_survive_huge_logits():
    z = np.array([[1000.0, -1000.0, 0.0], [1001.0, -1002.0, 0.0]])
    p = ref.softmax(z)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=0), 1.0)
    np.testing.assert_allclose(p[:, 0], [1 / (1 + np.e), np.e / (1 + np.e)])


SHAPES = [  # n_x, n_a, n_y, m, T_x: n_x != n_a and ==, m = 1 and > 1, T_x = 1 and > 1
    (3, 5, 2, 4, 6),
    (4, 4, 3, 1, 1),
    (2, 3, 4, 1, 5),
    (5, 5, 2, 3, 1),
]


def loss_of(x, y, a0, p):
    return ref.rnn_loss(ref.rnn_forward(x, a0, p)[1], y)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "nx{}-na{}-ny{}-m{}-T{}".format(*s))
def test_bptt_matches_finite_differences(shape):
    rng = np.random.default_rng(sum(shape))
    x, y, a0, p = random_problem(*shape, rng)
    loss, grads = ref.bptt(x, y, a0, p)
    assert loss == pytest.approx(loss_of(x, y, a0, p))
    wrt = dict(p, a0=a0, x=x)
    for name, array in wrt.items():
        numeric = numerical_gradient(lambda: loss_of(x, y, a0, p), array)
        err = relative_error(grads["d" + name], numeric)
        assert err < 1e-7, f"d{name}: relative error {err:.2e}"


def autograd_loss(Waa, Wax, Wya, ba, by, a0, x, y):
    """The same model written independently with autograd.numpy (no code shared with the reference)."""
    a, total = a0, 0.0
    for t in range(x.shape[2]):
        a = anp.tanh(anp.dot(Waa, a) + anp.dot(Wax, x[:, :, t]) + ba)
        z = anp.dot(Wya, a) + by
        log_p = z - anp.log(anp.sum(anp.exp(z), axis=0))  # log-softmax; logits here are small
        total = total - anp.sum(y[:, :, t] * log_p)
    return total / x.shape[1]


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "nx{}-na{}-ny{}-m{}-T{}".format(*s))
def test_bptt_matches_autograd(shape):
    rng = np.random.default_rng(100 + sum(shape))
    x, y, a0, p = random_problem(*shape, rng)
    names = ["Waa", "Wax", "Wya", "ba", "by", "a0", "x"]
    args = [p[k] for k in names[:5]] + [a0, x, y]
    loss, grads = ref.bptt(x, y, a0, p)
    assert loss == pytest.approx(autograd_loss(*args), rel=1e-12)
    for i, name in enumerate(names):
        np.testing.assert_allclose(grads["d" + name], autograd.grad(autograd_loss, i)(*args),
                                   rtol=1e-9, atol=1e-12, err_msg=f"d{name}")


def test_no_function_modifies_its_arguments():
    rng = np.random.default_rng(7)
    x, y, a0, p = random_problem(3, 4, 2, 2, 3, rng)
    args = (x, y, a0, p)
    before = copy.deepcopy(args)
    _, y_pred, caches = ref.rnn_forward(x, a0, p)
    ref.bptt(*args)
    ref.rnn_backward(np.ones((4, 2, 3)), caches)
    ref.rnn_loss(y_pred, y)
    for b, a in zip(before[:3], args[:3]):
        np.testing.assert_array_equal(a, b)
    for k in p:
        np.testing.assert_array_equal(p[k], before[3][k])
