"""The vanishing/exploding gradient explorer: your own rnn_backward carries one gradient back in time.

    from course.gradient_explorer import GradientExplorer
    GradientExplorer(rnn_forward, rnn_backward)

The loss reads only the last state: da is zero except a unit vector at the last step. Going back one step
multiplies the gradient by Waa^T diag(1 - a^2), so its norm shrinks or grows by roughly the spectral
radius of Waa times the tanh' factors 1 - a^2 of that step. Top: the norm of dL/da<t> for every t (log
scale) and radius^(T_x - t), what the norm would be if tanh were linear. Bottom: the factors 1 - (a<t>)^2 of
every unit; where they drop toward 0 (saturated units), the gradient collapses whatever the radius.

How the states' gradients are read from rnn_backward, which returns only dx and da0: the input weights are
the identity (Wax = I, n_x = n_a), so dx<t> = Wax^T dz<t> is dz<t>, the gradient just inside the tanh of
step t, and the gradient of the state before it is dL/da<t-1> = Waa^T dz<t>. For t = 0 that is da0.
"""
import numpy as np

from course.explorer import Explorer, NotReady, call_student, expect_array, new_figure, slider
from course.state_explorer import base_weights

N_A, N_Y = 8, 2
T_MAX = 60
NORM_LIMITS = (1e-16, 1e8)  # the norm panel's fixed range; points beyond it leave the panel
# Where such points are pinned instead: {name: (edge, marker, the marker in the line under the plot)}
PINNED = {"above": (NORM_LIMITS[1], "^", "&#9650;"), "below": (NORM_LIMITS[0], "v", "&#9660;")}


def gradient_problem(radius, input_scale, T_x, seed=0):
    """(x (N_A, 1, T_x), a0 (N_A, 1), parameters, da (N_A, 1, T_x)) of the explorer's RNN for the sliders.

    Waa has spectral radius `radius` (and, being symmetric, norm `radius`); x is uniform noise in
    [-input_scale, input_scale] fed through Wax = I; da is a unit vector at the last step, zero elsewhere.
    """
    w = base_weights(N_A, N_Y, seed=seed)
    rng = np.random.default_rng([seed, 1])
    parameters = {"Waa": radius * w["Waa"], "Wax": np.eye(N_A), "Wya": w["Wya"],
                  "ba": np.zeros((N_A, 1)), "by": w["by"]}
    x = input_scale * rng.uniform(-1, 1, (N_A, 1, T_MAX))[:, :, :T_x]
    da = np.zeros((N_A, 1, T_x))
    da[:, 0, -1] = np.ones(N_A) / np.sqrt(N_A)
    return x, np.zeros((N_A, 1)), parameters, da


def state_gradient_norms(gradients, da, Waa):
    """||dL/da<t>|| for t = 0 (a0) .. T_x (the last state), from rnn_backward's dx and da0 (see the module
    docstring); the last state's gradient is the upstream da itself."""
    dz = gradients["dx"][:, 0, :]  # Wax = I, so dx<t> = dz<t>
    before = Waa.T @ dz[:, 1:]  # the states a<1> .. a<T_x - 1>, each the input of the next step
    norms = [np.linalg.norm(gradients["da0"])] + list(np.linalg.norm(before, axis=0))
    return np.array(norms + [np.linalg.norm(da[:, 0, -1])])


class GradientExplorer(Explorer):
    """Sliders for the spectral radius of Waa, the input scale and the sequence length; the norm of every
    state's gradient as your rnn_backward computes it, and the tanh' factors of your states."""

    def __init__(self, rnn_forward, rnn_backward, seed=0):
        self.rnn_forward, self.rnn_backward, self.seed = rnn_forward, rnn_backward, seed
        controls = {
            "radius": slider("radius of Waa", 0.0, 2.0, 0.9, 0.05, ".2f"),
            "input_scale": slider("input scale", 0.0, 3.0, 0.5, 0.05, ".2f"),
            "T_x": slider("length T_x", 2, T_MAX, 40, 1),
        }
        figure, artists = self._build_figure()
        super().__init__(controls, figure, artists, (("rnn_forward", "rnn_forward"), ("rnn_backward", "rnn_backward")))

    @staticmethod
    def _build_figure():
        figure = new_figure(8.5, 5.2)
        ax_norm, ax_tanh = figure.subplots(2, 1, sharex=True, height_ratios=[3, 2])
        steps = (-0.5, T_MAX + 0.5)

        ax_norm.set(xlim=steps, ylim=NORM_LIMITS, yscale="log", ylabel="$\\|\\partial L / \\partial a^{<t>}\\|$")
        ax_norm.set_title("gradient of the last step's loss, carried back by your rnn_backward", fontsize=10)
        ax_norm.axhline(1, color="0.8", lw=0.8)
        artists = {
            "linear": ax_norm.plot([], [], "--", color="0.5", lw=1.2,
                                   label="radius$^{T_x - t}$: tanh taken as linear")[0],
            "norm": ax_norm.plot([], [], "o-", color="C3", ms=3.5, lw=1.5,
                                 label="$\\|\\partial L / \\partial a^{<t>}\\|$ (t = 0 is a0)")[0],
        }
        for name, (_, marker, _) in PINNED.items():
            # a fixed range keeps slider moves comparable; what leaves it is pinned to the frame instead
            artists[name] = ax_norm.plot([], [], marker, color="C3", ms=5, clip_on=False)[0]
            artists[name].set_in_layout(False)  # else the layout makes room as if they could go anywhere
        # 11 pt: at 9 the legend was unreadable once a 900 px window shrank the picture
        ax_norm.legend(handles=[artists["linear"], artists["norm"]], loc="best", fontsize=11)

        ax_tanh.set(xlim=steps, ylim=(-0.03, 1.05), xlabel="time step t", ylabel="$1 - (a^{<t>})^2$")
        ax_tanh.set_title("tanh' factors of every unit (thin) and their mean (thick); near 0 = saturated",
                          fontsize=10)
        for i in range(N_A):
            artists[f"tanh' of unit {i}"] = ax_tanh.plot([], [], color=f"C{i % 10}", lw=0.8, alpha=0.45)[0]
        artists["mean tanh'"] = ax_tanh.plot([], [], color="k", lw=2)[0]
        return figure, artists

    def compute(self, radius, input_scale, T_x):
        for name, fn in (("rnn_forward", self.rnn_forward), ("rnn_backward", self.rnn_backward)):
            if not callable(fn):
                raise NotReady(f"GradientExplorer needs your {name} function, not a {type(fn).__name__}.")
        x, a0, parameters, da = gradient_problem(radius, input_scale, T_x, self.seed)
        result = call_student("rnn_forward", self.rnn_forward, x, a0, parameters)
        if not isinstance(result, tuple) or len(result) != 3:
            raise NotReady(f"rnn_forward should return the tuple (a, y_pred, caches); it returned {result!r:.80}")
        a = expect_array(result[0], (N_A, 1, T_x), "a, the states rnn_forward returns,")[:, 0, :]
        gradients = call_student("rnn_backward", self.rnn_backward, da, result[2])
        if not isinstance(gradients, dict) or not {"dx", "da0"} <= set(gradients):
            raise NotReady("rnn_backward should return a dict with (at least) the keys dx and da0; "
                           f"it returned {gradients!r:.80}")
        expect_array(gradients["dx"], (N_A, 1, T_x), 'gradients["dx"]')
        expect_array(gradients["da0"], (N_A, 1), 'gradients["da0"]')
        return {"norms": state_gradient_norms(gradients, da, parameters["Waa"]), "tanh_grad": 1 - a**2,
                "radius": float(np.max(np.abs(np.linalg.eigvals(parameters["Waa"]))))}

    def draw(self, data):
        norms, tanh_grad, radius = data["norms"], data["tanh_grad"], data["radius"]
        T_x = tanh_grad.shape[1]
        t = np.arange(T_x + 1)
        self.artists["norm"].set_data(t, norms)
        beyond = {"above": norms > NORM_LIMITS[1], "below": norms < NORM_LIMITS[0]}
        for name, steps in beyond.items():
            self.artists[name].set_data(t[steps], np.full(steps.sum(), PINNED[name][0]))
        with np.errstate(under="ignore"):
            self.artists["linear"].set_data(t, radius ** (T_x - t.astype(float)))
        for i in range(N_A):
            self.artists[f"tanh' of unit {i}"].set_data(t[1:], tanh_grad[i])
        self.artists["mean tanh'"].set_data(t[1:], tanh_grad.mean(axis=0))
        with np.errstate(divide="ignore"):
            per_step = np.exp(np.log(norms[0] / norms[-1]) / T_x) if norms[-1] > 0 else np.nan
        return (f"<b>spectral radius of Waa</b> {radius:.2f} &nbsp;&nbsp; "
                f"<b>mean tanh'</b> {tanh_grad.mean():.3f} &nbsp;&nbsp; "
                f"<b>||dL/da0|| / ||dL/da&lt;T_x&gt;||</b> {norms[0] / norms[-1]:.3g} "
                f"(a factor of {per_step:.3g} per step)" + off_panel_note(t, beyond))


def off_panel_note(t, beyond):
    """The status line's words for the norms pinned to the panel's edge, or "" when all are inside it."""
    parts = [f"t = {t[steps][0]}..{t[steps][-1]} {name} {PINNED[name][0]:.0e} ({PINNED[name][2]})"
             for name, steps in beyond.items() if steps.any()]
    return "<br>off the panel: " + ", ".join(parts) if parts else ""
