"""The arguments of each check case of the language_model assignment's functions, built from a size and a seeded
generator. The size's n_y is the vocabulary (the input is a character too: n_x = n_y), its `huge` flag makes a
case that only a numerically careful function passes."""
import numpy as np

from autograder.key.problems import problem, sample_index_shape


def _text(size, rng):
    """A text of 2 to 3 chunks' worth of characters plus a random tail, as indices, every one different: a batching
    that puts a character in the wrong place shows there (on a text of 2 or 3 letters many places held the right
    letter by chance, and reading the whole text in order looked nearly right)."""
    _, _, _, m, T_x, _ = size
    return rng.permutation(m * T_x * int(rng.integers(2, 4)) + int(rng.integers(1, m * T_x + 1)))


def _char_problem(size, rng):
    """(x, y, a0, parameters) of a character model: the input is one-hot over the same n_y characters."""
    _, n_a, n_y, m, T_x, _ = size
    return problem((n_y, n_a, n_y, m, T_x, False), rng)  # no huge logits: a probability of 0 has no log


def _gradients(size, rng):
    _, _, a0, p = _char_problem(size, rng)
    return {"d" + k: rng.normal(0, 1, v.shape) for k, v in p.items()}


def _make_batches_args(size, rng):
    _, _, _, m, T_x, _ = size
    return (_text(size, rng), m, T_x)


def _clip_args(size, rng):
    gradients = _gradients(size, rng)
    norm = np.sqrt(sum(np.sum(g**2) for g in gradients.values()))
    # huge: far above the threshold; otherwise either side of it (by m's parity: the visible cases hold both), so
    # that a clip that always scales shows
    return (gradients, float(norm * (0.05 if size[5] else 2.0 if size[3] % 2 else 0.5)))


def _adagrad_args(size, rng):
    # huge: an LSTM's ten parameters, as the notebook's section 7 steps them: a function that names the RNN's
    # five fails here rather than there
    if size[5]:
        _, n_a, n_y, m, T_x, _ = size
        _, _, _, p = problem((n_y, n_a, n_y, m, T_x, False), rng, cell="lstm")
    else:
        _, _, _, p = _char_problem(size, rng)
    gradients = {"d" + k: rng.normal(0, 1, v.shape) for k, v in p.items()}
    memory = {k: rng.uniform(0, 2, v.shape) ** 2 for k, v in p.items()}  # sums of squares so far: >= 0
    # the input weights' column of a letter seen rarely (an LSTM's inputs come after a_prev in concat): tiny
    # gradients so far and now, where eps under the root matters
    name, column = ("Wax", 0) if "Wax" in p else ("Wi", size[1])
    gradients["d" + name][:, column], memory[name][:, column] = rng.normal(0, 1e-6, p[name].shape[0]), 0.0
    return (p, gradients, memory, 0.1)


def _temperature_softmax_args(size, rng):
    _, _, n_y, m, _, huge = size
    # huge: large logits at a low temperature, where exp(logits / temperature) overflows unless the max goes first
    logits = rng.normal(0, 3, (n_y, m)) * (100 if huge else 1)
    return (logits, float(0.25 if huge else rng.choice([0.5, 1.0, 2.0])))


def _sample_index_args(size, rng):
    """p with entries of probability 0, and u in the places a sampler gets wrong without failing elsewhere: at 0 over
    a first entry of 0, exactly at a running sum (a tie, the next entry 0 or not), and at or above the end of a
    running sum that rounding left below 1 (the last index)."""
    n_y, m = sample_index_shape(size)
    p = np.exp(rng.normal(0, 1.5, (n_y, m))) * (rng.uniform(0, 1, (n_y, m)) > 0.2)
    p[-1], p[0, 0], p[1:, 0], p[2, 1], p[1::2, 2] = p[-1] + 0.1, 0.0, p[1:, 0] + 0.1, 0.0, p[1::2, 2] + 0.1
    p = p / p.sum(axis=0)
    p[:, 3:5] *= 1 - 1e-15  # sums that end just below 1, as rounding leaves them
    running = np.cumsum(p, axis=0)
    u = rng.uniform(0, 1, m)
    u[0] = 0.0                      # p[0] = 0: index 0 must not come out
    u[1] = running[1, 1]            # a tie, followed by p[2] = 0: index 3
    u[2] = running[1, 2]            # a tie: index 2
    u[3] = running[-1, 3]           # the end of the running sum, below 1: the last index
    u[4] = np.nextafter(1.0, 0.0)   # above it: the last index
    assert running[-1, 3] < 1 and running[-1, 4] < u[4] < 1
    order = rng.permutation(m)
    return (p[:, order], u[order])


def _perplexity_args(size, rng):
    x, y, a0, p = _char_problem(size, rng)
    logits = rng.normal(0, 2, y.shape)
    y_pred = np.exp(logits - logits.max(axis=0))
    return (y_pred / y_pred.sum(axis=0), y)


def _train_chunks_args(size, rng):
    _, n_a, n_y, m, T_x, _ = size
    X, Y = rng.integers(0, n_y, (2, int(rng.integers(2, 4)), m, T_x))
    _, _, a0, p = _char_problem(size, rng)
    memory = {k: np.zeros_like(v) for k, v in p.items()}
    return (X, Y, a0, p, memory, 0.1, 1.0)


ARG_BUILDERS = {
    "make_batches": _make_batches_args,
    "clip_by_global_norm": _clip_args,
    "adagrad_update": _adagrad_args,
    "temperature_softmax": _temperature_softmax_args,
    "sample_index": _sample_index_args,
    "perplexity": _perplexity_args,
    "train_chunks": _train_chunks_args,
}
