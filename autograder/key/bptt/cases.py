"""The arguments of each check case of the bptt assignment's functions, built from a size and a seeded generator."""
from autograder.key import reference
from autograder.key.problems import problem


def _cell_backward_args(size, rng):
    x, _, a0, p = problem(size, rng)
    _, _, cache = reference.rnn_cell_forward(x[:, :, 0], a0, p)
    return (rng.normal(0, 1, a0.shape), cache)


def _backward_args(size, rng):
    x, _, a0, p = problem(size, rng)
    a, _, caches = reference.rnn_forward(x, a0, p)
    return (rng.normal(0, 1, a.shape), caches)


def _loss_args(size, rng):
    x, y, a0, p = problem(size, rng)
    return (reference.rnn_forward(x, a0, p)[1], y)


def _bptt_args(size, rng):
    return problem(size, rng)


ARG_BUILDERS = {
    "rnn_cell_backward": _cell_backward_args,
    "rnn_backward": _backward_args,
    "rnn_loss": _loss_args,
    "bptt": _bptt_args,
}
