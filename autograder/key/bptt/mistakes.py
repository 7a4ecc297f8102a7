"""Known mistakes in the backward functions of the bptt assignment.

Each wrong function changes one thing of the reference, named by a keyword of _cell, _backward or _bptt,
so the difference from the right answer is visible at a glance.
"""
import numpy as np

from autograder.key import reference as ref


def _cell(da_next, cache, *, tanh_grad=None, state_for_dWaa=None, dba=None, da_prev=None, dWax=None, dWaa=None,
          per_example=False):
    """rnn_cell_backward with one part changed (per_example: dWax, dWaa and dba divided by m)."""
    a_next, a_prev, xt, p = cache
    dz = da_next * (tanh_grad(a_next, a_prev) if tanh_grad else 1 - a_next**2)
    state = state_for_dWaa(a_next, a_prev) if state_for_dWaa else a_prev
    m = da_next.shape[1] if per_example else 1
    return {
        "dxt": p["Wax"].T @ dz,
        "da_prev": da_prev(p, dz) if da_prev else p["Waa"].T @ dz,
        "dWax": (dWax(dz, xt) if dWax else dz @ xt.T) / m,
        "dWaa": (dWaa(dz, state) if dWaa else dz @ state.T) / m,
        "dba": (dba(dz) if dba else np.sum(dz, axis=1, keepdims=True)) / m,
    }


def _backward(da, caches, *, upstream=True, recurrent=True, forward_in_time=False, overwritten=(), da0=None):
    """rnn_backward with one part changed (overwritten: the parameter gradients set, not added, at each step)."""
    cell_caches, x = caches
    p = cell_caches[0][3]
    n_a, m, T_x = da.shape
    dx = np.zeros(x.shape)
    sums = {k: np.zeros_like(p[k[1:]]) for k in ("dWax", "dWaa", "dba")}
    da_prev = np.zeros((n_a, m))
    first_da_prev = None  # step T_x - 1's, the first one processed
    steps = range(T_x) if forward_in_time else reversed(range(T_x))
    for t in steps:
        da_next = (da[:, :, t] if upstream else 0) + (da_prev if recurrent else 0)
        g = ref.rnn_cell_backward(da_next, cell_caches[t])
        dx[:, :, t] = g["dxt"]
        da_prev = g["da_prev"]
        first_da_prev = da_prev if first_da_prev is None else first_da_prev
        for k in sums:
            sums[k] = g[k] if k in overwritten else sums[k] + g[k]
    wrong_da0 = {"gradient of a[:, :, 0]": da_next, "first step's da_prev": first_da_prev, "upstream": da[:, :, 0],
                 "returned plus upstream": da_prev + da[:, :, 0]}
    return {"dx": dx, "da0": wrong_da0.get(da0, da_prev), **sums}


def _overwriting(key):
    """rnn_backward that sets one parameter gradient at each step instead of adding to it."""
    return lambda da, caches: _backward(da, caches, overwritten=(key,))


def _loss(y_pred, y, *, mean_over="examples", sign=-1):
    """rnn_loss with one part changed: which axes the mean runs over, and the sign."""
    total = sign * np.sum(y * np.log(y_pred))
    divisor = {"examples": y.shape[1], "nothing": 1, "examples and steps": y.shape[1] * y.shape[2],
               "every entry": y.size, "classes": y.shape[0]}[mean_over]
    return float(total / divisor)


def _bptt(x, y, a0, p, *, output_grad=None, dWya_steps=None, da_scale=1.0, dby_step=None):
    """bptt with one part of the output layer's gradient changed (da_scale: da = da_scale * Wya.T @ dz_y, a
    power of m; dby_step(dby, dz_y_t): one step's update of dby, in a loop over time as the notebook's)."""
    a, y_pred, caches = ref.rnn_forward(x, a0, p)
    m = x.shape[1]
    dz_y = output_grad(y_pred, y, m) if output_grad else (y_pred - y) / m
    used = dWya_steps(a.shape[2]) if dWya_steps else slice(None)
    dWya = np.einsum("ymt,amt->ya", dz_y[:, :, used], a[:, :, used])
    dby = np.sum(dz_y, axis=(1, 2))[:, None]
    if dby_step:
        dby = np.zeros_like(p["by"])
        for t in range(x.shape[2]):
            dby = dby_step(dby, dz_y[:, :, t])
    gradients = ref.rnn_backward(da_scale * np.einsum("ya,ymt->amt", p["Wya"], dz_y), caches)
    gradients.update(dWya=dWya, dby=dby)
    return ref.rnn_loss(y_pred, y), gradients


MISTAKES = {
    "rnn_cell_backward": {
        "tanh was applied to a_next again: a_next is already tanh(z), so tanh'(z) = 1 - a_next**2.":
            lambda da_next, cache: _cell(da_next, cache, tanh_grad=lambda a_next, a_prev: 1 - np.tanh(a_next)**2),
        "the tanh derivative is 1 - a_next**2 (square, then subtract), not (1 - a_next)**2.":
            lambda da_next, cache: _cell(da_next, cache, tanh_grad=lambda a_next, a_prev: (1 - a_next)**2),
        "the tanh derivative is 1 - a_next**2, not 1 - a_next: a_next = tanh(z), and tanh'(z) = 1 - tanh(z)**2.":
            lambda da_next, cache: _cell(da_next, cache, tanh_grad=lambda a_next, a_prev: 1 - a_next),
        "dz is missing the tanh derivative: da_next is the gradient of a_next = tanh(z), and the chain rule "
        "through tanh multiplies it by tanh'(z), written with a_next (section 1, step 4: through tanh).":
            lambda da_next, cache: _cell(da_next, cache, tanh_grad=lambda a_next, a_prev: 1),
        "da_prev multiplies by Waa.T first and by the tanh factors after (seed 001's order, read literally: "
        "section 1, point 1); in the chain rule the tanh factors act first, where dz is computed, and Waa.T "
        "then carries dz back to a_prev (section 1, step 5 and \"Where seed 001 is loose\").":
            lambda da_next, cache: _cell(da_next, cache,
                                         da_prev=lambda p, dz: (p["Waa"].T @ da_next) * (1 - cache[0]**2)),
        "the tanh derivative was taken at a_prev; the tanh of this step produced a_next, so use 1 - a_next**2.":
            lambda da_next, cache: _cell(da_next, cache, tanh_grad=lambda a_next, a_prev: 1 - a_prev**2),
        "dWaa was built from a_next; look at what Waa multiplies in the forward step: that state goes into "
        "dWaa.":
            lambda da_next, cache: _cell(da_next, cache, state_for_dWaa=lambda a_next, a_prev: a_next),
        "dba is averaged over the examples; the loss already carries its 1/m, so sum dz over axis 1.":
            lambda da_next, cache: _cell(da_next, cache, dba=lambda dz: np.mean(dz, axis=1, keepdims=True)),
        "dba lost its column: it must have ba's shape (n_a, 1), and your sum over the examples dropped the "
        "summed axis.":
            lambda da_next, cache: _cell(da_next, cache, dba=lambda dz: np.sum(dz, axis=1)),
        "dba is a single number: your sum runs over every axis; dba sums over the examples only, one entry "
        "per unit, in ba's shape (n_a, 1).":
            lambda da_next, cache: _cell(da_next, cache, dba=lambda dz: np.sum(dz)),
        "da_prev used Waa without the transpose: a gradient flows back through the transpose of the matrix "
        "the forward step multiplied by (compare dxt, which goes back through Wax).":
            lambda da_next, cache: _cell(da_next, cache, da_prev=lambda p, dz: p["Waa"] @ dz),
        "dWax is transposed: it must have Wax's shape (n_a, n_x); look at the order of the two factors of "
        "your product.":
            lambda da_next, cache: _cell(da_next, cache, dWax=lambda dz, xt: xt @ dz.T),
        "dWaa is transposed (same shape, so only the values show it): row i of dWaa belongs to the unit that "
        "Waa's row i feeds; look at the order of the two factors of your product.":
            lambda da_next, cache: _cell(da_next, cache, dWaa=lambda dz, a_prev: a_prev @ dz.T),
        "dWax, dWaa and dba are divided by m: da_next already carries the loss's 1/m (bptt puts it in the "
        "output gradient), so here they are plain sums over the examples: look for the / m.":
            lambda da_next, cache: _cell(da_next, cache, per_example=True),
    },
    "rnn_backward": {
        "the recurrent gradient was dropped: the state a[:, :, t] also feeds step t+1, so the gradient "
        "rnn_cell_backward receives must include what step t+1 sent back, not only da[:, :, t].":
            lambda da, caches: _backward(da, caches, recurrent=False),
        "the upstream gradient da[:, :, t] was dropped: the state a[:, :, t] also feeds its own output, so the "
        "gradient rnn_cell_backward receives must include da[:, :, t], not only what step t+1 sent back.":
            lambda da, caches: _backward(da, caches, upstream=False),
        "the loop runs forward in time; the gradient of a[:, :, t] needs what step t+1 sends back (its "
        "da_prev), so go from T_x - 1 down to 0.":
            lambda da, caches: _backward(da, caches, forward_in_time=True),
        "the parameter gradients were overwritten at each step, so only step 0 is left; the weights are shared "
        "by every step, so add each step's gradient to the total (dWax += ...).":
            lambda da, caches: _backward(da, caches, overwritten=("dWax", "dWaa", "dba")),
        **{f"{key} was overwritten at each step, so only step 0 is left; {key[1:]} is shared by every step, so "
           f"add each step's gradient to the total ({key} += ...), as for the others.":
           _overwriting(key) for key in ("dWax", "dWaa", "dba")},
        "your da0 is the gradient of the first state a[:, :, 0] (da[:, :, 0] plus the recurrent part), which "
        "step 0's rnn_cell_backward receives; da0 is the gradient of a0, the state before step 0: the da_prev "
        "that step 0's rnn_cell_backward returns.":
            lambda da, caches: _backward(da, caches, da0="gradient of a[:, :, 0]"),
        "your da0 is the da_prev of step T_x - 1, the first one processed; da0 is the da_prev of step 0, the "
        "last one processed.":
            lambda da, caches: _backward(da, caches, da0="first step's da_prev"),
        "your da0 is da[:, :, 0], the gradient that comes to a[:, :, 0] from its output; da0 is the gradient "
        "of a0, the state before step 0: the da_prev that step 0's rnn_cell_backward returns.":
            lambda da, caches: _backward(da, caches, da0="upstream"),
        "your da0 adds da[:, :, 0] to the da_prev of step 0; da[:, :, 0] belongs to a[:, :, 0], which step 0's "
        "rnn_cell_backward has already taken into account: da0 is that da_prev alone.":
            lambda da, caches: _backward(da, caches, da0="returned plus upstream"),
    },
    "rnn_loss": {
        "the loss is summed over the examples; divide by m (y.shape[1]) to average it.":
            lambda y_pred, y: _loss(y_pred, y, mean_over="nothing"),
        "the loss is averaged over the time steps too; the contract sums over time and averages over the m "
        "examples only.":
            lambda y_pred, y: _loss(y_pred, y, mean_over="examples and steps"),
        "np.mean averages over every entry, classes included (n_y * m * T_x of them); the loss sums over the "
        "classes and the steps and averages over the m examples only (see rnn_loss's docstring).":
            lambda y_pred, y: _loss(y_pred, y, mean_over="every entry"),
        "the loss is negative: cross-entropy is -sum(y * log(y_pred)), positive because log(p) <= 0.":
            lambda y_pred, y: _loss(y_pred, y, sign=1),
        "the loss is divided by y.shape[0], which is n_y, the number of classes; m is y.shape[1].":
            lambda y_pred, y: _loss(y_pred, y, mean_over="classes"),
    },
    "bptt": {
        "the gradients are m times too large: the loss is a mean over the m examples, and the output gradient "
        "must carry that mean too (see rnn_loss's docstring).":
            lambda x, y, a0, p: _bptt(x, y, a0, p, output_grad=lambda y_pred, y, m: y_pred - y),
        "every gradient has the wrong sign: compare the order of the two terms of your output gradient dL/dz "
        "with its derivation for softmax plus cross-entropy in section 1.":
            lambda x, y, a0, p: _bptt(x, y, a0, p, output_grad=lambda y_pred, y, m: (y - y_pred) / m),
        "dWya holds only the last step; Wya is shared by every step, so its gradient sums the contributions of "
        "all T_x steps.":
            lambda x, y, a0, p: _bptt(x, y, a0, p, dWya_steps=lambda T_x: slice(T_x - 1, T_x)),
        "the gradients of the hidden part (dWax, dWaa, dba, da0, dx) are m times too large, while dWya and dby "
        "are right: the da you pass to rnn_backward must come from the same dz_y, the one with the 1/m, "
        "as dWya.":
            lambda x, y, a0, p: _bptt(x, y, a0, p, da_scale=x.shape[1]),
        "the gradients of the hidden part (dWax, dWaa, dba, da0, dx) are m times too small, while dWya and dby "
        "are right: dz_y already holds the 1/m; look for a second / m on the way to da.":
            lambda x, y, a0, p: _bptt(x, y, a0, p, da_scale=1 / x.shape[1]),
    },
}


def _add_lost_column(dby, dz_y_t):
    dby += np.sum(dz_y_t, axis=1)  # in place: numpy refuses to broadcast (n_y, 1) += (n_y,) into (n_y, n_y)
    return dby


LOST_COLUMN = ("the sum over the examples lost its column: np.sum over axis 1 gives shape (n_y,), and adding that "
               "to dby of shape (n_y, 1) broadcasts to (n_y, n_y){}. Look at the shape of each step's sum in your "
               "dby line (the dba of rnn_cell_backward has the same shape question).")

BPTT_DBY = {
    "dby holds only the last step; by is shared by every step, so its gradient adds up the contributions of all "
    "T_x steps (look at how your loop updates dby).":
        lambda x, y, a0, p: _bptt(x, y, a0, p, dby_step=lambda dby, d: np.sum(d, axis=1, keepdims=True)),
    LOST_COLUMN.format(""): lambda x, y, a0, p: _bptt(x, y, a0, p, dby_step=lambda dby, d: dby + np.sum(d, axis=1)),
    LOST_COLUMN.format(", which dby += cannot hold"): lambda x, y, a0, p: _bptt(x, y, a0, p,
                                                                                 dby_step=_add_lost_column),
}


MISTAKES["bptt"].update(BPTT_DBY)
