"""The tanh state explorer: your own rnn_forward on a small RNN whose weights you set with sliders.

    from course.state_explorer import StateExplorer
    StateExplorer(rnn_forward)

Left: the input sequence and every hidden unit a^<t> over time. Right: the tanh curve with the
pre-activation of every unit at every step marked on it. Saturation shows as states pressed against +-1
(markers on the flat ends of tanh); fading memory shows as states decaying toward 0 after an impulse.
"""
import numpy as np

from course.explorer import Explorer, NotReady, call_student, choice, expect_array, new_figure, slider

N_A, N_Y = 4, 2
T_MAX = 60
Z_LIMIT = 4.0  # the tanh panel's half width; pre-activations beyond it are drawn at its edge
SATURATED = 0.95  # |a| above this: tanh' = 1 - a^2 < 0.1, the unit barely responds to its input
BAND = "#fde0c5"  # the saturated band: a colour of its own, so the flat ends of the tanh curve show inside it
PATTERNS = ("impulse", "step", "sine", "noise")


def input_patterns(T_max=T_MAX, seed=0):
    """{name: array (T_max,)} of input sequences with values in [-1, 1]."""
    t = np.arange(T_max)
    return {
        "impulse": (t == 0).astype(float),  # one kick, then silence: how long does the state remember it?
        "step": (t >= 3).astype(float),
        "sine": np.sin(2 * np.pi * t / 12),
        "noise": np.random.default_rng(seed).uniform(-1, 1, T_max),
    }


def base_weights(n_a=N_A, n_y=N_Y, seed=0):
    """Fixed random directions the sliders scale: Waa with spectral radius 1, Wax (n_a, 1), Wya, by.

    Waa = Q diag(eigenvalues) Q^T with Q orthogonal and the largest eigenvalue exactly 1, so `radius`
    times Waa has spectral radius `radius`, and its slowest mode neither oscillates nor flips sign.
    """
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(0, 1, (n_a, n_a)))
    eigenvalues = np.r_[1.0, rng.uniform(-0.7, 0.8, n_a - 1)]
    Waa = Q @ np.diag(eigenvalues) @ Q.T
    Wax = rng.choice([-1.0, 1.0], (n_a, 1)) * rng.uniform(0.5, 1.0, (n_a, 1))
    return {"Waa": Waa, "Wax": Wax, "Wya": rng.normal(0, 1, (n_y, n_a)), "by": np.zeros((n_y, 1))}


def explorer_problem(radius, input_scale, bias, T_x, pattern, seed=0):
    """(x (1, 1, T_x), a0 (N_A, 1), parameters) of the explorer's RNN for the sliders' values."""
    w = base_weights(seed=seed)
    parameters = {"Waa": radius * w["Waa"], "Wax": input_scale * w["Wax"], "Wya": w["Wya"],
                  "ba": np.full((N_A, 1), float(bias)), "by": w["by"]}
    x = input_patterns(seed=seed)[pattern][:T_x].reshape(1, 1, T_x)
    return x, np.zeros((N_A, 1)), parameters


class StateExplorer(Explorer):
    """Sliders for the spectral radius of Waa, the input scale, the bias and the sequence length, a choice
    of input pattern, and the hidden states your rnn_forward computes for them."""

    def __init__(self, rnn_forward, seed=0):
        self.rnn_forward, self.seed = rnn_forward, seed
        controls = {
            "radius": slider("radius of Waa", 0.0, 2.0, 0.9, 0.01, ".2f"),  # 0.01: the notebook asks for 0.99
            "input_scale": slider("input scale", 0.0, 3.0, 1.0, 0.05, ".2f"),
            "bias": slider("bias ba", -1.5, 1.5, 0.0, 0.05, ".2f"),
            "T_x": slider("length T_x", 1, T_MAX, 30, 1),
            "pattern": choice("input x", PATTERNS, "impulse"),
        }
        figure, artists = self._build_figure()
        super().__init__(controls, figure, artists, (("rnn_forward", "rnn_forward"),))

    @staticmethod
    def _build_figure():
        figure = new_figure(10, 4.6, layout=None)
        # Fixed margins instead of a constrained layout: the first picture comes twice as fast.
        axes = figure.subplot_mosaic([["input", "tanh"], ["states", "tanh"]], height_ratios=[1, 3],
                                     width_ratios=[1.6, 1], gridspec_kw=dict(
                                         left=0.07, right=0.985, top=0.94, bottom=0.2, wspace=0.2, hspace=0.3))
        colors = [f"C{i}" for i in range(N_A)]
        steps = (0.5, T_MAX + 0.5)

        ax = axes["input"]
        ax.set(xlim=steps, ylim=(-3.3, 3.3), ylabel="scale $\\cdot\\, x^{<t>}$")
        ax.set_title("input sequence times the input scale", fontsize=10)
        ax.tick_params(labelbottom=False)
        ax.axhline(0, color="0.8", lw=0.8)
        artists = {"input": ax.plot([], [], color="0.3", drawstyle="steps-mid", lw=1.5)[0]}

        ax = axes["states"]
        ax.sharex(axes["input"])
        ax.set(xlim=steps, ylim=(-1.08, 1.08), xlabel="time step t", ylabel="$a^{<t>}$")
        ax.set_title("hidden units: what your rnn_forward returns", fontsize=10)
        for y in (-1, 1):  # the saturated bands, where tanh is flat
            ax.axhspan(SATURATED * y, 1.08 * y, color=BAND, lw=0)
        ax.axhline(0, color="0.8", lw=0.8)
        for i, c in enumerate(colors):
            artists[f"unit {i}"] = ax.plot([], [], color=c, marker=".", ms=4, lw=1.5, label=f"unit {i}")[0]
        figure.legend(loc="lower center", ncol=N_A, fontsize=9, frameon=False)

        ax = axes["tanh"]
        z = np.linspace(-Z_LIMIT, Z_LIMIT, 400)
        ax.plot(z, np.tanh(z), color="0.25", lw=2, zorder=1)
        for y in (-1, 1):
            ax.axhspan(SATURATED * y, 1.08 * y, color=BAND, lw=0)
        ax.set(xlim=(-Z_LIMIT - 0.2, Z_LIMIT + 0.2), ylim=(-1.08, 1.08),
               xlabel="pre-activation $z = W_{aa}a^{<t-1>} + W_{ax}x^{<t>} + b_a$", ylabel="$a = \\tanh(z)$")
        ax.set_title(f"every step on tanh (orange band: |a| > {SATURATED})", fontsize=10)
        for i, c in enumerate(colors):
            artists[f"z of unit {i}"] = ax.plot([], [], "o", color=c, ms=5, alpha=0.6)[0]
        return figure, artists

    def compute(self, radius, input_scale, bias, T_x, pattern):
        x, a0, parameters = explorer_problem(radius, input_scale, bias, T_x, pattern, self.seed)
        if not callable(self.rnn_forward):
            raise NotReady(f"StateExplorer needs your rnn_forward function, not a {type(self.rnn_forward).__name__}.")
        result = call_student("rnn_forward", self.rnn_forward, x, a0, parameters)
        if not isinstance(result, tuple) or len(result) != 3:
            raise NotReady(f"rnn_forward should return the tuple (a, y_pred, caches); it returned {result!r:.80}")
        a = expect_array(result[0], (N_A, 1, T_x), "a, the states rnn_forward returns,")[:, 0, :]
        if np.max(np.abs(a)) > 1:
            raise NotReady(f"a has values outside [-1, 1] (largest |a| is {np.max(np.abs(a)):.3g}); "
                           "tanh keeps every state between -1 and 1: is np.tanh applied?")
        # The scale multiplies Wax, which is the same as scaling x: plotted so, the slider moves this panel too.
        radius = float(np.max(np.abs(np.linalg.eigvals(parameters["Waa"]))))
        return {"x": input_scale * x[0, 0], "a": a, "radius": radius}

    def draw(self, data):
        a, T_x = data["a"], data["a"].shape[1]
        t = np.arange(1, T_x + 1)
        self.artists["input"].set_data(t, data["x"])
        # The pre-activation is recovered from the state itself (z = artanh(a)), so the markers show
        # exactly what the student's rnn_forward computed; |a| = 1 in float64 means z is off the panel.
        with np.errstate(divide="ignore"):
            z = np.clip(np.arctanh(a), -Z_LIMIT, Z_LIMIT)
        for i in range(a.shape[0]):
            self.artists[f"unit {i}"].set_data(t, a[i])
            self.artists[f"z of unit {i}"].set_data(z[i], a[i])
        saturated = np.mean(np.abs(a) > SATURATED)
        return (f"<b>spectral radius of Waa</b> {data['radius']:.2f} &nbsp;&nbsp; "
                f"<b>mean |a|</b> {np.mean(np.abs(a)):.3f} &nbsp;&nbsp; "
                f"<b>saturated</b> (|a| &gt; {SATURATED}) {saturated:.0%} &nbsp;&nbsp; "
                f"<b>mean |a| at the last step</b> {np.mean(np.abs(a[:, -1])):.3f}")
