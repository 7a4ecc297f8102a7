"""The gradient-flow explorer of the gated cells: one gradient carried back in time by your vanilla RNN, LSTM and
GRU, side by side.

    from course.gate_explorer import GateExplorer
    GateExplorer(rnn_forward, rnn_cell_backward, lstm_forward, lstm_cell_backward, gru_forward, gru_cell_backward)

The loss reads only the last hidden state: the gradient starts as a unit vector at step T_x and each model's
cell backward function carries it to the state before, step by step, down to a0. Top: ||dL/da<t>|| of the
three models (log scale), and the LSTM's ||dL/dc<t>|| along the cell state, from what enters c at step T_x
(through a<T_x> = o * tanh(c<T_x>)) down to c0. Bottom: the factor each model's most direct path back
multiplies the gradient by at step t: the RNN's mean tanh' 1 - a<t>^2 (it also goes through Waa^T), the
LSTM's mean forget gate ft (c_prev reaches c_next through ft alone), the GRU's mean update gate zt (a_prev
reaches a_next through zt alone).

All three models share their recurrent weights' directions: each W? of the gated cells has the RNN's Waa (times
the slider's radius) on its a_prev columns and the identity on its xt columns, so the sliders mean the same for
all three. The bias slider sets the keeping gates' biases (bf, bz); every other bias is 0.
"""
import numpy as np

from course.explorer import Explorer, NotReady, call_student, expect_array, new_figure, slider
from course.gradient_explorer import NORM_LIMITS
from course.state_explorer import base_weights
from course.toy import GATES

N_A = 8
T_MAX = 60
MODELS = ("rnn", "lstm", "gru")
COLORS = {"rnn": "C3", "lstm": "C0", "gru": "C2"}
NAMES = {"rnn": "vanilla RNN", "lstm": "LSTM", "gru": "GRU"}


def gate_problem(radius, keep_bias, input_scale, T_x, seed=0):
    """(x (N_A, 1, T_x), a0 (N_A, 1), {model: parameters}) of the explorer for the sliders' values."""
    w = base_weights(N_A, 2, seed=seed)
    rng = np.random.default_rng([seed, 2])
    x = input_scale * rng.uniform(-1, 1, (N_A, 1, T_MAX))[:, :, :T_x]
    recurrent_and_input = np.concatenate([radius * w["Waa"], np.eye(N_A)], axis=1)
    parameters = {"rnn": {"Waa": radius * w["Waa"], "Wax": np.eye(N_A), "ba": np.zeros((N_A, 1)),
                          "Wya": w["Wya"], "by": w["by"]}}
    for cell in ("lstm", "gru"):
        p = {"Wy": w["Wya"], "by": w["by"]}
        for gate in GATES[cell]:
            p["W" + gate] = recurrent_and_input.copy()
            p["b" + gate] = np.zeros((N_A, 1))
        p["bf" if cell == "lstm" else "bz"] += keep_bias
        parameters[cell] = p
    return x, np.zeros((N_A, 1)), parameters


def _cell_caches(name, outputs, T_x):
    """The list of T_x cell caches from what a forward function returned (its last part, (caches, x))."""
    caches = outputs[-1] if isinstance(outputs, tuple) else None
    if not (isinstance(caches, tuple) and len(caches) == 2 and isinstance(caches[0], list) and len(caches[0]) == T_x):
        raise NotReady(f"{name} should return its caches last, as the pair (list of the {T_x} cell caches, x).")
    return caches[0]


def _gradient(name, value, shape):
    return expect_array(value, shape, f'{name}\'s gradient')


class GateExplorer(Explorer):
    """Sliders for the recurrent weights' spectral radius, the keeping gates' bias, the input scale and the
    length; the gradient each of your three models carries back, and the factor of its most direct path."""

    def __init__(self, rnn_forward, rnn_cell_backward, lstm_forward, lstm_cell_backward, gru_forward,
                 gru_cell_backward, seed=0):
        self.rnn_forward, self.rnn_cell_backward = rnn_forward, rnn_cell_backward
        self.lstm_forward, self.lstm_cell_backward = lstm_forward, lstm_cell_backward
        self.gru_forward, self.gru_cell_backward = gru_forward, gru_cell_backward
        self.seed = seed
        controls = {
            "radius": slider("radius of W", 0.0, 2.0, 0.9, 0.05, ".2f"),
            "keep_bias": slider("bias of bf, bz", -2.0, 6.0, 2.0, 0.25, ".2f"),
            "input_scale": slider("input scale", 0.0, 3.0, 0.5, 0.05, ".2f"),
            "T_x": slider("length T_x", 2, T_MAX, 40, 1),
        }
        figure, artists = self._build_figure()
        students = [(f"{m}_{part}", f"{m}_{part}") for m in ("lstm", "gru") for part in ("forward", "cell_backward")]
        super().__init__(controls, figure, artists, students)

    @staticmethod
    def _build_figure():
        figure = new_figure(9.5, 5.6)
        ax_norm, ax_keep = figure.subplots(2, 1, sharex=True, height_ratios=[3, 2])
        steps = (-0.5, T_MAX + 0.5)
        ax_norm.set(xlim=steps, ylim=NORM_LIMITS, yscale="log", ylabel="gradient norm")
        ax_norm.set_title("the last state's gradient, carried back by your cell backward functions", fontsize=10)
        ax_norm.axhline(1, color="0.8", lw=0.8)
        artists = {m: ax_norm.plot([], [], "o-", color=COLORS[m], ms=3, lw=1.5,
                                   label=f"{NAMES[m]}: $\\|\\partial L / \\partial a^{{<t>}}\\|$")[0] for m in MODELS}
        artists["lstm cell"] = ax_norm.plot([], [], "--", color=COLORS["lstm"], lw=1.2,
                                            label="LSTM: $\\|\\partial L / \\partial c^{<t>}\\|$")[0]
        # beside the axes, not on them: at a closed gate's bias every corner of the plot holds a line
        ax_norm.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9)
        ax_keep.set(xlim=steps, ylim=(-0.03, 1.05), xlabel="time step t", ylabel="factor per step")
        ax_keep.set_title("the most direct path back: RNN mean tanh', LSTM mean ft, GRU mean zt", fontsize=10)
        # the LSTM's ft and the GRU's zt read the same weights and bias, so their lines often coincide: the
        # wide pale one stays visible under the narrow one
        for m, label, lw, alpha in (("rnn", "RNN $1 - a^2$", 2, 1), ("lstm", "LSTM $f_t$", 5, 0.45),
                                    ("gru", "GRU $z_t$", 1.8, 1)):
            artists[f"{m} factor"] = ax_keep.plot([], [], color=COLORS[m], lw=lw, alpha=alpha, label=label)[0]
        ax_keep.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9)
        return figure, artists

    def compute(self, radius, keep_bias, input_scale, T_x):
        x, a0, parameters = gate_problem(radius, keep_bias, input_scale, T_x, self.seed)
        da = np.ones((N_A, 1)) / np.sqrt(N_A)
        data = {}
        for m in MODELS:
            forward, cell_backward = getattr(self, f"{m}_forward"), getattr(self, f"{m}_cell_backward")
            for name, fn in ((f"{m}_forward", forward), (f"{m}_cell_backward", cell_backward)):
                if not callable(fn):
                    raise NotReady(f"GateExplorer needs your {name} function, not a {type(fn).__name__}.")
            outputs = call_student(f"{m}_forward", forward, x, a0, parameters[m])
            caches = _cell_caches(f"{m}_forward", outputs, T_x)
            a = expect_array(outputs[0], (N_A, 1, T_x), f"a, the states {m}_forward returns,")[:, 0, :]
            data[m] = self._carry_back(m, cell_backward, caches, da)
            if m == "rnn":
                data["rnn factor"] = (1 - a**2).mean(axis=0)
            else:  # the gate's place in the cache: (.., ft, ..) of the LSTM, (.., zt, ..) of the GRU
                gate = 4 if m == "lstm" else 3
                data[f"{m} factor"] = np.array([np.mean(c[gate]) for c in caches])
        return data

    @staticmethod
    def _carry_back(m, cell_backward, caches, da):
        """||dL/da<t>|| for t = 0 (a0) .. T_x, and for the LSTM ||dL/dc<t>|| along the cell state: at T_x what
        enters it through a<T_x> = ot * tanh(c<T_x>), before that what the cell backward carries back."""
        da_next, dc_next = da, np.zeros_like(da)
        norms, cell_norms = [np.linalg.norm(da)], []
        if m == "lstm":  # the cache's c_next and ot (lstm_cell_forward's cache order)
            c_last, o_last = np.asarray(caches[-1][1]), np.asarray(caches[-1][7])
            cell_norms.append(np.linalg.norm(da * o_last * (1 - np.tanh(c_last) ** 2)))
        for cache in reversed(caches):
            if m == "lstm":
                g = call_student("lstm_cell_backward", cell_backward, da_next, dc_next, cache)
            else:
                g = call_student(f"{m}_cell_backward", cell_backward, da_next, cache)
            if not isinstance(g, dict) or "da_prev" not in g:
                raise NotReady(f"{m}_cell_backward should return a dict with (at least) the key da_prev.")
            da_next = _gradient(f'{m}_cell_backward\'s "da_prev"', g["da_prev"], da.shape)
            norms.append(np.linalg.norm(da_next))
            if m == "lstm":
                dc_next = _gradient('lstm_cell_backward\'s "dc_prev"', g.get("dc_prev"), da.shape)
                cell_norms.append(np.linalg.norm(dc_next))
        result = {"norms": np.array(norms[::-1])}
        if m == "lstm":
            result["cell norms"] = np.array(cell_norms[::-1])
        return result

    def draw(self, data):
        T_x = len(data["rnn"]["norms"]) - 1
        t = np.arange(T_x + 1)
        # NORM_LIMITS' lower edge stands for 0 on the log axis: a gradient that underflowed is drawn there
        floor = lambda v: np.maximum(v, NORM_LIMITS[0])  # noqa: E731
        for m in MODELS:
            self.artists[m].set_data(t, floor(data[m]["norms"]))
            self.artists[f"{m} factor"].set_data(t[1:], data[f"{m} factor"])
        cell = data["lstm"]["cell norms"]
        self.artists["lstm cell"].set_data(t, floor(cell))
        ratio = {m: data[m]["norms"][0] / data[m]["norms"][-1] for m in MODELS}
        # dL/dc0 also holds what entered c at earlier steps (through each a<t>), so it is shown beside
        # dL/dc<T_x>, not as a fraction of it
        return ("<b>||dL/da0|| / ||dL/da&lt;T_x&gt;||</b> &nbsp; " +
                " &nbsp;&nbsp; ".join(f"{NAMES[m]} {ratio[m]:.3g}" for m in MODELS) +
                f"<br><b>LSTM's cell state</b> &nbsp; ||dL/dc&lt;T_x&gt;|| {cell[-1]:.3g} (what enters it from "
                f"a&lt;T_x&gt;), ||dL/dc0|| {cell[0]:.3g}" +
                f"<br><b>mean factor per step</b> &nbsp; RNN tanh' {data['rnn factor'].mean():.3f}, "
                f"LSTM ft {data['lstm factor'].mean():.3f}, GRU zt {data['gru factor'].mean():.3f}")
