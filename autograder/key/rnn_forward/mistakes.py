"""Known mistakes in the forward functions of the rnn_forward assignment."""
import numpy as np

from autograder.key import reference as ref


def cell_with(p, a_prev, xt, *, bias=True, activation=np.tanh, state_for_output=None, output_bias=True,
          output=ref.softmax, cache=None, swap_outputs=False, recurrent=lambda p, a_prev: p["Waa"] @ a_prev):
    """rnn_cell_forward with one part changed; the keyword names the part (recurrent: the term of a_prev)."""
    a_next = activation(recurrent(p, a_prev) + p["Wax"] @ xt + (p["ba"] if bias else 0))
    src = a_next if state_for_output is None else state_for_output(a_next, a_prev)
    yt_pred = output(p["Wya"] @ src + (p["by"] if output_bias else 0))
    cache = cache(a_next, a_prev, xt, p) if cache else (a_next, a_prev, xt, p)
    return (yt_pred, a_next, cache) if swap_outputs else (a_next, yt_pred, cache)


WAA_TRANSPOSED = ("Waa.T multiplies a_prev: in this course's column convention it is Waa @ a_prev (row-vector "
                  "texts write a_prev @ W with W of shape (n_a, n_a) the transpose of Waa; do not carry their "
                  "transpose over).")


def _forward(x, a0, p, *, update_state=True, store_prev=False, reset_caches=False, with_x=True):
    """rnn_forward with one part changed."""
    _, m, T_x = x.shape
    a, y_pred, caches = np.zeros((p["Waa"].shape[0], m, T_x)), np.zeros((p["Wya"].shape[0], m, T_x)), []
    a_next = a0
    for t in range(T_x):
        a_t, y_pred[:, :, t], cache = ref.rnn_cell_forward(x[:, :, t], a_next if update_state else a0, p)
        a[:, :, t] = a_next if store_prev else a_t
        a_next = a_t
        caches = [cache] if reset_caches else caches + [cache]
    return a, y_pred, ((caches, x) if with_x else caches)


SOFTMAX_AXIS_1 = ("this is a softmax over axis 1 (each row sums to 1): classes are rows, so each column must "
                  "sum to 1. Look at the axis your max and your sum run over (section 2, Shapes).")


def softmax_axis_1(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def softmax_whole_array(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def _softmax_one_max(z):
    e = np.exp(z - np.max(z))
    return e / e.sum(axis=0, keepdims=True)


def _softmax_column_max_whole_sum(z):
    e = np.exp(z - np.max(z, axis=0, keepdims=True))
    return e / np.sum(e)


def _softmax_unstable(z):
    e = np.exp(z)
    return e / np.sum(e, axis=0, keepdims=True)


MISTAKES = {
    "softmax": {
        SOFTMAX_AXIS_1: softmax_axis_1,
        "this normalises over the whole array (seed 002's softmax does this): the whole batch sums to 1 instead "
        "of each column. Look at the axis your sum runs over (section 2, Shapes).": softmax_whole_array,
        "this subtracts one max for the whole array (np.max(z)) instead of each column's max: a column whose "
        "logits lie far below that max underflows to exp(...) = 0 everywhere, and 0/0 gives nan. Look at the "
        "axis of your max: each column needs its own (section 2, Shapes).": _softmax_one_max,
        "the max is subtracted per column, but np.sum(e) divides by the sum over the whole array (seed 002's "
        "normalisation), so the batch sums to 1 instead of each column. Look at the axis of your sum: it runs "
        "over the whole array, and it should run within each column.": _softmax_column_max_whole_sum,
        "np.exp overflowed: exp(1000) is inf in float64. Subtract each column's max before exp; the result does "
        "not change because softmax(z) = softmax(z - c).": _softmax_unstable,
    },
    "rnn_cell_forward": {
        "this is what rnn_cell_forward returns without ba: add the bias inside the tanh.":
            lambda xt, a_prev, p: cell_with(p, a_prev, xt, bias=False),
        "this is what rnn_cell_forward returns without by: the output bias is missing from the logits that "
        "go into the softmax.":
            lambda xt, a_prev, p: cell_with(p, a_prev, xt, output_bias=False),
        "a_next is missing the tanh: it holds the pre-activation, and yt_pred reads that a_next (section 3, "
        "Math).":
            lambda xt, a_prev, p: cell_with(p, a_prev, xt, activation=lambda z: z),
        "a_next and yt_pred are swapped: return a_next, yt_pred, cache in this order.":
            lambda xt, a_prev, p: cell_with(p, a_prev, xt, swap_outputs=True),
        "yt_pred was computed from a_prev; the prediction at step t reads the new state a_next.":
            lambda xt, a_prev, p: cell_with(p, a_prev, xt, state_for_output=lambda a_next, a_prev: a_prev),
        "the cache must be (a_next, a_prev, xt, parameters) in this order.":
            lambda xt, a_prev, p: cell_with(p, a_prev, xt, cache=lambda a_next, a_prev, xt, p: (a_prev, a_next, xt, p)),
        "the cache lacks parameters: rnn_cell_backward needs (a_next, a_prev, xt, parameters), all four.":
            lambda xt, a_prev, p: cell_with(p, a_prev, xt, cache=lambda a_next, a_prev, xt, p: (a_next, a_prev, xt)),
        "yt_pred holds logits: the softmax is missing from the prediction.":
            lambda xt, a_prev, p: cell_with(p, a_prev, xt, output=lambda z: z),
        WAA_TRANSPOSED: lambda xt, a_prev, p: cell_with(dict(p, Waa=p["Waa"].T), a_prev, xt),
        # The two slips the notebook names (seed 002's Wya, and * for @): on most shapes numpy raises, and the
        # hint goes with that error (autograder.key.cases.make_case)
        "a_prev is multiplied by Wya, the output layer's weights (seed 002's first draft); the state that comes "
        "in goes through the recurrent weights (section 3, Shapes, and the notation table in section 1).":
            lambda xt, a_prev, p: cell_with(p, a_prev, xt, recurrent=lambda p, a_prev: p["Wya"] @ a_prev),
        "Waa and a_prev are multiplied with *, which multiplies entry by entry (and broadcasts the shapes); the "
        "recurrent term is a matrix product, (n_a, n_a) times (n_a, m) (section 3, Shapes).":
            lambda xt, a_prev, p: cell_with(p, a_prev, xt, recurrent=lambda p, a_prev: p["Waa"] * a_prev),
        "Waa and Wax are swapped: Waa multiplies a_prev, Wax multiplies xt.":
            lambda xt, a_prev, p: cell_with(dict(p, Waa=p["Wax"], Wax=p["Waa"]), a_prev, xt),
        "the softmax normalises the whole batch at once; each column (example) must sum to 1.":
            lambda xt, a_prev, p: cell_with(p, a_prev, xt, output=softmax_whole_array),
    },
    "rnn_forward": {
        "every step was fed a0: pass the state returned by the previous step into the next rnn_cell_forward.":
            lambda x, a0, p: _forward(x, a0, p, update_state=False),
        "a[:, :, t] holds the state before step t; store the new state a_next that step t returns.":
            lambda x, a0, p: _forward(x, a0, p, store_prev=True),
        "caches holds only the last step's cache: create the list once, before the loop, and append every "
        "step's cache to it.":
            lambda x, a0, p: _forward(x, a0, p, reset_caches=True),
        "caches must be the pair (list of the T_x cell caches, x); this is the list alone, without x.":
            lambda x, a0, p: _forward(x, a0, p, with_x=False),
    },
}
