"""Assignment `architectures`: the same tanh recurrence wired three other ways (seed 001's patterns),
and fixed versions of published code. Its notebook lists these functions with their shapes.

  rnn_states(x, a0, parameters)                -> (a (n_a, m, T_x), cache)       recurrence, no outputs
  rnn_states_backward(da, cache)               -> dict dx, da0, dWaa, dWax, dba
  rnn_many_to_one_forward(x, a0, parameters)   -> (y_hat (n_y, m), cache)         one output, at the end
  rnn_many_to_one_backward(y, y_hat, cache)    -> dict dWaa, dWax, dWya, dba, dby, da0, dx
  output_recurrence_forward(x, y0, parameters) -> (a, y_pred)                     fed its own last output
  teacher_forcing_forward(x, y_prev, parameters) -> (a, y_pred, cache)            fed the true last output
  teacher_forcing_backward(y, y_pred, cache)   -> dict dWay, dWax, dWya, dba, dby, dx
  birnn_forward(x, a0_f, a0_b, parameters)     -> (a (2 n_a, m, T_x), y_pred, caches)
  birnn_backward(y, y_pred, caches)            -> dict of the 8 parameter gradients, da0_f, da0_b, dx
  seed002_rnn_cell_forward(xt, a_prev, parameters) -> (a_next, yt_pred)           seed 002's listing, fixed

Losses are the contract's: cross-entropy averaged over the m examples (and summed over time steps).
Output-recurrence parameters: Way (n_a, n_y), Wax (n_a, n_x), Wya (n_y, n_a), ba (n_a, 1), by (n_y, 1).
Bidirectional parameters: Waa_f, Waa_b (n_a, n_a), Wax_f, Wax_b (n_a, n_x), ba_f, ba_b (n_a, 1),
Wya (n_y, 2 n_a) reading the stacked states [a_f; a_b], by (n_y, 1).
"""
import numpy as np

from autograder.key.reference.rnn import rnn_cell_forward, softmax


def rnn_states(x, a0, parameters):
    """The hidden states of the tanh recurrence a_t = tanh(Waa a_{t-1} + Wax x_t + ba), with no output layer.

    Arguments:
    x -- inputs, (n_x, m, T_x)
    a0 -- initial hidden state, (n_a, m)
    parameters -- dict with Waa (n_a, n_a), Wax (n_a, n_x), ba (n_a, 1); other keys are ignored

    Returns:
    a -- hidden states, (n_a, m, T_x); a[:, :, t] is the state after reading x[:, :, t]
    cache -- (a, x, a0, parameters), what rnn_states_backward needs
    """
    n_a, (_, m, T_x) = a0.shape[0], x.shape
    a = np.zeros((n_a, m, T_x))
    a_prev = a0
    for t in range(T_x):
        a_prev = np.tanh(parameters["Waa"] @ a_prev + parameters["Wax"] @ x[:, :, t] + parameters["ba"])
        a[:, :, t] = a_prev
    return a, (a, x, a0, parameters)


def rnn_states_backward(da, cache):
    """Backpropagation through time of rnn_states.

    Arguments:
    da -- dL/da from outside the recurrence (the outputs), (n_a, m, T_x); zero where a state has no output
    cache -- (a, x, a0, parameters) from rnn_states

    Returns:
    gradients -- dict with dx (n_x, m, T_x), da0 (n_a, m), dWaa (n_a, n_a), dWax (n_a, n_x), dba (n_a, 1)
    """
    a, x, a0, p = cache
    dx = np.zeros(x.shape)
    dWaa, dWax, dba = np.zeros_like(p["Waa"]), np.zeros_like(p["Wax"]), np.zeros_like(p["ba"])
    da_prev = np.zeros(a0.shape)
    for t in reversed(range(a.shape[2])):
        a_prev = a[:, :, t - 1] if t > 0 else a0
        dz = (da[:, :, t] + da_prev) * (1 - a[:, :, t] ** 2)
        dx[:, :, t] = p["Wax"].T @ dz
        dWaa += dz @ a_prev.T
        dWax += dz @ x[:, :, t].T
        dba += dz.sum(axis=1, keepdims=True)
        da_prev = p["Waa"].T @ dz
    return {"dx": dx, "da0": da_prev, "dWaa": dWaa, "dWax": dWax, "dba": dba}


def rnn_many_to_one_forward(x, a0, parameters):
    """Sequence-to-one (seed 001's third pattern): read the whole sequence, predict once from the last state.

    Arguments:
    x -- inputs, (n_x, m, T_x)
    a0 -- initial hidden state, (n_a, m)
    parameters -- dict with Waa, Wax, Wya, ba, by in the contract's shapes

    Returns:
    y_hat -- softmax(Wya a_T + by), the prediction for each example, (n_y, m)
    cache -- the cache of rnn_states, (a, x, a0, parameters)
    """
    a, cache = rnn_states(x, a0, parameters)
    return softmax(parameters["Wya"] @ a[:, :, -1] + parameters["by"]), cache


def rnn_many_to_one_backward(y, y_hat, cache):
    """Exact gradients of the loss -(1/m) sum(y * log(y_hat)) of rnn_many_to_one_forward.

    Arguments:
    y -- one-hot targets, (n_y, m)
    y_hat -- predictions from rnn_many_to_one_forward, (n_y, m)
    cache -- (a, x, a0, parameters) from rnn_many_to_one_forward

    Returns:
    gradients -- dict with dWaa, dWax, dWya, dba, dby (shapes of the parameters), da0 (n_a, m), dx (n_x, m, T_x)
    """
    a, _, _, p = cache
    dz_y = (y_hat - y) / y.shape[1]
    # Only the last state feeds the output, so the gradient from outside enters at t = T_x - 1 alone.
    da = np.zeros(a.shape)
    da[:, :, -1] = p["Wya"].T @ dz_y
    gradients = rnn_states_backward(da, cache)
    gradients.update(dWya=dz_y @ a[:, :, -1].T, dby=dz_y.sum(axis=1, keepdims=True))
    return gradients


def output_recurrence_forward(x, y0, parameters):
    """Output recurrence (seed 001's second pattern), free-running: each step is fed the previous prediction.

    a_t = tanh(Way y_{t-1} + Wax x_t + ba), y_t = softmax(Wya a_t + by), with y_{-1} = y0.

    Arguments:
    x -- inputs, (n_x, m, T_x)
    y0 -- the "previous output" fed to the first step, (n_y, m)
    parameters -- dict with Way (n_a, n_y), Wax (n_a, n_x), Wya (n_y, n_a), ba (n_a, 1), by (n_y, 1)

    Returns:
    a -- hidden states, (n_a, m, T_x)
    y_pred -- predictions, (n_y, m, T_x)
    """
    p = parameters
    _, m, T_x = x.shape
    a, y_pred = np.zeros((p["Wax"].shape[0], m, T_x)), np.zeros((p["Wya"].shape[0], m, T_x))
    y_prev = y0
    for t in range(T_x):
        a[:, :, t] = np.tanh(p["Way"] @ y_prev + p["Wax"] @ x[:, :, t] + p["ba"])
        y_pred[:, :, t] = y_prev = softmax(p["Wya"] @ a[:, :, t] + p["by"])
    return a, y_pred


def teacher_forcing_forward(x, y_prev, parameters):
    """Output recurrence with teacher forcing: step t is fed y_prev[:, :, t], the TRUE previous output, so no
    step waits for another and all T_x steps are computed at once.

    Arguments:
    x -- inputs, (n_x, m, T_x)
    y_prev -- what each step is fed, (n_y, m, T_x): y0 at t = 0, then the targets shifted by one step
    parameters -- as in output_recurrence_forward

    Returns:
    a -- hidden states, (n_a, m, T_x)
    y_pred -- predictions, (n_y, m, T_x)
    cache -- (a, y_prev, x, parameters), what teacher_forcing_backward needs
    """
    p = parameters
    z = np.einsum("ay,ymt->amt", p["Way"], y_prev) + np.einsum("ax,xmt->amt", p["Wax"], x)
    a = np.tanh(z + p["ba"][:, :, None])
    y_pred = softmax(np.einsum("ya,amt->ymt", p["Wya"], a) + p["by"][:, :, None])
    return a, y_pred, (a, y_prev, x, parameters)


def teacher_forcing_backward(y, y_pred, cache):
    """Exact gradients of rnn_loss(y_pred, y) for teacher_forcing_forward. The fed outputs are data, so no
    gradient flows from one step to another: every step is an independent two-layer network.

    Arguments:
    y -- one-hot targets, (n_y, m, T_x)
    y_pred -- predictions from teacher_forcing_forward, (n_y, m, T_x)
    cache -- (a, y_prev, x, parameters) from teacher_forcing_forward

    Returns:
    gradients -- dict with dWay, dWax, dWya, dba, dby (shapes of the parameters), dx (n_x, m, T_x)
    """
    a, y_prev, x, p = cache
    dz_y = (y_pred - y) / y.shape[1]
    dz = np.einsum("ya,ymt->amt", p["Wya"], dz_y) * (1 - a**2)
    return {
        "dWay": np.einsum("amt,ymt->ay", dz, y_prev),
        "dWax": np.einsum("amt,xmt->ax", dz, x),
        "dWya": np.einsum("ymt,amt->ya", dz_y, a),
        "dba": dz.sum(axis=(1, 2))[:, None],
        "dby": dz_y.sum(axis=(1, 2))[:, None],
        "dx": np.einsum("ax,amt->xmt", p["Wax"], dz),
    }


def _direction(parameters, suffix):
    return {"Waa": parameters["Waa" + suffix], "Wax": parameters["Wax" + suffix], "ba": parameters["ba" + suffix]}


def birnn_forward(x, a0_f, a0_b, parameters):
    """Bidirectional RNN: one recurrence reads x forward in time, another reads it backward, and the output
    at step t reads both states, which between them have seen the whole sequence.

    Arguments:
    x -- inputs, (n_x, m, T_x)
    a0_f -- initial state of the forward direction (before step 0), (n_a, m)
    a0_b -- initial state of the backward direction (after step T_x - 1), (n_a, m)
    parameters -- dict with Waa_f, Waa_b (n_a, n_a), Wax_f, Wax_b (n_a, n_x), ba_f, ba_b (n_a, 1),
                  Wya (n_y, 2 n_a), by (n_y, 1)

    Returns:
    a -- stacked states [a_f; a_b] in time order, (2 n_a, m, T_x); a_b[:, :, t] has read x_t ... x_{T_x - 1}
    y_pred -- softmax(Wya a_t + by) for every step, (n_y, m, T_x)
    caches -- (cache_f, cache_b, parameters): the rnn_states caches of the forward direction on x and of
              the backward direction on the reversed sequence x[:, :, ::-1], with the direction's dict
              {"Waa", "Wax", "ba"} as their parameters
    """
    a_f, cache_f = rnn_states(x, a0_f, _direction(parameters, "_f"))
    a_b_reversed, cache_b = rnn_states(x[:, :, ::-1], a0_b, _direction(parameters, "_b"))
    a = np.concatenate([a_f, a_b_reversed[:, :, ::-1]], axis=0)
    y_pred = softmax(np.einsum("yk,kmt->ymt", parameters["Wya"], a) + parameters["by"][:, :, None])
    return a, y_pred, (cache_f, cache_b, parameters)


def birnn_backward(y, y_pred, caches):
    """Exact gradients of rnn_loss(y_pred, y) for birnn_forward.

    Arguments:
    y -- one-hot targets, (n_y, m, T_x)
    y_pred -- predictions from birnn_forward, (n_y, m, T_x)
    caches -- (cache_f, cache_b, parameters) from birnn_forward

    Returns:
    gradients -- dict with dWaa_f, dWax_f, dba_f, dWaa_b, dWax_b, dba_b, dWya, dby (shapes of the
                 parameters), da0_f, da0_b (n_a, m), dx (n_x, m, T_x)
    """
    cache_f, cache_b, p = caches
    a = np.concatenate([cache_f[0], cache_b[0][:, :, ::-1]], axis=0)
    n_a = cache_f[0].shape[0]
    dz_y = (y_pred - y) / y.shape[1]
    da = np.einsum("yk,ymt->kmt", p["Wya"], dz_y)
    g_f = rnn_states_backward(da[:n_a], cache_f)
    # The backward direction ran on the reversed sequence: reverse its upstream gradient, and its dx back.
    g_b = rnn_states_backward(da[n_a:, :, ::-1], cache_b)
    gradients = {f"{k}_{d}": g[k] for d, g in (("f", g_f), ("b", g_b)) for k in ("dWaa", "dWax", "dba", "da0")}
    gradients.update(dWya=np.einsum("ymt,kmt->yk", dz_y, a), dby=dz_y.sum(axis=(1, 2))[:, None],
                     dx=g_f["dx"] + g_b["dx"][:, :, ::-1])
    return gradients


def seed002_rnn_cell_forward(xt, a_prev, parameters):
    """Seed 002's first rnn_cell_forward listing with its bugs fixed and its interface kept: it reads its
    weights from `parameters` (the listing used globals), multiplies a_prev by Waa (it used Wya), and calls
    the course's softmax (np.softmax does not exist).

    Arguments:
    xt -- input at time t, (n_x, m)
    a_prev -- hidden state at time t-1, (n_a, m)
    parameters -- dict with Waa, Wax, Wya, ba, by in the contract's shapes

    Returns:
    a -- next hidden state, (n_a, m)
    y -- next prediction, (n_y, m)
    """
    a_next, yt_pred, _ = rnn_cell_forward(xt, a_prev, parameters)
    return a_next, yt_pred
