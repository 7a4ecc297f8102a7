"""A toy sequence task the course makes itself, and plain gradient descent with gradient-norm clipping.

The task, "say the symbol from `delay` steps ago": the input is a random string over `SYMBOLS`; at every
step the network must output the symbol it saw `delay` steps earlier, and the blank `BLANK` at the first
`delay` steps, where there is none. The current input never tells the answer, so the network can only solve
the task by keeping the last `delay` symbols in its hidden state.
"""
import numpy as np

from course.toy import one_hot, random_parameters

SYMBOLS = "abc"
BLANK = "-"
PARAMETER_NAMES = ("Waa", "Wax", "Wya", "ba", "by")


def delayed_symbol_task(m, T_x, rng, delay=1, n_symbols=3):
    """m random strings of length T_x and their targets, the same strings `delay` steps late.

    Arguments:
    m -- number of examples
    T_x -- sequence length
    rng -- numpy Generator
    delay -- how many steps back the answer lies, 1 <= delay < T_x
    n_symbols -- alphabet size (at most len(SYMBOLS) = 3 for decode() to spell it)

    Returns:
    x -- one-hot inputs, (n_symbols, m, T_x)
    y -- one-hot targets, (n_symbols + 1, m, T_x); class n_symbols is the blank of the first delay steps
    """
    if not 1 <= delay < T_x:
        raise ValueError(f"delay must be between 1 and T_x - 1 = {T_x - 1}, got {delay}")
    symbols = rng.integers(0, n_symbols, (m, T_x))
    targets = np.concatenate([np.full((m, delay), n_symbols), symbols[:, :-delay]], axis=1)
    return one_hot(symbols, n_symbols), one_hot(targets, n_symbols + 1)


def decode(columns):
    """Class indices (T_x,) or one-hot (n, T_x) of one example -> a string such as '-abca'."""
    columns = np.asarray(columns)
    indices = columns.argmax(axis=0) if columns.ndim == 2 else columns
    if indices.max(initial=0) > len(SYMBOLS):
        raise ValueError(f"decode spells at most {len(SYMBOLS)} symbols plus the blank; got class {indices.max()}")
    return "".join(SYMBOLS[i] if i < len(SYMBOLS) else BLANK for i in indices)


def initial_parameters(n_x, n_a, n_y, seed=0, scale=0.3):
    """Small random parameters: tanh units start unsaturated and the predictions near uniform."""
    return random_parameters(n_x, n_a, n_y, np.random.default_rng(seed), scale=scale)


def clip_by_norm(gradients, max_norm, names=PARAMETER_NAMES):
    """Scale the parameter gradients down together when their joint L2 norm exceeds max_norm.

    Scaling all of them by one factor keeps the direction of the step and only shortens it, unlike
    clipping each entry, which turns the step.

    Arguments:
    gradients -- dict with d<name> for each parameter name (other keys are ignored)
    max_norm -- positive float
    names -- the parameters' names; the vanilla RNN's Waa, Wax, Wya, ba, by unless given

    Returns:
    clipped -- dict of the parameter gradients, each scaled by min(1, max_norm / norm)
    norm -- the joint norm before clipping, a float
    """
    if not max_norm > 0:
        raise ValueError(f"max_norm must be a positive number, got {max_norm!r}")
    names = ["d" + k for k in names]
    missing = [k for k in names if k not in gradients]
    if missing:
        raise KeyError(f"the gradients lack {missing}; they must hold {names}")
    norm = float(np.sqrt(sum(np.sum(gradients[k] ** 2) for k in names)))
    factor = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return {k: gradients[k] * factor for k in names}, norm


def train(bptt, x, y, parameters, learning_rate=0.5, max_norm=5.0, steps=300):
    """Full-batch gradient descent with gradient-norm clipping, using the given bptt.

    Arguments:
    bptt -- function (x, y, a0, parameters) -> (loss, gradients), as in the course contract
    x, y -- inputs (n_x, m, T_x) and one-hot targets (n_y, m, T_x)
    parameters -- initial parameters (not modified)
    learning_rate, max_norm, steps -- step size, clipping threshold, number of updates

    Returns:
    parameters -- the trained parameters (new arrays)
    history -- dict: loss (steps,) before each update, norm (steps,) of the gradient before clipping
    """
    n_a, m = parameters["Waa"].shape[0], x.shape[1]
    a0 = np.zeros((n_a, m))  # every sequence starts from the same empty state
    parameters = {k: np.array(parameters[k], dtype=float) for k in PARAMETER_NAMES}
    losses, norms = np.zeros(steps), np.zeros(steps)
    for step in range(steps):
        loss, gradients = bptt(x, y, a0, parameters)
        clipped, norms[step] = clip_by_norm(gradients, max_norm)
        losses[step] = loss
        if not np.isfinite(loss):
            raise FloatingPointError(f"the loss became {loss} at step {step}: lower the learning rate or max_norm")
        parameters = {k: parameters[k] - learning_rate * clipped["d" + k] for k in PARAMETER_NAMES}
    return parameters, {"loss": losses, "norm": norms}


def predict(rnn_forward, x, parameters):
    """The most probable class at every step, (m, T_x), from a zero initial state."""
    a0 = np.zeros((parameters["Waa"].shape[0], x.shape[1]))
    return rnn_forward(x, a0, parameters)[1].argmax(axis=0)


def accuracy(rnn_forward, x, y, parameters):
    """Fraction of (example, step) pairs whose most probable class is the target."""
    return float(np.mean(predict(rnn_forward, x, parameters) == y.argmax(axis=0)))


def plot_history(history, max_norm, ax_loss, ax_norm):
    """The loss curve and the gradient norm with the clipping threshold, on two given axes."""
    steps = np.arange(len(history["loss"]))
    ax_loss.plot(steps, history["loss"])
    ax_loss.set(xlabel="update", ylabel="loss (per sequence)", title="training loss")
    ax_norm.semilogy(steps, history["norm"], label="||gradient|| before clipping")
    ax_norm.axhline(max_norm, color="k", ls="--", lw=1, label=f"clipping threshold {max_norm:g}")
    ax_norm.set(xlabel="update", ylabel="gradient norm", title="gradient norm")
    ax_norm.legend(loc="best", fontsize="small")
