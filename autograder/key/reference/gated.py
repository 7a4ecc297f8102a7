"""Assignment `lstm_gru`: the gated cells, in deeplearning.ai's column convention. Both read
concat = [a_prev; xt], the state stacked above the input, (n_a + n_x, m).

LSTM parameters: Wf, Wi, Wc, Wo (n_a, n_a + n_x), bf, bi, bc, bo (n_a, 1), Wy (n_y, n_a), by (n_y, 1).
GRU parameters, reset gate before the candidate's matmul (Cho et al. 2014; d2l; Keras with reset_after=False):
Wr, Wz, Wc (n_a, n_a + n_x), br, bz, bc (n_a, 1), Wy (n_y, n_a), by (n_y, 1).

  lstm_cell_forward(xt, a_prev, c_prev, parameters) -> (a_next, c_next, yt_pred, cache)
  lstm_forward(x, a0, parameters)                   -> (a, y, c, caches)
  lstm_cell_backward(da_next, dc_next, cache)       -> dict dxt, da_prev, dc_prev, dWf, dWi, dWc, dWo, dbf, ...
  lstm_backward(da, caches)                         -> dict dx, da0, dWf, dWi, dWc, dWo, dbf, dbi, dbc, dbo
  gru_cell_forward(xt, a_prev, parameters)          -> (a_next, yt_pred, cache)
  gru_forward(x, a0, parameters)                    -> (a, y, caches)
  gru_cell_backward(da_next, cache)                 -> dict dxt, da_prev, dWr, dWz, dWc, dbr, dbz, dbc
  gru_backward(da, caches)                          -> dict dx, da0, dWr, dWz, dWc, dbr, dbz, dbc

As in rnn_backward, the output layer is not part of the backward functions: `da` is the gradient each hidden
state receives from outside the recurrence.
"""
import numpy as np

from autograder.key.reference.rnn import softmax

LSTM_GATES = ("f", "i", "c", "o")
GRU_GATES = ("r", "z", "c")


def sigmoid(z):
    """1 / (1 + exp(-z)), elementwise, written through tanh so that no exp() overflows for large |z|."""
    return 0.5 * (1 + np.tanh(0.5 * z))


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    """One LSTM step.

    Arguments:
    xt -- input at time t, (n_x, m)
    a_prev -- hidden state at time t-1, (n_a, m)
    c_prev -- cell state at time t-1, (n_a, m)
    parameters -- dict with Wf, Wi, Wc, Wo (n_a, n_a + n_x), bf, bi, bc, bo (n_a, 1), Wy (n_y, n_a), by (n_y, 1)

    Returns:
    a_next -- hidden state at time t, ot * tanh(c_next), (n_a, m)
    c_next -- cell state at time t, ft * c_prev + it * cct, (n_a, m)
    yt_pred -- prediction at time t, softmax(Wy a_next + by), (n_y, m)
    cache -- (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters), each gate (n_a, m)
    """
    p = parameters
    concat = np.concatenate([a_prev, xt], axis=0)
    ft = sigmoid(p["Wf"] @ concat + p["bf"])
    it = sigmoid(p["Wi"] @ concat + p["bi"])
    cct = np.tanh(p["Wc"] @ concat + p["bc"])
    ot = sigmoid(p["Wo"] @ concat + p["bo"])
    c_next = ft * c_prev + it * cct
    a_next = ot * np.tanh(c_next)
    yt_pred = softmax(p["Wy"] @ a_next + p["by"])
    return a_next, c_next, yt_pred, (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)


def lstm_forward(x, a0, parameters):
    """Run the LSTM cell over the whole sequence, from a0 and c0 = 0.

    Arguments:
    x -- inputs, (n_x, m, T_x)
    a0 -- initial hidden state, (n_a, m)
    parameters -- as in lstm_cell_forward

    Returns:
    a -- hidden states of every step, (n_a, m, T_x)
    y -- predictions of every step, (n_y, m, T_x)
    c -- cell states of every step, (n_a, m, T_x)
    caches -- (list of the T_x cell caches, x)
    """
    _, m, T_x = x.shape
    n_y, n_a = parameters["Wy"].shape
    a, c, y = np.zeros((n_a, m, T_x)), np.zeros((n_a, m, T_x)), np.zeros((n_y, m, T_x))
    a_next, c_next = a0, np.zeros((n_a, m))
    cell_caches = []
    for t in range(T_x):
        a_next, c_next, y[:, :, t], cache = lstm_cell_forward(x[:, :, t], a_next, c_next, parameters)
        a[:, :, t], c[:, :, t] = a_next, c_next
        cell_caches.append(cache)
    return a, y, c, (cell_caches, x)


def lstm_cell_backward(da_next, dc_next, cache):
    """Backward pass of one LSTM step (the output layer is not part of the cell).

    Arguments:
    da_next -- dL/da_next, (n_a, m)
    dc_next -- dL/dc_next from the step after this one, (n_a, m)
    cache -- from lstm_cell_forward

    Returns:
    gradients -- dict with dxt (n_x, m), da_prev (n_a, m), dc_prev (n_a, m),
                 dWf, dWi, dWc, dWo (n_a, n_a + n_x), dbf, dbi, dbc, dbo (n_a, 1)
    """
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, p = cache
    n_a = a_next.shape[0]
    tanh_c = np.tanh(c_next)
    # c_next reaches the loss two ways: carried to the next step, and through a_next = ot * tanh(c_next).
    dc = dc_next + da_next * ot * (1 - tanh_c**2)
    # Gradients of each gate's pre-activation: the gate's own derivative times what the gate multiplies.
    dz = {"f": dc * c_prev * ft * (1 - ft), "i": dc * cct * it * (1 - it), "c": dc * it * (1 - cct**2),
          "o": da_next * tanh_c * ot * (1 - ot)}
    concat = np.concatenate([a_prev, xt], axis=0)
    dconcat = sum(p["W" + g].T @ dz[g] for g in LSTM_GATES)
    gradients = {"dxt": dconcat[n_a:], "da_prev": dconcat[:n_a], "dc_prev": dc * ft}
    gradients.update({"dW" + g: dz[g] @ concat.T for g in LSTM_GATES})
    gradients.update({"db" + g: dz[g].sum(axis=1, keepdims=True) for g in LSTM_GATES})
    return gradients


def lstm_backward(da, caches):
    """Backpropagation through time for the hidden states of lstm_forward.

    Arguments:
    da -- upstream gradient of every hidden state, (n_a, m, T_x); the cell states get none from outside
    caches -- (list of cell caches, x) from lstm_forward

    Returns:
    gradients -- dict with dx (n_x, m, T_x), da0 (n_a, m), dWf, dWi, dWc, dWo (n_a, n_a + n_x),
                 dbf, dbi, dbc, dbo (n_a, 1)
    """
    cell_caches, x = caches
    p = cell_caches[0][-1]
    n_a, m, T_x = da.shape
    dx = np.zeros(x.shape)
    sums = {k + g: np.zeros_like(p[k[1:] + g]) for k in ("dW", "db") for g in LSTM_GATES}
    da_prev, dc_prev = np.zeros((n_a, m)), np.zeros((n_a, m))
    for t in reversed(range(T_x)):
        g = lstm_cell_backward(da[:, :, t] + da_prev, dc_prev, cell_caches[t])
        dx[:, :, t], da_prev, dc_prev = g["dxt"], g["da_prev"], g["dc_prev"]
        for k in sums:
            sums[k] += g[k]
    return {"dx": dx, "da0": da_prev, **sums}


def gru_cell_forward(xt, a_prev, parameters):
    """One GRU step, the reset gate applied to a_prev before the candidate's matmul.

    Arguments:
    xt -- input at time t, (n_x, m)
    a_prev -- hidden state at time t-1, (n_a, m)
    parameters -- dict with Wr, Wz, Wc (n_a, n_a + n_x), br, bz, bc (n_a, 1), Wy (n_y, n_a), by (n_y, 1)

    Returns:
    a_next -- zt * a_prev + (1 - zt) * cct, (n_a, m): zt near 1 keeps the old state
    yt_pred -- prediction at time t, softmax(Wy a_next + by), (n_y, m)
    cache -- (a_next, a_prev, rt, zt, cct, xt, parameters): rt = sigmoid(Wr [a_prev; xt] + br),
             zt = sigmoid(Wz [a_prev; xt] + bz), cct = tanh(Wc [rt * a_prev; xt] + bc), each (n_a, m)
    """
    p = parameters
    concat = np.concatenate([a_prev, xt], axis=0)
    rt = sigmoid(p["Wr"] @ concat + p["br"])
    zt = sigmoid(p["Wz"] @ concat + p["bz"])
    cct = np.tanh(p["Wc"] @ np.concatenate([rt * a_prev, xt], axis=0) + p["bc"])
    a_next = zt * a_prev + (1 - zt) * cct
    yt_pred = softmax(p["Wy"] @ a_next + p["by"])
    return a_next, yt_pred, (a_next, a_prev, rt, zt, cct, xt, parameters)


def gru_forward(x, a0, parameters):
    """Run the GRU cell over the whole sequence.

    Arguments:
    x -- inputs, (n_x, m, T_x)
    a0 -- initial hidden state, (n_a, m)
    parameters -- as in gru_cell_forward

    Returns:
    a -- hidden states of every step, (n_a, m, T_x)
    y -- predictions of every step, (n_y, m, T_x)
    caches -- (list of the T_x cell caches, x)
    """
    _, m, T_x = x.shape
    n_y, n_a = parameters["Wy"].shape
    a, y = np.zeros((n_a, m, T_x)), np.zeros((n_y, m, T_x))
    a_next = a0
    cell_caches = []
    for t in range(T_x):
        a_next, y[:, :, t], cache = gru_cell_forward(x[:, :, t], a_next, parameters)
        a[:, :, t] = a_next
        cell_caches.append(cache)
    return a, y, (cell_caches, x)


def gru_cell_backward(da_next, cache):
    """Backward pass of one GRU step (the output layer is not part of the cell).

    Arguments:
    da_next -- dL/da_next, (n_a, m)
    cache -- from gru_cell_forward

    Returns:
    gradients -- dict with dxt (n_x, m), da_prev (n_a, m), dWr, dWz, dWc (n_a, n_a + n_x), dbr, dbz, dbc (n_a, 1)
    """
    a_next, a_prev, rt, zt, cct, xt, p = cache
    n_a = a_next.shape[0]
    dzc = da_next * (1 - zt) * (1 - cct**2)
    dzz = da_next * (a_prev - cct) * zt * (1 - zt)
    dcandidate_in = p["Wc"].T @ dzc  # gradient of [rt * a_prev; xt]
    dzr = dcandidate_in[:n_a] * a_prev * rt * (1 - rt)
    concat = np.concatenate([a_prev, xt], axis=0)
    dconcat = p["Wr"].T @ dzr + p["Wz"].T @ dzz
    # a_prev reaches a_next three ways: kept by zt, through rt * a_prev in the candidate, and through the gates.
    da_prev = da_next * zt + dcandidate_in[:n_a] * rt + dconcat[:n_a]
    return {"dxt": dcandidate_in[n_a:] + dconcat[n_a:], "da_prev": da_prev,
            "dWr": dzr @ concat.T, "dWz": dzz @ concat.T,
            "dWc": dzc @ np.concatenate([rt * a_prev, xt], axis=0).T,
            "dbr": dzr.sum(axis=1, keepdims=True), "dbz": dzz.sum(axis=1, keepdims=True),
            "dbc": dzc.sum(axis=1, keepdims=True)}


def gru_backward(da, caches):
    """Backpropagation through time for the hidden states of gru_forward.

    Arguments:
    da -- upstream gradient of every hidden state, (n_a, m, T_x)
    caches -- (list of cell caches, x) from gru_forward

    Returns:
    gradients -- dict with dx (n_x, m, T_x), da0 (n_a, m), dWr, dWz, dWc (n_a, n_a + n_x), dbr, dbz, dbc (n_a, 1)
    """
    cell_caches, x = caches
    p = cell_caches[0][-1]
    n_a, m, T_x = da.shape
    dx = np.zeros(x.shape)
    sums = {k + g: np.zeros_like(p[k[1:] + g]) for k in ("dW", "db") for g in GRU_GATES}
    da_prev = np.zeros((n_a, m))
    for t in reversed(range(T_x)):
        g = gru_cell_backward(da[:, :, t] + da_prev, cell_caches[t])
        dx[:, :, t], da_prev = g["dxt"], g["da_prev"]
        for k in sums:
            sums[k] += g[k]
    return {"dx": dx, "da0": da_prev, **sums}
