"""Parameters, toy tasks and pictures of the `architectures` assignment (sequence-to-one, output recurrence,
bidirectional). Column convention throughout: one column per example, time on the last axis."""
import numpy as np

from course.toy import one_hot, random_parameters


def random_output_recurrence_parameters(n_x, n_a, n_y, rng, scale=0.5):
    """Way (n_a, n_y), Wax (n_a, n_x), Wya (n_y, n_a), ba (n_a, 1), by (n_y, 1): the state reads the
    previous output through Way instead of the previous state through Waa."""
    p = random_parameters(n_x, n_a, n_y, rng, scale)
    p["Way"] = rng.normal(0, scale, (n_a, n_y))
    del p["Waa"]
    return p


def random_birnn_parameters(n_x, n_a, n_y, rng, scale=0.5):
    """Waa_f, Waa_b (n_a, n_a), Wax_f, Wax_b (n_a, n_x), ba_f, ba_b (n_a, 1), Wya (n_y, 2 n_a), by (n_y, 1)."""
    p = {}
    for d in ("f", "b"):
        one = random_parameters(n_x, n_a, n_y, rng, scale)
        p.update({f"Waa_{d}": one["Waa"], f"Wax_{d}": one["Wax"], f"ba_{d}": one["ba"]})
    p["Wya"] = rng.normal(0, scale, (n_y, 2 * n_a))
    p["by"] = rng.normal(0, 0.1, (n_y, 1))
    return p


def shifted_targets(y, y0):
    """What teacher forcing feeds each step: y0 at step 0, then the true output of the step before.

    Arguments:
    y -- targets, (n_y, m, T_x)
    y0 -- the output fed to step 0, (n_y, m)

    Returns:
    y_prev -- (n_y, m, T_x) with y_prev[:, :, 0] = y0 and y_prev[:, :, t] = y[:, :, t - 1]
    """
    return np.concatenate([y0[:, :, np.newaxis], y[:, :, :-1]], axis=2)


def sign_of_sum_task(m, T_x, rng):
    """Sequence-to-one toy task: is the sum of the sequence positive?

    Returns:
    x -- inputs, (1, m, T_x), standard normal
    y -- one-hot labels, (2, m): class 1 when x[0, j, :].sum() > 0
    """
    x = rng.normal(0, 1, (1, m, T_x))
    return x, one_hot((x.sum(axis=2)[0] > 0).astype(int)[:, None], 2)[:, :, 0]


def bits_task(m, T_x, rng, rule):
    """A toy sequence-labelling task on random bits; `rule` is "parity" (y_t = parity of x_0 ... x_t) or
    "delay2" (y_t = x_{t-2}, and 0 for t < 2).

    Returns:
    x -- bits as floats, (1, m, T_x)
    y -- one-hot labels, (2, m, T_x)
    """
    bits = rng.integers(0, 2, (m, T_x))
    if rule == "parity":
        labels = np.cumsum(bits, axis=1) % 2
    elif rule == "delay2":
        labels = np.concatenate([np.zeros((m, 2), int), bits[:, :-2]], axis=1)
    else:
        raise ValueError(f"unknown rule {rule!r}: use 'parity' or 'delay2'")
    return bits[None].astype(float), one_hot(labels, 2)


def accuracy(y_pred, y):
    """Fraction of columns (and steps) whose most probable class is the target's class."""
    return float(np.mean(np.argmax(y_pred, axis=0) == np.argmax(y, axis=0)))


def influence(forward, x, eps=1e-6):
    """How much each input step moves each output step: entry [t, s] is the mean absolute change of the
    outputs at step t per unit change of the inputs at step s (a finite-difference Jacobian, summarised).

    Arguments:
    forward -- function x -> outputs (n_y, m, T_x)
    x -- inputs, (n_x, m, T_x)

    Returns:
    array (T_x, T_x)
    """
    base = forward(x)
    T_x = x.shape[2]
    out = np.zeros((T_x, T_x))
    for s in range(T_x):
        nudged = x.copy()
        nudged[:, :, s] += eps
        out[:, s] = np.abs(forward(nudged) - base).mean(axis=(0, 1)) / eps
    return out


def descend(parameters, gradients, learning_rate, clip=5.0):
    """One step of gradient descent with the gradient's global norm clipped to `clip`.

    Arguments:
    parameters -- dict of arrays
    gradients -- dict holding "d" + name for every name in parameters (other keys are ignored)

    Returns:
    a new dict of parameters (the arguments are not modified)
    """
    norm = np.sqrt(sum(np.sum(gradients["d" + k] ** 2) for k in parameters))
    step = learning_rate * min(1.0, clip / (norm + 1e-12))
    return {k: v - step * gradients["d" + k] for k, v in parameters.items()}
