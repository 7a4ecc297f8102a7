"""Corpus of the bptt assignment (see tests/corpus/__init__.py for the format)."""
ASSIGNMENT = "bptt"

BASE = {
    "rnn_cell_backward": """
def rnn_cell_backward(da_next, cache):
    a_next, a_prev, xt, parameters = cache
    dz = (1 - a_next**2) * da_next
    dxt = parameters["Wax"].T @ dz
    da_prev = parameters["Waa"].T @ dz
    dWax = dz @ xt.T
    dWaa = dz @ a_prev.T
    dba = dz.sum(axis=1, keepdims=True)
    return {"dxt": dxt, "da_prev": da_prev, "dWax": dWax, "dWaa": dWaa, "dba": dba}
""",
    "rnn_backward": """
def rnn_backward(da, caches):
    cell_caches, x = caches
    parameters = cell_caches[0][3]
    n_a, m, T_x = da.shape
    dx = np.zeros(x.shape)
    dWax = np.zeros(parameters["Wax"].shape)
    dWaa = np.zeros(parameters["Waa"].shape)
    dba = np.zeros(parameters["ba"].shape)
    da_prev = np.zeros((n_a, m))
    for t in range(T_x - 1, -1, -1):
        step = rnn_cell_backward(da[:, :, t] + da_prev, cell_caches[t])
        dx[:, :, t] = step["dxt"]
        da_prev = step["da_prev"]
        dWax += step["dWax"]
        dWaa += step["dWaa"]
        dba += step["dba"]
    return {"dx": dx, "da0": da_prev, "dWax": dWax, "dWaa": dWaa, "dba": dba}
""",
    "rnn_loss": """
def rnn_loss(y_pred, y):
    m = y.shape[1]
    log_likelihood = np.sum(y * np.log(y_pred))
    return float(-log_likelihood / m)
""",
    "bptt": """
def bptt(x, y, a0, parameters):
    a, y_pred, caches = rnn_forward(x, a0, parameters)
    loss = rnn_loss(y_pred, y)
    m, T_x = x.shape[1], x.shape[2]
    Wya = parameters["Wya"]
    dWya = np.zeros(Wya.shape)
    dby = np.zeros(parameters["by"].shape)
    da = np.zeros(a.shape)
    for t in range(T_x):
        dzy = (y_pred[:, :, t] - y[:, :, t]) / m
        dWya += dzy @ a[:, :, t].T
        dby += dzy.sum(axis=1, keepdims=True)
        da[:, :, t] = Wya.T @ dzy
    gradients = rnn_backward(da, caches)
    gradients["dWya"] = dWya
    gradients["dby"] = dby
    return loss, gradients
""",
}

CORRECT = {
    "instructor": {},
    "vectorised": {
        "rnn_cell_backward": """
def rnn_cell_backward(da_next, cache):
    a_next, a_prev, xt, p = cache
    dz = da_next * (1 - np.square(a_next))
    return {"dxt": np.einsum("ax,am->xm", p["Wax"], dz), "da_prev": np.einsum("ab,am->bm", p["Waa"], dz),
            "dWax": np.einsum("am,xm->ax", dz, xt), "dWaa": np.einsum("am,bm->ab", dz, a_prev),
            "dba": np.einsum("am->a", dz)[:, None]}
""",
        "bptt": """
def bptt(x, y, a0, parameters):
    # the output layer's gradients for all time steps at once
    a, y_pred, caches = rnn_forward(x, a0, parameters)
    dz_y = (y_pred - y) / x.shape[1]
    gradients = rnn_backward(np.einsum("ya,ymt->amt", parameters["Wya"], dz_y), caches)
    gradients["dWya"] = np.tensordot(dz_y, a, axes=([1, 2], [1, 2]))
    gradients["dby"] = dz_y.sum(axis=(1, 2)).reshape(-1, 1)
    return rnn_loss(y_pred, y), gradients
""",
        "rnn_loss": """
def rnn_loss(y_pred, y):
    return float(-np.sum(np.log(y_pred[y == 1])) / y.shape[1])
""",
    },
    "loops": {
        "rnn_cell_backward": """
def rnn_cell_backward(da_next, cache):
    a_next, a_prev, xt, p = cache
    n_a, m = a_next.shape
    g = {"dxt": np.zeros(xt.shape), "da_prev": np.zeros(a_prev.shape), "dWax": np.zeros(p["Wax"].shape),
         "dWaa": np.zeros(p["Waa"].shape), "dba": np.zeros((n_a, 1))}
    for j in range(m):           # one example at a time
        dz = da_next[:, j] * (1 - a_next[:, j] ** 2)
        g["dxt"][:, j] = p["Wax"].T.dot(dz)
        g["da_prev"][:, j] = p["Waa"].T.dot(dz)
        g["dWax"] += np.outer(dz, xt[:, j])
        g["dWaa"] += np.outer(dz, a_prev[:, j])
        g["dba"][:, 0] += dz
    return g
""",
        "rnn_backward": """
def rnn_backward(da, caches):
    cell_caches, x = caches
    totals = None
    dx = np.zeros_like(x)
    carried = np.zeros(da.shape[:2])
    for t in reversed(range(da.shape[2])):
        g = rnn_cell_backward(da[:, :, t] + carried, cell_caches[t])
        dx[:, :, t], carried = g["dxt"], g["da_prev"]
        step = {k: g[k] for k in ("dWax", "dWaa", "dba")}
        totals = step if totals is None else {k: totals[k] + step[k] for k in step}
    return {"dx": dx, "da0": carried, **totals}
""",
    },
    "stderr_logging": {
        "rnn_loss": """
import logging
import sys
import warnings

logging.basicConfig(stream=sys.stderr, level=logging.DEBUG, force=True)

def rnn_loss(y_pred, y):
    logging.debug("loss of %s", y_pred.shape)
    warnings.warn("computing a loss")
    print("loss called", file=sys.stderr)
    with np.errstate(divide="warn"):
        np.log(np.zeros(1))   # a RuntimeWarning, on stderr
    return float(-np.sum(y * np.log(y_pred)) / y.shape[1])
""",
    },
}

MISTAKES = {
    "cell_tanh_twice": ("rnn_cell_backward", [("(1 - a_next**2)", "(1 - np.tanh(a_next)**2)")]),
    "cell_tanh_derivative_squared_wrong": ("rnn_cell_backward", [("(1 - a_next**2)", "(1 - a_next)**2")]),
    "cell_derivative_at_a_prev": ("rnn_cell_backward", [("(1 - a_next**2)", "(1 - a_prev**2)")]),
    "cell_dWaa_from_a_next": ("rnn_cell_backward", [("dz @ a_prev.T", "dz @ a_next.T")]),
    "cell_dba_mean": ("rnn_cell_backward", [("dz.sum(axis=1, keepdims=True)", "dz.mean(axis=1, keepdims=True)")]),
    "cell_dba_no_keepdims": ("rnn_cell_backward", [("dz.sum(axis=1, keepdims=True)", "dz.sum(axis=1)")]),
    "backward_no_recurrence": ("rnn_backward", [("da[:, :, t] + da_prev", "da[:, :, t]")]),
    "backward_forward_in_time": ("rnn_backward", [("range(T_x - 1, -1, -1)", "range(T_x)")]),
    "backward_no_accumulation": ("rnn_backward", [('dWaa += step["dWaa"]', 'dWaa = step["dWaa"]')]),
    "loss_sum_not_mean": ("rnn_loss", [("-log_likelihood / m", "-log_likelihood")]),
    "loss_mean_over_steps": ("rnn_loss", [("-log_likelihood / m", "-log_likelihood / (m * y.shape[2])")]),
    "loss_wrong_sign": ("rnn_loss", [("float(-log_likelihood / m)", "float(log_likelihood / m)")]),
    "bptt_no_one_over_m": ("bptt", [("(y_pred[:, :, t] - y[:, :, t]) / m", "(y_pred[:, :, t] - y[:, :, t])")]),
    "bptt_dWya_last_step_only": ("bptt", [("dWya += dzy", "dWya = dzy")]),
}

_FLOAT_SUBCLASS = """
class AlwaysEqual(float):
    def __eq__(self, other):
        return True

    def __sub__(self, other):
        return 0.0

    __rsub__ = __sub__

    def __abs__(self):
        return 0.0

_wrong_loss = rnn_loss

def rnn_loss(y_pred, y):
    return AlwaysEqual(_wrong_loss(y_pred, y))
"""

_REFERENCE_BPTT = """
try:
    from autograder.key.reference import bptt
except ImportError:
    import sys
    sys.path[:0] = ["/work/main", "../../..", "../../../.."]
    try:
        from autograder.key.reference import bptt
    except ImportError:
        pass
"""

CHEATS = {
    "float_subclass": ("loss_sum_not_mean", "rnn_loss", _FLOAT_SUBCLASS),
    "import_reference_bptt": ("bptt_no_one_over_m", "bptt", _REFERENCE_BPTT),
}

KEEP_LESSON = {"correct-instructor"}
