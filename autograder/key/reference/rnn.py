"""Reference solution of the course: one vanilla RNN in numpy, in deeplearning.ai's column convention (one
column per example: xt (n_x, m), a_prev (n_a, m), x (n_x, m, T_x)); each function lists its shapes.
No function modifies its arguments.
"""
import numpy as np


def softmax(z):
    """Softmax over axis 0: each column is a probability distribution.

    Arguments:
    z -- logits, array of shape (n_y, m) (any shape whose axis 0 holds the classes)

    Returns:
    p -- array of z's shape; p[:, j] = exp(z[:, j]) / sum(exp(z[:, j]))
    """
    # Subtracting each column's max changes nothing mathematically and keeps exp() <= 1.
    e = np.exp(z - np.max(z, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


def rnn_cell_forward(xt, a_prev, parameters):
    """One time step: a_next = tanh(Waa a_prev + Wax xt + ba), yt_pred = softmax(Wya a_next + by).

    Arguments:
    xt -- input at time t, (n_x, m)
    a_prev -- hidden state at time t-1, (n_a, m)
    parameters -- dict with Waa (n_a, n_a), Wax (n_a, n_x), Wya (n_y, n_a), ba (n_a, 1), by (n_y, 1)

    Returns:
    a_next -- hidden state at time t, (n_a, m)
    yt_pred -- prediction at time t, (n_y, m)
    cache -- (a_next, a_prev, xt, parameters), what rnn_cell_backward needs
    """
    p = parameters
    a_next = np.tanh(p["Waa"] @ a_prev + p["Wax"] @ xt + p["ba"])
    yt_pred = softmax(p["Wya"] @ a_next + p["by"])
    return a_next, yt_pred, (a_next, a_prev, xt, parameters)


def rnn_forward(x, a0, parameters):
    """Run the cell over the whole sequence, feeding each state into the next step.

    Arguments:
    x -- inputs, (n_x, m, T_x)
    a0 -- initial hidden state, (n_a, m)
    parameters -- as in rnn_cell_forward

    Returns:
    a -- hidden states of every step, (n_a, m, T_x)
    y_pred -- predictions of every step, (n_y, m, T_x)
    caches -- (list of the T_x cell caches, x)
    """
    _, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape
    a = np.zeros((n_a, m, T_x))
    y_pred = np.zeros((n_y, m, T_x))
    cell_caches = []
    a_next = a0
    for t in range(T_x):
        a_next, y_pred[:, :, t], cache = rnn_cell_forward(x[:, :, t], a_next, parameters)
        a[:, :, t] = a_next
        cell_caches.append(cache)
    return a, y_pred, (cell_caches, x)


def rnn_cell_backward(da_next, cache):
    """Backward pass of one step's hidden state (the output layer is not part of the cell).

    Arguments:
    da_next -- dL/da_next, (n_a, m)
    cache -- (a_next, a_prev, xt, parameters) from rnn_cell_forward

    Returns:
    gradients -- dict with
        dxt (n_x, m), da_prev (n_a, m), dWax (n_a, n_x), dWaa (n_a, n_a), dba (n_a, 1)
    """
    a_next, a_prev, xt, p = cache
    dz = da_next * (1 - a_next**2)  # tanh'(z) = 1 - tanh(z)^2, and a_next = tanh(z)
    return {
        "dxt": p["Wax"].T @ dz,
        "da_prev": p["Waa"].T @ dz,
        "dWax": dz @ xt.T,
        "dWaa": dz @ a_prev.T,
        "dba": np.sum(dz, axis=1, keepdims=True),
    }


def rnn_backward(da, caches):
    """Backpropagation through time for the hidden states.

    Arguments:
    da -- upstream gradient of every hidden state (from the outputs), (n_a, m, T_x)
    caches -- (list of cell caches, x) from rnn_forward

    Returns:
    gradients -- dict with dx (n_x, m, T_x), da0 (n_a, m), dWax (n_a, n_x), dWaa (n_a, n_a), dba (n_a, 1)
    """
    cell_caches, x = caches
    p = cell_caches[0][3]
    n_a, m, T_x = da.shape
    dx = np.zeros(x.shape)
    dWax, dWaa, dba = np.zeros_like(p["Wax"]), np.zeros_like(p["Waa"]), np.zeros_like(p["ba"])
    da_prev = np.zeros((n_a, m))
    for t in reversed(range(T_x)):
        # a_t feeds both its own output (da[:, :, t]) and the next step (da_prev from step t+1).
        g = rnn_cell_backward(da[:, :, t] + da_prev, cell_caches[t])
        dx[:, :, t] = g["dxt"]
        da_prev = g["da_prev"]
        dWax += g["dWax"]
        dWaa += g["dWaa"]
        dba += g["dba"]
    return {"dx": dx, "da0": da_prev, "dWax": dWax, "dWaa": dWaa, "dba": dba}


def rnn_loss(y_pred, y):
    """Cross-entropy summed over time steps, averaged over the m examples.

    Arguments:
    y_pred -- predicted probabilities, (n_y, m, T_x)
    y -- one-hot targets, (n_y, m, T_x)

    Returns:
    loss -- Python float, -(1/m) * sum over classes, examples and steps of y * log(y_pred)
    """
    m = y.shape[1]
    return float(-np.sum(y * np.log(y_pred)) / m)


def bptt(x, y, a0, parameters):
    """Loss and exact gradients of rnn_loss(rnn_forward(x, a0, parameters)[1], y).

    Arguments:
    x -- inputs, (n_x, m, T_x)
    y -- one-hot targets, (n_y, m, T_x)
    a0 -- initial hidden state, (n_a, m)
    parameters -- as in rnn_cell_forward

    Returns:
    loss -- Python float, as rnn_loss
    gradients -- dict with dWax, dWaa, dWya, dba, dby (shapes of the parameters), da0 (n_a, m), dx (n_x, m, T_x)
    """
    a, y_pred, caches = rnn_forward(x, a0, parameters)
    m = x.shape[1]
    dz_y = (y_pred - y) / m  # softmax + cross-entropy: dL/dz = y_hat - y, then the 1/m of the mean
    dWya = np.einsum("ymt,amt->ya", dz_y, a)
    dby = np.sum(dz_y, axis=(1, 2))[:, None]
    da = np.einsum("ya,ymt->amt", parameters["Wya"], dz_y)
    gradients = rnn_backward(da, caches)
    gradients.update(dWya=dWya, dby=dby)
    return rnn_loss(y_pred, y), gradients
