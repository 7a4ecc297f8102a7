"""The bidirectional explorer: which input steps can the output at step t feel, in your own birnn_forward?

    from course.birnn_explorer import BiRNNExplorer
    BiRNNExplorer(birnn_forward)

Sliders choose the output step t and the spectral radius of both recurrent matrices; a choice keeps the
forward direction, the backward direction or both (by zeroing the other half of Wya). The plot shows, for
every input step s, how much the outputs at step t move per unit nudge of x_s (log scale): a forward RNN
feels only s <= t, a backward one only s >= t, a bidirectional one both, and the radius sets how far.
"""
import numpy as np

from course.architectures import random_birnn_parameters
from course.explorer import Explorer, NotReady, call_student, choice, expect_array, new_figure, slider

N_X, N_A, N_Y, M, T_X = 1, 6, 2, 8, 16
FLOOR = 1e-8  # influences below this are drawn on the floor of the log axis
FELT = 1e-5  # an input counts as felt above this: 1000 times the floor, well above finite-difference noise
EPS = 1e-6
DIRECTIONS = ("forward", "backward", "both")


def explorer_problem(radius, direction, seed=0):
    """(x (N_X, M, T_X), a0 (N_A, M), parameters) for the controls' values: both recurrent matrices scaled
    to spectral radius `radius`, and the half of Wya reading the unused direction set to zero."""
    rng = np.random.default_rng(seed)
    p = random_birnn_parameters(N_X, N_A, N_Y, rng, scale=1.0)
    for d in ("f", "b"):
        W = p[f"Waa_{d}"]
        p[f"Waa_{d}"] = W * (radius / np.max(np.abs(np.linalg.eigvals(W))))
    keep = {"forward": (1, 0), "backward": (0, 1), "both": (1, 1)}[direction]
    p["Wya"] = p["Wya"] * np.repeat(keep, N_A)[None, :]
    return rng.normal(0, 1, (N_X, M, T_X)), np.zeros((N_A, M)), p


class BiRNNExplorer(Explorer):
    """Sliders for the output step and the recurrent radius, a choice of direction, and the influence of
    every input step on that output, computed with your birnn_forward."""

    def __init__(self, birnn_forward, seed=0):
        self.birnn_forward, self.seed = birnn_forward, seed
        controls = {
            "t": slider("output step t", 0, T_X - 1, T_X // 2, 1),
            "radius": slider("radius of Waa", 0.1, 1.5, 0.8, 0.05, ".2f"),
            "direction": choice("directions", DIRECTIONS, "both"),
        }
        figure = new_figure(8, 3.2, layout=None)
        ax = figure.add_axes((0.1, 0.17, 0.87, 0.72))
        ax.set(xlim=(-0.5, T_X - 0.5), ylim=(FLOOR, 10), yscale="log", xlabel="input step s",
               ylabel="influence on the output at t")
        ax.set_title("mean |change of y_t| per unit nudge of x_s, from your birnn_forward", fontsize=10)
        artists = {"influence": ax.plot([], [], "o-", color="C0", lw=1.5)[0],
                   "t": ax.plot([], [], color="C3", lw=1, ls="--")[0],
                   # in the picture too, so that every move of a control changes what is drawn
                   "settings": ax.text(0.99, 0.96, "", transform=ax.transAxes, ha="right", va="top", fontsize=9)}
        ax.axhline(FELT, color="gray", lw=0.8, ls=":", label=f"felt: above {FELT:g}")
        ax.legend(loc="upper left", fontsize=8, frameon=False)
        super().__init__(controls, figure, artists, (("birnn_forward", "birnn_forward"),))

    def compute(self, t, radius, direction):
        if not callable(self.birnn_forward):
            raise NotReady(f"BiRNNExplorer needs your birnn_forward function, not a "
                           f"{type(self.birnn_forward).__name__}.")
        x, a0, p = explorer_problem(radius, direction, self.seed)
        base = self._outputs(x, a0, p, t)
        influence = np.zeros(T_X)
        for s in range(T_X):
            nudged = x.copy()
            nudged[:, :, s] += EPS
            influence[s] = np.mean(np.abs(self._outputs(nudged, a0, p, t) - base)) / EPS
        return {"influence": influence, "t": t, "radius": radius, "direction": direction}

    def _outputs(self, x, a0, p, t):
        result = call_student("birnn_forward", self.birnn_forward, x, a0, a0, p)
        if not isinstance(result, tuple) or len(result) != 3:
            raise NotReady(f"birnn_forward should return the tuple (a, y_pred, caches); it returned {result!r:.80}")
        return expect_array(result[1], (N_Y, M, T_X), "y_pred, the predictions birnn_forward returns,")[:, :, t]

    def draw(self, data):
        influence, t = data["influence"], data["t"]
        self.artists["influence"].set_data(np.arange(T_X), np.maximum(influence, FLOOR))
        self.artists["t"].set_data([t, t], [FLOOR, 10])
        self.artists["settings"].set_text(f"t = {t}, radius {data['radius']:.2f}, {data['direction']}")
        felt = influence > FELT
        return (f"<b>radius of Waa</b> {data['radius']:.2f} &nbsp;&nbsp; <b>inputs felt by the output at "
                f"t = {t}</b> (influence above {FELT:g}, the dotted line): {int(felt[:t].sum())} of the {t} "
                f"before it, {int(felt[t + 1:].sum())} of the {T_X - 1 - t} after it")
