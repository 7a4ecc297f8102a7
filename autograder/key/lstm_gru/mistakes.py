"""Known mistakes in the gated cells of the lstm_gru assignment.

Each wrong function changes one thing of the reference, named by a keyword of _lstm_cell, _lstm_cell_back,
_gru_cell or _gru_cell_back, so the difference from the right answer is visible at a glance.
"""
import numpy as np

from autograder.key import reference as ref


def _lstm_cell(xt, a_prev, c_prev, p, *, input_first=False, gate=ref.sigmoid, candidate=np.tanh, squash=np.tanh,
               swap_f_i=False, output_from=None):
    """lstm_cell_forward with one part changed (squash: what a_next = ot * squash(c_next) applies; swap_f_i: the
    two gates trade places in c_next only, the cache keeps them as computed)."""
    concat = np.concatenate([xt, a_prev] if input_first else [a_prev, xt], axis=0)
    ft, it = gate(p["Wf"] @ concat + p["bf"]), gate(p["Wi"] @ concat + p["bi"])
    cct, ot = candidate(p["Wc"] @ concat + p["bc"]), gate(p["Wo"] @ concat + p["bo"])
    c_next = it * c_prev + ft * cct if swap_f_i else ft * c_prev + it * cct
    a_next = ot * squash(c_next)
    yt_pred = ref.softmax(p["Wy"] @ (output_from(a_next, c_next) if output_from else a_next) + p["by"])
    return a_next, c_next, yt_pred, (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, p)


def _lstm_forward(x, a0, p, *, c0=None, carry_c=True, carry_a=True):
    """lstm_forward with one part changed (c0(a0): the first cell state)."""
    n_a, (_, m, T_x), n_y = a0.shape[0], x.shape, p["Wy"].shape[0]
    a, c, y = np.zeros((n_a, m, T_x)), np.zeros((n_a, m, T_x)), np.zeros((n_y, m, T_x))
    a_next, c_next = a0, (c0(a0) if c0 else np.zeros((n_a, m)))
    first_c = c_next
    caches = []
    for t in range(T_x):
        a_t, c_t, y[:, :, t], cache = ref.lstm_cell_forward(x[:, :, t], a_next if carry_a else a0,
                                                             c_next if carry_c else first_c, p)
        a[:, :, t], c[:, :, t], a_next, c_next = a_t, c_t, a_t, c_t
        caches.append(cache)
    return a, y, c, (caches, x)


def _lstm_cell_back(da_next, dc_next, cache, *, through_a=True, carried=True, tanh_grad=True, forget=True,
                    gate_grad=True, o_reads=None, state_rows=None, per_example=False, squash_at="tanh(c_next)",
                    candidate_at="cct", prev_from_next=False):
    """lstm_cell_backward with one part changed (state_rows: which rows of dconcat da_prev takes; squash_at and
    candidate_at: the value whose square tanh's derivative 1 - value**2 takes, on the path from a_next to c_next and
    for the candidate; prev_from_next: dc_prev from dc_next alone)."""
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, p = cache
    n_a, m = a_next.shape[0], (da_next.shape[1] if per_example else 1)
    tanh_c = np.tanh(c_next)
    at = {"tanh(c_next)": tanh_c, "cct": cct, "c_next": c_next}
    dc = (dc_next if carried else 0) + (
        da_next * ot * ((1 - at[squash_at]**2) if tanh_grad else 1) if through_a else 0)
    s = (lambda g: g * (1 - g)) if gate_grad else (lambda g: 1)
    dz = {"f": dc * c_prev * s(ft), "i": dc * cct * s(it), "c": dc * it * (1 - at[candidate_at]**2),
          "o": da_next * (o_reads(c_next) if o_reads else tanh_c) * s(ot)}
    concat = np.concatenate([a_prev, xt], axis=0)
    dconcat = sum(p["W" + g].T @ dz[g] for g in ref.LSTM_GATES)
    rows = state_rows(n_a, dconcat) if state_rows else (dconcat[:n_a], dconcat[n_a:])
    dc_prev = (dc_next if prev_from_next else dc) * ft if forget else dc
    gradients = {"dxt": rows[1], "da_prev": rows[0], "dc_prev": dc_prev}
    gradients.update({"dW" + g: dz[g] @ concat.T / m for g in ref.LSTM_GATES})
    gradients.update({"db" + g: dz[g].sum(axis=1, keepdims=True) / m for g in ref.LSTM_GATES})
    return gradients


def _gated_backward(cell_backward, gates, da, caches, *, recurrent=True, carry_c=True, forward_in_time=False,
                    overwritten=False):
    """lstm_backward (cell_backward takes dc_next) or gru_backward with one part changed."""
    cell_caches, x = caches
    p = cell_caches[0][-1]
    n_a, m, T_x = da.shape
    dx = np.zeros(x.shape)
    sums = {k + g: np.zeros_like(p[k[1:] + g]) for k in ("dW", "db") for g in gates}
    da_prev, dc_prev = np.zeros((n_a, m)), np.zeros((n_a, m))
    for t in (range(T_x) if forward_in_time else reversed(range(T_x))):
        da_next = da[:, :, t] + (da_prev if recurrent else 0)
        if gates is ref.LSTM_GATES:
            g = cell_backward(da_next, dc_prev if carry_c else np.zeros((n_a, m)), cell_caches[t])
            dc_prev = g["dc_prev"]
        else:
            g = cell_backward(da_next, cell_caches[t])
        dx[:, :, t], da_prev = g["dxt"], g["da_prev"]
        for k in sums:
            sums[k] = g[k] if overwritten else sums[k] + g[k]
    return {"dx": dx, "da0": da_prev, **sums}


def _gru_cell(xt, a_prev, p, *, keep=lambda zt: zt, reset_after=False, reset=True, swap_r_z=False):
    """gru_cell_forward with one part changed (keep(zt): the share of a_prev that a_next keeps)."""
    n_a = a_prev.shape[0]
    concat = np.concatenate([a_prev, xt], axis=0)
    rt, zt = ref.sigmoid(p["Wr"] @ concat + p["br"]), ref.sigmoid(p["Wz"] @ concat + p["bz"])
    if swap_r_z:
        rt, zt = zt, rt
    if reset_after:  # PyTorch's and Keras' default: the gate multiplies Wc's product with a_prev
        cct = np.tanh(rt * (p["Wc"][:, :n_a] @ a_prev) + p["Wc"][:, n_a:] @ xt + p["bc"])
    else:
        cct = np.tanh(p["Wc"] @ np.concatenate([rt * a_prev if reset else a_prev, xt], axis=0) + p["bc"])
    a_next = keep(zt) * a_prev + (1 - keep(zt)) * cct
    return a_next, ref.softmax(p["Wy"] @ a_next + p["by"]), (a_next, a_prev, rt, zt, cct, xt, p)


def _gru_forward(x, a0, p, *, carry_a=True):
    """gru_forward with one part changed."""
    n_a, (_, m, T_x), n_y = a0.shape[0], x.shape, p["Wy"].shape[0]
    a, y, caches = np.zeros((n_a, m, T_x)), np.zeros((n_y, m, T_x)), []
    a_next = a0
    for t in range(T_x):
        a_next, y[:, :, t], cache = ref.gru_cell_forward(x[:, :, t], a_next if carry_a else a0, p)
        a[:, :, t] = a_next
        caches.append(cache)
    return a, y, (caches, x)


def _gru_cell_back(da_next, cache, *, kept=True, through_reset=True, reset_in_dWc=True, z_sign=1):
    """gru_cell_backward with one part changed (kept: a_prev's direct path zt * a_prev)."""
    a_next, a_prev, rt, zt, cct, xt, p = cache
    n_a = a_next.shape[0]
    dzc = da_next * (1 - zt) * (1 - cct**2)
    dzz = z_sign * da_next * (a_prev - cct) * zt * (1 - zt)
    dcandidate_in = p["Wc"].T @ dzc
    dzr = dcandidate_in[:n_a] * a_prev * rt * (1 - rt)
    concat = np.concatenate([a_prev, xt], axis=0)
    dconcat = p["Wr"].T @ dzr + p["Wz"].T @ dzz
    da_prev = (da_next * zt if kept else 0) + (dcandidate_in[:n_a] * rt if through_reset else 0) + dconcat[:n_a]
    candidate_in = np.concatenate([rt * a_prev if reset_in_dWc else a_prev, xt], axis=0)
    return {"dxt": dcandidate_in[n_a:] + dconcat[n_a:], "da_prev": da_prev, "dWr": dzr @ concat.T,
            "dWz": dzz @ concat.T, "dWc": dzc @ candidate_in.T, "dbr": dzr.sum(axis=1, keepdims=True),
            "dbz": dzz.sum(axis=1, keepdims=True), "dbc": dzc.sum(axis=1, keepdims=True)}


def _lstm_backward_with(**change):
    return lambda da, caches: _gated_backward(ref.lstm_cell_backward, ref.LSTM_GATES, da, caches, **change)


def _gru_backward_with(**change):
    return lambda da, caches: _gated_backward(ref.gru_cell_backward, ref.GRU_GATES, da, caches, **change)


MISTAKES = {
    "lstm_cell_forward": {
        "c_next and yt_pred are in each other's place in what lstm_cell_forward returns: it returns a_next, "
        "c_next, yt_pred, then the cache, in this order (the docstring's Returns; section 2).":
            lambda xt, a_prev, c_prev, p: (lambda a, c, y, cache: (a, y, c, cache))(
                *ref.lstm_cell_forward(xt, a_prev, c_prev, p)),
        "concat stacks xt above a_prev; this course stacks the state first, concat = [a_prev; xt], so that the "
        "first n_a columns of each W? multiply a_prev (section 2, Shapes).":
            lambda xt, a_prev, c_prev, p: _lstm_cell(xt, a_prev, c_prev, p, input_first=True),
        "a gate used tanh: the forget, input and output gates are sigmoids, values in (0, 1) that say how much "
        "passes; only the candidate cct is a tanh (section 2, Math).":
            lambda xt, a_prev, c_prev, p: _lstm_cell(xt, a_prev, c_prev, p, gate=np.tanh),
        "the candidate cct used a sigmoid: it is a tanh, a proposed value in (-1, 1), not a gate "
        "(section 2, Math).":
            lambda xt, a_prev, c_prev, p: _lstm_cell(xt, a_prev, c_prev, p, candidate=ref.sigmoid),
        "the forget and input gates are swapped in c_next: ft decides how much of c_prev stays, it how much "
        "of the candidate cct is written (section 2, Math).":
            lambda xt, a_prev, c_prev, p: _lstm_cell(xt, a_prev, c_prev, p, swap_f_i=True),
        "a_next is missing the tanh of the cell state: the output gate scales the cell state squashed into "
        "(-1, 1), not the cell state itself (section 2, Math).":
            lambda xt, a_prev, c_prev, p: _lstm_cell(xt, a_prev, c_prev, p, squash=lambda c: c),
        "yt_pred was computed from the cell state c_next; the prediction reads the hidden state a_next.":
            lambda xt, a_prev, c_prev, p: _lstm_cell(xt, a_prev, c_prev, p, output_from=lambda a, c: c),
    },
    "lstm_forward": {
        "y and c are in each other's place in what lstm_forward returns: it returns the hidden states, the "
        "predictions, the cell states, then the caches, in this order (the docstring's Returns; section 3).":
            lambda x, a0, p: (lambda a, y, c, caches: (a, c, y, caches))(*ref.lstm_forward(x, a0, p)),
        "the cell state started from a0: the contract starts it from zeros, c0 = 0, whatever a0 is.":
            lambda x, a0, p: _lstm_forward(x, a0, p, c0=lambda a0: a0),
        "the cell state is not carried from step to step: feed each step the c_next of the step before.":
            lambda x, a0, p: _lstm_forward(x, a0, p, carry_c=False),
        "every step was fed a0: pass the hidden state the previous step returned into the next "
        "lstm_cell_forward.":
            lambda x, a0, p: _lstm_forward(x, a0, p, carry_a=False),
    },
    "lstm_cell_backward": {
        "dc lacks the gradient that arrives through a_next = ot * tanh(c_next): c_next reaches the loss both "
        "ways, carried to the next step (dc_next) and through this step's a_next (section 4, step 1).":
            lambda da_next, dc_next, cache: _lstm_cell_back(da_next, dc_next, cache, through_a=False),
        "dc lacks dc_next, the gradient the next step sends back along the cell state (section 4, step 1).":
            lambda da_next, dc_next, cache: _lstm_cell_back(da_next, dc_next, cache, carried=False),
        "the path from a_next to c_next is missing the derivative of the tanh that a_next applies to c_next "
        "(section 4, step 1).":
            lambda da_next, dc_next, cache: _lstm_cell_back(da_next, dc_next, cache, tanh_grad=False),
        "dc_prev is dc itself: look at what multiplies c_prev in the equation of c_next; the gradient that "
        "reaches c_prev goes through that factor (section 4, step 3).":
            lambda da_next, dc_next, cache: _lstm_cell_back(da_next, dc_next, cache, forget=False),
        "dc_prev carries only dc_next, the gradient that came in along the cell state: the part that reaches c_next "
        "through this step's a_next = ot * tanh(c_next) goes back to c_prev too. What flows on to c_prev is step "
        "1's total dc, through the forget gate (section 4, steps 1 and 3).":
            lambda da_next, dc_next, cache: _lstm_cell_back(da_next, dc_next, cache, prev_from_next=True),
        "the candidate's gradient used the tanh derivative of the cell state: cct is the tanh of its own "
        "pre-activation, so the derivative on its path is written with cct, as each gate's is written with the "
        "gate's value (section 4, step 2).":
            lambda da_next, dc_next, cache: _lstm_cell_back(da_next, dc_next, cache, candidate_at="tanh(c_next)"),
        "the path from a_next to c_next used the candidate's tanh derivative: a_next = ot * tanh(c_next) applies "
        "its tanh to c_next, so that derivative is written with tanh(c_next), not with cct (section 4, step 1).":
            lambda da_next, dc_next, cache: _lstm_cell_back(da_next, dc_next, cache, squash_at="cct"),
        "the derivative of the tanh in a_next = ot * tanh(c_next) was written with c_next itself: tanh's derivative "
        "is 1 - tanh^2, so it is written with tanh(c_next), the value the tanh gave (section 4, step 1).":
            lambda da_next, dc_next, cache: _lstm_cell_back(da_next, dc_next, cache, squash_at="c_next"),
        "the gates' derivative is missing: each gate is a sigmoid of its pre-activation, and the chain rule "
        "through that sigmoid multiplies each gate's gradient by its derivative (section 0 and section 4, step 2).":
            lambda da_next, dc_next, cache: _lstm_cell_back(da_next, dc_next, cache, gate_grad=False),
        "the output gate's gradient used c_next where the forward step used tanh(c_next) "
        "(section 4, step 2).":
            lambda da_next, dc_next, cache: _lstm_cell_back(da_next, dc_next, cache, o_reads=lambda c: c),
        "da_prev and dxt came from the wrong rows of the gradient of concat: concat = [a_prev; xt], so its "
        "first n_a rows belong to a_prev (section 4, step 3).":
            lambda da_next, dc_next, cache: _lstm_cell_back(
                da_next, dc_next, cache, state_rows=lambda n_a, d: (d[-n_a:], d[:-n_a])),
        "the parameter gradients are divided by m: da_next already carries the loss's 1/m, so here they are "
        "plain sums over the examples.":
            lambda da_next, dc_next, cache: _lstm_cell_back(da_next, dc_next, cache, per_example=True),
    },
    "lstm_backward": {
        "the recurrent gradient of the hidden state was dropped: a[:, :, t] also feeds step t+1, so the "
        "da_next of step t must include the da_prev that step t+1 sent back.":
            _lstm_backward_with(recurrent=False),
        "the cell state's gradient is not carried back: pass each step's dc_prev as the dc_next of the step "
        "before; this is the path that keeps long-range gradients alive (section 5).":
            _lstm_backward_with(carry_c=False),
        "the loop runs forward in time; step t needs what step t+1 sends back, so go from T_x - 1 down to 0.":
            _lstm_backward_with(forward_in_time=True),
        "the parameter gradients were overwritten at each step, so only step 0 is left; the weights are shared "
        "by every step, so add each step's gradient to the total (dWf += ...).":
            _lstm_backward_with(overwritten=True),
    },
    "gru_cell_forward": {
        "a_next keeps (1 - zt) of a_prev: in this course's convention (Cho et al. 2014, Keras, PyTorch) zt is "
        "the share of the old state that is kept, and the rest goes to the candidate; the deeplearning.ai "
        "lecture's update gate is the candidate's share (section 6, the convention).":
            lambda xt, a_prev, p: _gru_cell(xt, a_prev, p, keep=lambda zt: 1 - zt),
        "the reset gate multiplies Wc's product with a_prev (PyTorch's and Keras' default, reset after); this "
        "course resets a_prev before the product (section 6, the convention).":
            lambda xt, a_prev, p: _gru_cell(xt, a_prev, p, reset_after=True),
        "the candidate ignores the reset gate: it reads a_prev as it came in, where the reset gate should "
        "decide how much of a_prev the candidate sees (section 6, Math).":
            lambda xt, a_prev, p: _gru_cell(xt, a_prev, p, reset=False),
        "the reset and update gates are swapped: rt (from Wr, br) scales a_prev inside the candidate, zt (from "
        "Wz, bz) mixes the old state with the candidate.":
            lambda xt, a_prev, p: _gru_cell(xt, a_prev, p, swap_r_z=True),
    },
    "gru_forward": {
        "every step was fed a0: pass the state the previous step returned into the next gru_cell_forward.":
            lambda x, a0, p: _gru_forward(x, a0, p, carry_a=False),
    },
    "gru_cell_backward": {
        "da_prev lacks the direct path: a_prev is also kept in a_next through the update gate, and that path "
        "sends its own share back, besides the gates and the candidate (section 7, steps 1 and 4).":
            lambda da_next, cache: _gru_cell_back(da_next, cache, kept=False),
        "da_prev lacks the path through the candidate, which reads a_prev after the reset gate (section 7, "
        "steps 2 and 4).":
            lambda da_next, cache: _gru_cell_back(da_next, cache, through_reset=False),
        "dWc was built from [a_prev; xt]; look at what Wc multiplies in the forward step: the candidate reads "
        "the reset state (section 7, step 2).":
            lambda da_next, cache: _gru_cell_back(da_next, cache, reset_in_dWc=False),
        "the update gate's gradient has the wrong sign: look at which of a_prev and cct zt multiplies in a_next "
        "(section 7, step 1).":
            lambda da_next, cache: _gru_cell_back(da_next, cache, z_sign=-1),
    },
    "gru_backward": {
        "the recurrent gradient was dropped: a[:, :, t] also feeds step t+1, so the da_next of step t must "
        "include the da_prev that step t+1 sent back.":
            _gru_backward_with(recurrent=False),
        "the loop runs forward in time; step t needs what step t+1 sends back, so go from T_x - 1 down to 0.":
            _gru_backward_with(forward_in_time=True),
        "the parameter gradients were overwritten at each step, so only step 0 is left; add each step's "
        "gradient to the total (dWr += ...).":
            _gru_backward_with(overwritten=True),
    },
}
