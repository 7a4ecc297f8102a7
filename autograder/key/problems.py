"""The building blocks of every assignment's check cases: problem sizes, seeds, a random problem of a size, the
label a report shows for it."""
import numpy as np

from course.toy import one_hot, random_gated_parameters, random_parameters

# (n_x, n_a, n_y, m, T_x, huge logits)
VISIBLE_SIZES = [(3, 5, 2, 4, 3, False), (2, 2, 3, 1, 1, False), (4, 3, 3, 2, 4, True)]


HIDDEN_SIZES = [
    (3, 5, 2, 4, 6, False),   # n_x != n_a, m > 1, T_x > 1
    (4, 4, 3, 3, 5, False),   # n_x == n_a: a swapped Waa / Wax still has the right shapes
    (5, 3, 4, 1, 7, False),   # m = 1
    (2, 6, 3, 5, 1, False),   # T_x = 1
    (6, 6, 6, 1, 1, False),   # every size equal: only values can tell mistakes apart
    (3, 4, 5, 3, 4, True),    # logits near 1e3: exp() overflows unless the max is subtracted
    (1, 2, 2, 7, 9, False),   # a single input feature, long-ish sequence
]


VISIBLE_SEED = 2024


# The hidden cases' seed when nbgrader grades alone (autograder.key.hidden), where student code could read any
# seed anyway; trusted grading draws each student's from the course secret instead.
PLAIN_HIDDEN_SEED = 917_331


# Functions with no output layer: scaling Wya changes nothing they compute, so "huge logits" means nothing.
NO_LOGITS = {"rnn_cell_backward", "rnn_backward", "rnn_states", "rnn_states_backward", "lstm_cell_backward",
             "lstm_backward", "gru_cell_backward", "gru_backward"}


# The language model's functions, whose sizes mean other things: n_y is the vocabulary
LANGUAGE_LABELS = {"make_batches": "m={m}, T_x={T_x}", "clip_by_global_norm": "the gradients of n_a={n_a}, n_y={n_y}",
                   "adagrad_update": "n_a={n_a}, n_y={n_y}", "temperature_softmax": "logits of shape ({n_y}, {m})",
                   "sample_index": "p of shape {sample_shape}", "perplexity": "n_y={n_y}, m={m}, T_x={T_x}",
                   "train_chunks": "n_a={n_a}, n_y={n_y}, m={m}, T_x={T_x}"}
HUGE = {"clip_by_global_norm": ", far above max_norm", "adagrad_update": ", an LSTM's parameters",
        "temperature_softmax": ", logits near +-300 at temperature 0.25"}


def sample_index_shape(size):
    """(n_y, m) of sample_index's cases: more classes and columns than the size says, since indices are few and a
    wrong sampler must not land on the right ones by chance."""
    return size[2] + 3, 4 * size[3] + 10


def label(name, size):
    n_x, n_a, n_y, m, T_x, huge = size
    huge = huge and name not in NO_LOGITS
    if name in ("softmax", "softmax_all_steps"):
        return f"z of shape {logits_shape(name, size)}" + (", logits near +-1000" if huge else "")
    if name in LANGUAGE_LABELS:
        return (LANGUAGE_LABELS[name].format(n_a=n_a, n_y=n_y, m=m, T_x=T_x, sample_shape=sample_index_shape(size))
                + (HUGE.get(name, "") if huge else ""))
    if "_cell_" in name:  # one step: T_x is irrelevant
        return f"n_x={n_x}, n_a={n_a}, n_y={n_y}, m={m}" + (", huge logits" if huge else "")
    return f"n_x={n_x}, n_a={n_a}, n_y={n_y}, m={m}, T_x={T_x}" + (", huge logits" if huge else "")


def problem(size, rng, cell="rnn"):
    """(x, y, a0, parameters) of a random problem of `size` for a vanilla RNN (cell="rnn") or a gated cell
    ("lstm", "gru": course.toy.GATES)."""
    n_x, n_a, n_y, m, T_x, huge = size
    if cell == "rnn":
        p, output = random_parameters(n_x, n_a, n_y, rng), "Wya"
    else:
        p, output = random_gated_parameters(cell, n_x, n_a, n_y, rng), "Wy"
    if huge:
        p[output], p["by"] = p[output] * 1000, p["by"] * 1000
    x = rng.normal(0, 1, (n_x, m, T_x))
    y = one_hot(rng.integers(0, n_y, (m, T_x)), n_y)
    a0 = rng.normal(0, 0.5, (n_a, m))  # nonzero: a mistake that ignores a0 must show
    return x, y, a0, p


def logits_shape(name, size):
    """softmax's z is (n_y, m); the all-steps set's is (n_y, m, T_x), or (n_y, m) for a single step."""
    n_y, m, T_x = size[2:5]
    return (n_y, m) if name == "softmax" or T_x == 1 else (n_y, m, T_x)


def logits_args(name):
    """The builder of z for case set `name` (softmax or softmax_all_steps)."""
    def build(size, rng):
        shape = logits_shape(name, size)
        columns = shape[1:]
        # Huge logits: a +-1000 offset per column makes exp() overflow (or underflow to 0/0) when unstable.
        # Neighbouring columns (along examples and steps) alternate +1000 / -1000 so that subtracting one max
        # for the whole array fails as well.
        offset = np.where(np.indices(columns).sum(axis=0) % 2 == 0, 1000.0, -1000.0) * rng.choice([-1.0, 1.0]) \
            if size[5] else np.zeros(columns)
        return (rng.normal(0, 3, shape) + offset,)
    return build
