"""Known mistakes in the functions of the architectures assignment.

Each wrong function changes one thing of the reference, named by a keyword of a helper below, so the
difference from the right answer is visible at a glance.
"""
import numpy as np

from autograder.key import reference as ref
from autograder.key.rnn_forward.mistakes import MISTAKES as FORWARD
from autograder.key.rnn_forward.mistakes import (
    SOFTMAX_AXIS_1,
    WAA_TRANSPOSED,
    cell_with,
    softmax_axis_1,
    softmax_whole_array,
)

TANH_TWICE = "tanh was applied to a again: a is already tanh(z), so tanh'(z) = 1 - a**2."


def _softmax_per_example(z):
    """softmax written for (n_y, m), one column at a time: on (n_y, m, T_x) each z[:, j] holds every step of
    example j, and its max and sum run over all of them."""
    p = np.empty_like(z)
    for j in range(z.shape[1]):
        e = np.exp(z[:, j] - np.max(z[:, j]))
        p[:, j] = e / np.sum(e)
    return p


def _softmax_last_axis(z):
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def _states(x, a0, p, *, update_state=True, store_prev=False, bias=True, wrap_at_0=False):
    """rnn_states with one part changed; wrap_at_0: every step reads a[:, :, t - 1], still zeros at t = 0."""
    a = np.zeros((a0.shape[0],) + x.shape[1:])
    a_prev = a0
    for t in range(x.shape[2]):
        if wrap_at_0:
            a_prev = a[:, :, t - 1]
        a_t = np.tanh(p["Waa"] @ (a_prev if update_state else a0) + p["Wax"] @ x[:, :, t] + (p["ba"] if bias else 0))
        a[:, :, t] = a_prev if store_prev else a_t
        a_prev = a_t
    return a, (a, x, a0, p)


def _states_backward(da, cache, *, recurrent=True, tanh_grad=None, dWaa_from_a_next=False, forward_in_time=False,
                     da0_before_Waa=False, wrap_at_0=False, bias_mean=False):
    """rnn_states_backward with one part changed."""
    a, x, a0, p = cache
    dx, da_prev = np.zeros(x.shape), np.zeros(a0.shape)
    sums = {"dWaa": np.zeros_like(p["Waa"]), "dWax": np.zeros_like(p["Wax"]), "dba": np.zeros_like(p["ba"])}
    steps = range(a.shape[2]) if forward_in_time else reversed(range(a.shape[2]))
    for t in steps:
        a_prev = a[:, :, t - 1] if t > 0 or wrap_at_0 else a0
        da_t = da[:, :, t] + (da_prev if recurrent else 0)
        dz = da_t * (tanh_grad(a[:, :, t]) if tanh_grad else 1 - a[:, :, t] ** 2)
        dx[:, :, t] = p["Wax"].T @ dz
        sums["dWaa"] = sums["dWaa"] + dz @ (a[:, :, t] if dWaa_from_a_next else a_prev).T
        sums["dWax"] = sums["dWax"] + dz @ x[:, :, t].T
        sums["dba"] = sums["dba"] + (dz.mean if bias_mean else dz.sum)(axis=1, keepdims=True)
        da_prev = p["Waa"].T @ dz
    return {"dx": dx, "da0": da_t if da0_before_Waa else da_prev, **sums}


def _many_to_one(x, a0, p, *, read=lambda a: a[:, :, -1], output=ref.softmax, output_bias=True):
    """rnn_many_to_one_forward reading another summary of the states, or with another output function."""
    a, cache = ref.rnn_states(x, a0, p)
    return output(p["Wya"] @ read(a) + (p["by"] if output_bias else 0)), cache


def _every_step(x, a0, p):
    a, cache = ref.rnn_states(x, a0, p)
    return ref.softmax(np.einsum("ya,amt->ymt", p["Wya"], a) + p["by"][:, :, None]), cache


def _many_to_one_backward(y, y_hat, cache, *, every_step=False, divide=True, dWya_state=-1, sign=1, enter_at=-1):
    """rnn_many_to_one_backward with one part changed."""
    a, _, _, p = cache
    dz_y = sign * (y_hat - y) / (y.shape[1] if divide else 1)
    da = np.zeros(a.shape)
    if every_step:
        da[:] = (p["Wya"].T @ dz_y)[:, :, None]
    else:
        da[:, :, enter_at] = p["Wya"].T @ dz_y
    g = ref.rnn_states_backward(da, cache)
    g.update(dWya=dz_y @ a[:, :, dWya_state].T, dby=dz_y.sum(axis=1, keepdims=True))
    return g


def _output_recurrence(x, y0, p, *, update=True, feed_logits=False, wrap_at_0=False):
    """output_recurrence_forward with one part changed; wrap_at_0: step 0 reads y_pred[:, :, -1], still zeros."""
    T_x = x.shape[2]
    a, y_pred = np.zeros((p["Wax"].shape[0],) + x.shape[1:]), np.zeros((p["Wya"].shape[0],) + x.shape[1:])
    fed = np.zeros_like(y0) if wrap_at_0 else y0
    for t in range(T_x):
        a[:, :, t] = np.tanh(p["Way"] @ fed + p["Wax"] @ x[:, :, t] + p["ba"])
        logits = p["Wya"] @ a[:, :, t] + p["by"]
        y_pred[:, :, t] = ref.softmax(logits)
        if update:
            fed = logits if feed_logits else y_pred[:, :, t]
    return a, y_pred


def _teacher(x, y_prev, p, *, shift_again=None, output=ref.softmax, bias=True):
    """teacher_forcing_forward with one part changed; shift_again: what step 0 is then fed, "zeros", "y0" or
    "last" (a loop reading y_prev[:, :, t - 1])."""
    first = {"zeros": np.zeros_like(y_prev[:, :, :1]), "last": y_prev[:, :, -1:]}.get(shift_again, y_prev[:, :, :1])
    fed = np.concatenate([first, y_prev[:, :, :-1]], axis=2) if shift_again else y_prev
    z = np.einsum("ay,ymt->amt", p["Way"], fed) + np.einsum("ax,xmt->amt", p["Wax"], x)
    a = np.tanh(z + (p["ba"][:, :, None] if bias else 0))
    return a, output(np.einsum("ya,amt->ymt", p["Wya"], a) + p["by"][:, :, None]), (a, y_prev, x, p)


def _free_run(x, y_prev, p):
    """teacher_forcing_forward that feeds the model's own predictions (output_recurrence_forward from y0)."""
    a, y_pred = ref.output_recurrence_forward(x, y_prev[:, :, 0], p)
    return a, y_pred, (a, y_prev, x, p)


def _teacher_backward(y, y_pred, cache, *, divide=True, per_step=False, tanh_grad=None, last_step_biases=False,
                      fed=None):
    """teacher_forcing_backward with one part changed; fed: "y" or "y_pred", what dWay is built from."""
    a, y_prev, x, p = cache
    dz_y = (y_pred - y) / (y.shape[1] if divide else 1) / (y.shape[2] if per_step else 1)
    dz = np.einsum("ya,ymt->amt", p["Wya"], dz_y) * (tanh_grad(a) if tanh_grad else 1 - a**2)
    biases = slice(-1, None) if last_step_biases else slice(None)
    return {
        "dWay": np.einsum("amt,ymt->ay", dz, {"y": y, "y_pred": y_pred}.get(fed, y_prev)),
        "dWax": np.einsum("amt,xmt->ax", dz, x),
        "dWya": np.einsum("ymt,amt->ya", dz_y, a),
        "dba": dz[:, :, biases].sum(axis=(1, 2))[:, None],
        "dby": dz_y[:, :, biases].sum(axis=(1, 2))[:, None],
        "dx": np.einsum("ax,amt->xmt", p["Wax"], dz),
    }


def _birnn(x, a0_f, a0_b, p, *, flip_back=True, reverse_input=True, a0_for_b=None, order="fb", swap_a0=False):
    """birnn_forward with one part changed."""
    if swap_a0:
        a0_f, a0_b = a0_b, a0_f
    a_f, cache_f = ref.rnn_states(x, a0_f, ref.architectures._direction(p, "_f"))
    x_b = x[:, :, ::-1] if reverse_input else x
    a_b, cache_b = ref.rnn_states(x_b, a0_b if a0_for_b is None else a0_for_b, ref.architectures._direction(p, "_b"))
    a_b = a_b[:, :, ::-1] if flip_back else a_b
    a = np.concatenate([a_f, a_b] if order == "fb" else [a_b, a_f], axis=0)
    y_pred = ref.softmax(np.einsum("yk,kmt->ymt", p["Wya"], a) + p["by"][:, :, None])
    return a, y_pred, (cache_f, cache_b, p)


def _birnn_backward(y, y_pred, caches, *, flip_dx=True, reverse_da=True, divide=True, backward_dx=True,
                    swap_halves=False, swap_da0=False):
    """birnn_backward with one part changed."""
    cache_f, cache_b, p = caches
    a = np.concatenate([cache_f[0], cache_b[0][:, :, ::-1]], axis=0)
    n_a = cache_f[0].shape[0]
    dz_y = (y_pred - y) / (y.shape[1] if divide else 1)
    da = np.einsum("yk,ymt->kmt", p["Wya"], dz_y)
    da_f, da_b = (da[n_a:], da[:n_a]) if swap_halves else (da[:n_a], da[n_a:])
    g_f = ref.rnn_states_backward(da_f, cache_f)
    g_b = ref.rnn_states_backward(da_b[:, :, ::-1] if reverse_da else da_b, cache_b)
    if swap_da0:
        g_f["da0"], g_b["da0"] = g_b["da0"], g_f["da0"]
    g = {f"{k}_{d}": gd[k] for d, gd in (("f", g_f), ("b", g_b)) for k in ("dWaa", "dWax", "dba", "da0")}
    dx_b = g_b["dx"][:, :, ::-1] if flip_dx else g_b["dx"]
    g.update(dWya=np.einsum("ymt,kmt->yk", dz_y, a), dby=dz_y.sum(axis=(1, 2))[:, None],
             dx=g_f["dx"] + (dx_b if backward_dx else 0))
    return g


MISTAKES = {
    "softmax_all_steps": {  # z.T, right on (n_y, m), is axis 1's mistake on (n_y, m, T_x): its hint says so
        "this is a softmax over axis 1 (each row sums to 1; z.T does this on (n_y, m, T_x), because .T reverses "
        "every axis): classes are rows, so each column must sum to 1. Look at the axis your max and your sum "
        "run over, on z itself.":
            softmax_axis_1,
        **{hint: wrong for hint, wrong in FORWARD["softmax"].items() if hint != SOFTMAX_AXIS_1},
        "this is right one step at a time, but on (n_y, m, T_x) each column z[:, j] holds every step of example "
        "j, so the classes of all steps share one 1. Look at how your code splits z: a max and a sum over the "
        "classes' axis alone work for any number of axes.": _softmax_per_example,
        "this is a softmax over the last axis (axis=-1): on (n_y, m, T_x) that is time, on (n_y, m) the "
        "examples. Classes are axis 0 whatever the number of axes: look at the axis your max and your sum run "
        "over.": _softmax_last_axis,
    },
    "seed002_rnn_cell_forward": {
        "Wya multiplies a_prev, as on line 23 of seed 002's listing: the previous state enters through Waa "
        "(Wya maps a state to the output).":
            lambda xt, a_prev, p: cell_with(dict(p, Waa=p["Wya"]), a_prev, xt)[:2],
        "y is seed 002's softmax, normalised over the whole batch; each column (example) must sum to 1.":
            lambda xt, a_prev, p: cell_with(p, a_prev, xt, output=softmax_whole_array)[:2],
        "this is what the cell returns without ba: add the bias inside the tanh.":
            lambda xt, a_prev, p: cell_with(p, a_prev, xt, bias=False)[:2],
        WAA_TRANSPOSED: lambda xt, a_prev, p: cell_with(dict(p, Waa=p["Waa"].T), a_prev, xt)[:2],
    },
    "rnn_states": {
        "every step was fed a0: feed each step the state the previous step computed.":
            lambda x, a0, p: _states(x, a0, p, update_state=False),
        "a[:, :, t] holds the state before step t; store the state computed at step t.":
            lambda x, a0, p: _states(x, a0, p, store_prev=True),
        "the states were computed without ba: add the bias inside the tanh.":
            lambda x, a0, p: _states(x, a0, p, bias=False),
        "at t = 0, a[:, :, t - 1] is a[:, :, -1], the LAST slot, still zeros (Python's negative index: section "
        "1.4's s[-1] trap); the state before step 0 is a0.": lambda x, a0, p: _states(x, a0, p, wrap_at_0=True),
    },
    "rnn_states_backward": {
        "the gradient from the next step was dropped: at step t add da_next_step (Waa.T @ dz of step t+1) to "
        "da[:, :, t].":
            lambda da, cache: _states_backward(da, cache, recurrent=False),
        "tanh'(z) is 1 - a**2 (a = tanh(z)), not 1 - a.":
            lambda da, cache: _states_backward(da, cache, tanh_grad=lambda a: 1 - a),
        TANH_TWICE:
            lambda da, cache: _states_backward(da, cache, tanh_grad=lambda a: 1 - np.tanh(a) ** 2),
        "dWaa was built from the state of step t; Waa multiplies the state of step t-1 (a0 at t = 0).":
            lambda da, cache: _states_backward(da, cache, dWaa_from_a_next=True),
        "the loop ran forward in time; BPTT starts at the last step, where no later step sends a gradient.":
            lambda da, cache: _states_backward(da, cache, forward_in_time=True),
        "da0 is the gradient of a0, which reaches step 0 through Waa: it is what step 0 sends back to the state "
        "before it, the way each step sends a gradient to the step before.":
            lambda da, cache: _states_backward(da, cache, da0_before_Waa=True),
        "at t = 0, a[:, :, t - 1] is a[:, :, -1], the LAST state (Python's negative index: section 1.4's s[-1] "
        "trap); the state before step 0 is a0.": lambda da, cache: _states_backward(da, cache, wrap_at_0=True),
        "dba is m times too small: ba is added to every example, so its gradient sums dz over the examples "
        "(axis 1) instead of averaging it.": lambda da, cache: _states_backward(da, cache, bias_mean=True),
    },
    "rnn_many_to_one_forward": {
        "y_hat was computed from the first state; the prediction reads the LAST state, which has seen the whole "
        "sequence.": lambda x, a0, p: _many_to_one(x, a0, p, read=lambda a: a[:, :, 0]),
        "this is a prediction at every step (many-to-many); sequence-to-one predicts once, from a[:, :, -1].":
            _every_step,
        "y_hat holds logits: the softmax is missing from the prediction.":
            lambda x, a0, p: _many_to_one(x, a0, p, output=lambda z: z),
        "y_hat was computed without by: the output bias is missing from the logits.":
            lambda x, a0, p: _many_to_one(x, a0, p, output_bias=False),
        "y_hat was computed from the mean of the states over time; the prediction reads the last state.":
            lambda x, a0, p: _many_to_one(x, a0, p, read=lambda a: a.mean(axis=2)),
    },
    "rnn_many_to_one_backward": {
        "the output's gradient entered at every step; only the last state feeds the output, so da is zero "
        "except at t = T_x - 1.": lambda y, y_hat, c: _many_to_one_backward(y, y_hat, c, every_step=True),
        "the output's gradient entered at step 0; the output reads the last state, so da is zero except at "
        "t = T_x - 1 (da[:, :, -1]).": lambda y, y_hat, c: _many_to_one_backward(y, y_hat, c, enter_at=0),
        "the gradient is m times too large: the loss is averaged over the m examples, and that 1/m belongs in the "
        "gradient of the logits too.":
            lambda y, y_hat, c: _many_to_one_backward(y, y_hat, c, divide=False),
        "dWya was built from the first state; the output reads a[:, :, -1].":
            lambda y, y_hat, c: _many_to_one_backward(y, y_hat, c, dWya_state=0),
        "every gradient has the wrong sign: dL/dz = y_hat - y for softmax with cross-entropy.":
            lambda y, y_hat, c: _many_to_one_backward(y, y_hat, c, sign=-1),
    },
    "output_recurrence_forward": {
        "every step was fed y0: feed each step the prediction of the step before.":
            lambda x, y0, p: _output_recurrence(x, y0, p, update=False),
        "each step was fed the previous logits Wya a + by; feed the previous prediction, the softmax of them.":
            lambda x, y0, p: _output_recurrence(x, y0, p, feed_logits=True),
        "step 0 was not fed y0 (a loop reading y_pred[:, :, t - 1] gets the LAST slot at t = 0, still zeros: "
        "section 1.4's s[-1] trap); step 0 is fed y0, step t > 0 the prediction of step t - 1.":
            lambda x, y0, p: _output_recurrence(x, y0, p, wrap_at_0=True),
    },
    "teacher_forcing_forward": {
        "y_prev is already shifted (y_prev[:, :, t] is what step t is fed); shifting it again feeds each step "
        "the target of two steps before.": lambda x, y_prev, p: _teacher(x, y_prev, p, shift_again="zeros"),
        "y_prev is already shifted (y_prev[:, :, t] is what step t is fed); shifting it again (with y0 first) "
        "feeds each step the target of two steps before.":
            lambda x, y_prev, p: _teacher(x, y_prev, p, shift_again="y0"),
        "step t was fed y_prev[:, :, t - 1]: y_prev is already shifted, so step t is fed y_prev[:, :, t] (at "
        "t = 0, y_prev[:, :, -1] is the LAST step's: section 1.4's s[-1] trap).":
            lambda x, y_prev, p: _teacher(x, y_prev, p, shift_again="last"),
        "each step was fed the model's own previous prediction (a free run from y0): teacher forcing feeds the "
        "targets, y_prev[:, :, t] at step t, so no step waits for another.": _free_run,
        "y_pred holds logits: apply softmax over axis 0 to Wya a + by.":
            lambda x, y_prev, p: _teacher(x, y_prev, p, output=lambda z: z),
        "the states were computed without ba: add the bias inside the tanh.":
            lambda x, y_prev, p: _teacher(x, y_prev, p, bias=False),
    },
    "teacher_forcing_backward": {
        "the gradient is m times too large: the loss is averaged over the m examples, and that 1/m belongs in the "
        "gradient of the logits too.":
            lambda y, y_pred, c: _teacher_backward(y, y_pred, c, divide=False),
        "the gradient is T_x times too small: rnn_loss sums over the steps and averages over the examples only, "
        "so the gradient of the logits carries 1/m and no 1/T_x (the training cell divides by T_x only to plot a "
        "loss per step).":
            lambda y, y_pred, c: _teacher_backward(y, y_pred, c, per_step=True),
        "tanh'(z) is 1 - a**2 (a = tanh(z)), not 1 - a.":
            lambda y, y_pred, c: _teacher_backward(y, y_pred, c, tanh_grad=lambda a: 1 - a),
        TANH_TWICE:
            lambda y, y_pred, c: _teacher_backward(y, y_pred, c, tanh_grad=lambda a: 1 - np.tanh(a) ** 2),
        "dWay was built from the targets y; Way multiplies what each step was fed, y_prev (the cache's second "
        "item: the targets one step earlier), so dWay sums dz @ y_prev[:, :, t].T over the steps.":
            lambda y, y_pred, c: _teacher_backward(y, y_pred, c, fed="y"),
        "dWay was built from the predictions y_pred; Way multiplies what each step was fed, y_prev (the cache's "
        "second item), so dWay sums dz @ y_prev[:, :, t].T over the steps.":
            lambda y, y_pred, c: _teacher_backward(y, y_pred, c, fed="y_pred"),
        "dba and dby hold only the last step; the biases are shared by every step, so sum over time too.":
            lambda y, y_pred, c: _teacher_backward(y, y_pred, c, last_step_biases=True),
    },
    "birnn_forward": {
        "the backward direction's states are still in reversed order: flip them back with [:, :, ::-1], so that "
        "a[:, :, t] stacks the two states of step t.":
            lambda x, a0_f, a0_b, p: _birnn(x, a0_f, a0_b, p, flip_back=False),
        "the backward direction read the sequence forward in time: run it on x[:, :, ::-1].":
            lambda x, a0_f, a0_b, p: _birnn(x, a0_f, a0_b, p, reverse_input=False),
        "the second direction read x forward in time, so it is a second forward RNN that never sees the future: "
        "run it on x[:, :, ::-1], then flip its states back with [:, :, ::-1].":
            lambda x, a0_f, a0_b, p: _birnn(x, a0_f, a0_b, p, reverse_input=False, flip_back=False),
        "both directions started from a0_f; the backward direction starts from a0_b.":
            lambda x, a0_f, a0_b, p: _birnn(x, a0_f, a0_b, p, a0_for_b=a0_f),
        "a0_f and a0_b are swapped: the forward direction starts from a0_f (before step 0), the backward one "
        "from a0_b (after the last step).": lambda x, a0_f, a0_b, p: _birnn(x, a0_f, a0_b, p, swap_a0=True),
        "the states are stacked as [a_b; a_f]; Wya reads [a_f; a_b] (forward direction on top).":
            lambda x, a0_f, a0_b, p: _birnn(x, a0_f, a0_b, p, order="bf"),
    },
    "birnn_backward": {
        "the backward direction's dx is in reversed time order: flip it back with [:, :, ::-1] before adding it.":
            lambda y, y_pred, c: _birnn_backward(y, y_pred, c, flip_dx=False),
        "the backward direction ran on the reversed sequence, so its upstream gradient must be reversed too: "
        "da_b[:, :, ::-1].": lambda y, y_pred, c: _birnn_backward(y, y_pred, c, reverse_da=False),
        "dx holds only the forward direction's part; x feeds both directions, so add both.":
            lambda y, y_pred, c: _birnn_backward(y, y_pred, c, backward_dx=False),
        "the gradient is m times too large: the loss is averaged over the m examples, and that 1/m belongs in the "
        "gradient of the logits too.":
            lambda y, y_pred, c: _birnn_backward(y, y_pred, c, divide=False),
        "the two halves of da went to the wrong directions: rows :n_a of a are a_f, so da[:n_a] goes to the "
        "forward direction and da[n_a:] (reversed in time) to the backward one.":
            lambda y, y_pred, c: _birnn_backward(y, y_pred, c, swap_halves=True),
        "da0_f and da0_b are swapped: da0_f comes from the forward direction's rnn_states_backward, da0_b from "
        "the backward direction's.": lambda y, y_pred, c: _birnn_backward(y, y_pred, c, swap_da0=True),
    },
}
