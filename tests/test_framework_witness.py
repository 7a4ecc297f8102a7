"""A third-party witness: Keras' own recurrent layers, given the reference's weights, compute the reference's
states. rnn_forward equals SimpleRNN, the LSTM equals LSTM (hidden and cell states), the GRU equals
GRU(reset_after=False), each from a nonzero initial state; the sigmoids agree. And seed 004's "output == state":
a simple RNN's output sequence is its state sequence.

Keras runs on its numpy backend (no TensorFlow). There it computes in float32 whatever floatx says: Keras 3.15's
dtype promotion turns float64 into float32 on every backend but TensorFlow (keras/src/backend/common/dtypes.py,
BIT64_TO_BIT32_DTYPE). So the problems are float32 numbers, which the course reads exactly in float64, and the
only gap left is Keras' float32 rounding: within 1e-6 of the states, which are of order 1."""
import os

import numpy as np
import pytest

from autograder.key import reference as ref
from course.toy import random_parameters

os.environ["KERAS_BACKEND"] = "numpy"  # read when keras is imported: no TensorFlow, no PyTorch
keras = pytest.importorskip("keras", reason="the `witness` extra of pyproject.toml, which ./run test installs")

SHAPES = [(3, 5, 2, 4, 6), (1, 1, 1, 1, 1), (4, 2, 3, 1, 7)]  # n_x, n_a, n_y, m, T_x
IDS = ["nx{}-na{}-ny{}-m{}-T{}".format(*s) for s in SHAPES]


def float32(a):
    return a.astype(np.float32).astype(np.float64)


def problem(shape, gates):
    """x (n_x, m, T_x), a nonzero a0 (n_a, m), the gates' W (n_a, n_a + n_x) and b (n_a, 1), Wy, by."""
    n_x, n_a, n_y, m, T_x = shape
    rng = np.random.default_rng([len(gates), *shape])
    p = {"W" + g: rng.normal(0, 0.5, (n_a, n_a + n_x)) for g in gates}
    p.update({"b" + g: rng.normal(0, 0.5, (n_a, 1)) for g in gates})
    p.update(Wy=rng.normal(0, 0.5, (n_y, n_a)), by=rng.normal(0, 0.5, (n_y, 1)))
    p = {k: float32(v) for k, v in p.items()}
    return float32(rng.normal(size=(n_x, m, T_x))), float32(rng.normal(size=(n_a, m))), p


def rows(x):
    """Keras is row-per-example: (n_x, m, T_x) -> (m, T_x, n_x), or a state (n_a, m) -> (m, n_a)."""
    return np.transpose(x, (1, 2, 0) if x.ndim == 3 else (1, 0)).astype(np.float32)


def columns(sequence):
    """Back to the course's convention: (m, T_x, n_a) -> (n_a, m, T_x)."""
    return np.transpose(np.asarray(sequence, dtype=np.float64), (2, 0, 1))


def keras_weights(p, gates, n_a):
    """concat = [a_prev; xt], so W[:, :n_a] multiplies the state and W[:, n_a:] the input. Keras computes
    x @ kernel + h @ recurrent_kernel + bias, its gates side by side in its own order."""
    kernel = np.concatenate([p["W" + g][:, n_a:].T for g in gates], axis=1)
    recurrent_kernel = np.concatenate([p["W" + g][:, :n_a].T for g in gates], axis=1)
    return [kernel, recurrent_kernel, np.concatenate([p["b" + g].ravel() for g in gates])]


def layer(kind, weights, shape, **options):
    n_x, n_a, _, m, T_x = shape
    rnn = kind(n_a, return_sequences=True, return_state=True, dtype="float32", **options)
    rnn.build((m, T_x, n_x))
    rnn.set_weights(weights)  # refuses weights of any other shape
    return rnn


def assert_close(course, theirs, what):
    theirs = np.asarray(theirs, dtype=np.float64)
    gap = np.max(np.abs(course - theirs))
    assert np.allclose(course, theirs, rtol=1e-6, atol=1e-6), f"{what}: the course and Keras differ by {gap:.1e}"


def simple_rnn(shape):
    """x, a nonzero a0, the course's vanilla RNN parameters, and a SimpleRNN (tanh, its default) holding them."""
    n_x, n_a, n_y, m, T_x = shape
    rng = np.random.default_rng(shape)
    p = {k: float32(v) for k, v in random_parameters(n_x, n_a, n_y, rng).items()}
    x, a0 = float32(rng.normal(size=(n_x, m, T_x))), float32(rng.normal(size=(n_a, m)))
    return x, a0, p, layer(keras.layers.SimpleRNN, [p["Wax"].T, p["Waa"].T, p["ba"].ravel()], shape)


def test_keras_runs_on_numpy():
    assert keras.backend.backend() == "numpy", "keras was imported before this module set KERAS_BACKEND"


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_rnn_forward_is_keras_simple_rnn(shape):
    x, a0, p, rnn = simple_rnn(shape)
    sequence, _ = rnn(rows(x), initial_state=rows(a0))
    assert_close(ref.rnn_forward(x, a0, p)[0], columns(sequence), "rnn_forward's a against SimpleRNN")


def test_seed004_a_simple_rnn_output_is_its_state():
    x, a0, _, rnn = simple_rnn((3, 4, 2, 2, 5))
    sequence, final_state = rnn(rows(x), initial_state=rows(a0))
    np.testing.assert_array_equal(final_state, sequence[:, -1], err_msg="the last output is not the final state")
    h = rows(a0)
    for t in range(x.shape[2]):  # the cell returns (output, [state]), seed 004's (g, out_m): one array twice
        output, (state,) = rnn.cell(rows(x)[:, t], [h])
        assert output is state, f"step {t}: the cell's output and its new state are different arrays"
        np.testing.assert_array_equal(output, sequence[:, t], err_msg=f"step {t}: the cell's output")
        h = sequence[:, t]  # the previous output, fed back as the state, gives the next output


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_lstm_forward_is_keras_lstm(shape):
    x, a0, p = problem(shape, "fico")
    a, _, c, _ = ref.lstm_forward(x, a0, p)
    rnn = layer(keras.layers.LSTM, keras_weights(p, "ifco", shape[1]), shape)  # Keras' gate order: i, f, c, o
    start = [rows(a0), np.zeros_like(rows(a0))]  # the course starts from c0 = 0
    sequence, _, _ = rnn(rows(x), initial_state=start)
    assert_close(a, columns(sequence), "lstm_forward's a against LSTM")
    for t in range(x.shape[2]):  # return_state gives the last step's states: run each prefix of the sequence
        _, h_t, c_t = rnn(rows(x)[:, : t + 1], initial_state=start)
        assert_close(a[:, :, t], np.asarray(h_t).T, f"lstm_forward's a at step {t} against LSTM's state")
        assert_close(c[:, :, t], np.asarray(c_t).T, f"lstm_forward's c at step {t} against LSTM's cell state")


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_gru_forward_is_keras_gru_with_the_reset_gate_before_the_matmul(shape):
    x, a0, p = problem(shape, "rzc")
    a = ref.gru_forward(x, a0, p)[0]
    # Keras: h = z * h_prev + (1 - z) * tanh(x W_h + (r * h_prev) U_h + b_h), the course's a_next; gates z, r, h
    rnn = layer(keras.layers.GRU, keras_weights(p, "zrc", shape[1]), shape, reset_after=False)
    sequence, final_state = rnn(rows(x), initial_state=rows(a0))
    assert_close(a, columns(sequence), "gru_forward's a against GRU(reset_after=False)")
    assert_close(a[:, :, -1], np.asarray(final_state).T, "gru_forward's last a against GRU's final state")


def test_the_reference_sigmoid_is_keras_sigmoid():
    z = np.linspace(-40, 40, 8001, dtype=np.float32)
    theirs = np.asarray(keras.activations.sigmoid(z), dtype=np.float64)
    # atol: the reference's 0.5 * (1 + tanh(z / 2)) is exact to 1e-16 in absolute terms only; below z = -24
    # its 1 + tanh cancels, and Keras' float32 1 / (1 + exp(-z)) is the closer of the two in relative terms
    np.testing.assert_allclose(ref.sigmoid(z.astype(np.float64)), theirs, rtol=1e-6, atol=1e-16,
                               err_msg="the reference's sigmoid against Keras'")
