"""The arguments of each check case of the lstm_gru assignment's functions, built from a size and a seeded
generator."""
from autograder.key import reference
from autograder.key.problems import problem


def _lstm_cell_forward_args(size, rng):
    x, _, a0, p = problem(size, rng, "lstm")
    return (x[:, :, 0], a0, rng.normal(0, 1, a0.shape), p)  # c_prev nonzero: a mistake that drops it shows


def _lstm_forward_args(size, rng):
    x, _, a0, p = problem(size, rng, "lstm")
    return (x, a0, p)


def _lstm_cell_backward_args(size, rng):
    xt, a_prev, c_prev, p = _lstm_cell_forward_args(size, rng)
    cache = reference.lstm_cell_forward(xt, a_prev, c_prev, p)[3]
    return (rng.normal(0, 1, a_prev.shape), rng.normal(0, 1, a_prev.shape), cache)


def _lstm_backward_args(size, rng):
    a, _, _, caches = reference.lstm_forward(*_lstm_forward_args(size, rng))
    return (rng.normal(0, 1, a.shape), caches)


def _gru_cell_forward_args(size, rng):
    x, _, a0, p = problem(size, rng, "gru")
    return (x[:, :, 0], a0, p)


def _gru_forward_args(size, rng):
    x, _, a0, p = problem(size, rng, "gru")
    return (x, a0, p)


def _gru_cell_backward_args(size, rng):
    cache = reference.gru_cell_forward(*_gru_cell_forward_args(size, rng))[2]
    return (rng.normal(0, 1, cache[0].shape), cache)


def _gru_backward_args(size, rng):
    a, _, caches = reference.gru_forward(*_gru_forward_args(size, rng))
    return (rng.normal(0, 1, a.shape), caches)


ARG_BUILDERS = {
    "lstm_cell_forward": _lstm_cell_forward_args,
    "lstm_forward": _lstm_forward_args,
    "lstm_cell_backward": _lstm_cell_backward_args,
    "lstm_backward": _lstm_backward_args,
    "gru_cell_forward": _gru_cell_forward_args,
    "gru_forward": _gru_forward_args,
    "gru_cell_backward": _gru_cell_backward_args,
    "gru_backward": _gru_backward_args,
}
