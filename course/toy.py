"""Small data the notebooks and tests share: seed 000's worked example and random RNNs."""
import numpy as np


def seed000_example():
    """Seed 000's two-unit RNN, converted from its row convention to the course's column convention.

    The article computes `state @ w_cell_state + x * w_cell_input + b_cell` with a (1, n_a) row `state`.
    Transposing that line gives `w_cell_state.T @ a + w_cell_input.T * x + b_cell.T`, so
    Waa = w_cell_state.T, Wax = w_cell_input.T, ba = b_cell as a column. Its output layer is linear
    (`state @ w_output + b_output`, no softmax): Wya = w_output.T, by = b_output.

    Returns:
    parameters -- dict Waa (2, 2), Wax (2, 1), Wya (1, 2), ba (2, 1), by (1, 1)
    inputs -- the article's input sequence [1, 2]
    """
    w_cell_state = np.array([[0.1, 0.2], [0.3, 0.4]])
    w_cell_input = np.array([[0.5, 0.6]])
    b_cell = np.array([0.1, -0.1])
    w_output = np.array([[0.1], [2.0]])
    b_output = 0.1
    parameters = {
        "Waa": w_cell_state.T,
        "Wax": w_cell_input.T,
        "Wya": w_output.T,
        "ba": b_cell.reshape(2, 1),
        "by": np.array([[b_output]]),
    }
    return parameters, [1.0, 2.0]


def random_parameters(n_x, n_a, n_y, rng, scale=0.5):
    """Gaussian weights with standard deviation `scale` and small biases, in the contract's shapes."""
    return {
        "Waa": rng.normal(0, scale, (n_a, n_a)),
        "Wax": rng.normal(0, scale, (n_a, n_x)),
        "Wya": rng.normal(0, scale, (n_y, n_a)),
        "ba": rng.normal(0, 0.1, (n_a, 1)),
        "by": rng.normal(0, 0.1, (n_y, 1)),
    }


def one_hot(indices, n):
    """One-hot columns: indices of shape (m, T) -> array (n, m, T) with a single 1 per column."""
    indices = np.asarray(indices)
    return (np.arange(n)[:, None, None] == indices[None]).astype(float)


def random_problem(n_x, n_a, n_y, m, T_x, rng, a0_scale=0.5):
    """(x, y, a0, parameters) of a random sequence-labelling problem with the given sizes."""
    x = rng.normal(0, 1, (n_x, m, T_x))
    y = one_hot(rng.integers(0, n_y, (m, T_x)), n_y)
    a0 = rng.normal(0, a0_scale, (n_a, m))
    return x, y, a0, random_parameters(n_x, n_a, n_y, rng)


# The gates of each gated cell, in the order of the deeplearning.ai convention: each has W? (n_a, n_a + n_x)
# and b? (n_a, 1); "c" is the candidate.
GATES = {"lstm": ("f", "i", "c", "o"), "gru": ("r", "z", "c")}


def random_gated_parameters(cell, n_x, n_a, n_y, rng, scale=0.5):
    """Gaussian parameters of an LSTM (cell="lstm") or GRU (cell="gru") in the course's shapes.

    Returns:
    parameters -- dict with W? (n_a, n_a + n_x) and b? (n_a, 1) for each gate ? of GATES[cell],
                  Wy (n_y, n_a), by (n_y, 1)
    """
    parameters = {}
    for gate in GATES[cell]:
        parameters["W" + gate] = rng.normal(0, scale, (n_a, n_a + n_x))
        parameters["b" + gate] = rng.normal(0, 0.1, (n_a, 1))
    parameters.update(Wy=rng.normal(0, scale, (n_y, n_a)), by=rng.normal(0, 0.1, (n_y, 1)))
    return parameters
