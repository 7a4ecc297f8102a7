"""A long-range task the course makes itself, and the training that measures which cell can learn it.

The task, "recall the first symbol": at step 0 the input shows a symbol together with a marker; every later
step shows a random distractor symbol, no marker. After the last step the network must say which symbol step 0
showed. Nothing in the last T_x - 1 inputs tells the answer, so the gradient that teaches the network to keep
it must travel back T_x - 1 steps: the vanilla RNN's vanishes on the way, the gated cells' need not.

Each model is read the same way: its forward function returns the hidden states first and the caches last
(rnn_forward, lstm_forward and gru_forward do), and its backward function takes (da, caches) and returns the
recurrence's gradients; the output layer, one softmax after the last step, is the same for all three.
"""
import numpy as np

from course.toy import GATES, one_hot
from course.training import clip_by_norm

N_SYMBOLS = 4
OUTPUT = {"rnn": "Wya", "lstm": "Wy", "gru": "Wy"}  # the output layer's weights, by cell


def recall_task(m, T_x, rng, n_symbols=N_SYMBOLS):
    """m sequences of the recall task and their answers.

    Returns:
    x -- inputs, (n_symbols + 1, m, T_x): rows 0 .. n_symbols - 1 one-hot symbols, row n_symbols the marker
         (1 at step 0 only)
    y -- one-hot answers, the symbol of step 0, (n_symbols, m)
    """
    symbols = rng.integers(0, n_symbols, (m, T_x))
    x = np.concatenate([one_hot(symbols, n_symbols), np.zeros((1, m, T_x))], axis=0)
    x[n_symbols, :, 0] = 1
    return x, one_hot(symbols[:, :1], n_symbols)[:, :, 0]


def initial_parameters(cell, n_x, n_a, n_y, seed=0, keep_bias=4.0):
    """Starting parameters of a vanilla RNN, LSTM or GRU, alike for all three: weights with variance
    1 / (n_a + n_x) (the output layer's 0.09), zero biases, except in a gated cell the gate that keeps the old
    state (the LSTM's forget gate bf, the GRU's update gate bz), set to keep_bias so that the cell starts out
    remembering: sigmoid(4) = 0.982, and 0.982**40 = 0.48 of step 0 is still there at step 40."""
    rng = np.random.default_rng(seed)
    scale = 1 / np.sqrt(n_a + n_x)
    if cell == "rnn":
        parameters = {"Waa": rng.normal(0, scale, (n_a, n_a)), "Wax": rng.normal(0, scale, (n_a, n_x)),
                      "ba": np.zeros((n_a, 1))}
    else:
        parameters = {}
        for gate in GATES[cell]:
            parameters["W" + gate] = rng.normal(0, scale, (n_a, n_a + n_x))
            parameters["b" + gate] = np.zeros((n_a, 1))
        parameters["bf" if cell == "lstm" else "bz"] += keep_bias
    parameters.update({OUTPUT[cell]: rng.normal(0, 0.3, (n_y, n_a)), "by": np.zeros((n_y, 1))})
    return parameters


def predict(cell, forward, x, parameters):
    """The softmax after the last step, from a zero initial state.

    Returns:
    y_hat -- probabilities of each symbol, (n_y, m)
    a, caches -- the hidden states (n_a, m, T_x) and the caches forward returned
    """
    W_out = parameters[OUTPUT[cell]]
    outputs = forward(x, np.zeros((W_out.shape[1], x.shape[1])), parameters)
    a, caches = outputs[0], outputs[-1]
    logits = W_out @ a[:, :, -1] + parameters["by"]
    e = np.exp(logits - logits.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True), a, caches


def accuracy(y_hat, y):
    """The fraction of examples whose most probable symbol is the answer."""
    return float(np.mean(y_hat.argmax(axis=0) == y.argmax(axis=0)))


def loss_and_gradients(cell, forward, backward, x, y, parameters):
    """Cross-entropy of the prediction after the last step, averaged over the m examples, and its gradients.

    Arguments:
    cell -- "rnn", "lstm" or "gru": names the output layer's weights (OUTPUT)
    forward, backward -- the model's forward (x, a0, parameters) and backward (da, caches) functions
    x, y -- inputs (n_x, m, T_x) and one-hot answers (n_y, m)
    parameters -- the model's parameters

    Returns:
    loss -- a float
    gradients -- dict with d<name> for every parameter
    y_hat -- the predictions, (n_y, m)
    """
    y_hat, a, caches = predict(cell, forward, x, parameters)
    W_out, m = parameters[OUTPUT[cell]], x.shape[1]
    dz = (y_hat - y) / m  # softmax and cross-entropy together
    da = np.zeros(a.shape)
    da[:, :, -1] = W_out.T @ dz  # only the last state feeds the output
    gradients = {k: v for k, v in backward(da, caches).items() if k[1:] in parameters}
    gradients.update({"d" + OUTPUT[cell]: dz @ a[:, :, -1].T, "dby": dz.sum(axis=1, keepdims=True)})
    loss = -float(np.sum(y * np.log(np.maximum(y_hat, 1e-300)))) / m
    return loss, gradients, y_hat


def train(cell, forward, backward, T_x, steps=300, m=64, n_a=16, learning_rate=0.01, max_norm=5.0, seed=0):
    """Adam on fresh batches of the recall task, with the gradient clipped by its joint norm.

    Plain gradient descent (bptt's training run) sits for thousands of updates on this task's plateau, where
    every gradient is tiny; Adam divides each step by a running size of its own gradient, so a small but
    consistent gradient still moves the weights.

    Returns:
    parameters -- the trained parameters
    history -- dict: loss (steps,) and accuracy (steps,) on each update's batch, before the update
    """
    n_x, n_y = N_SYMBOLS + 1, N_SYMBOLS
    parameters = initial_parameters(cell, n_x, n_a, n_y, seed)
    first, second = ({k: np.zeros_like(v) for k, v in parameters.items()} for _ in range(2))
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    rng = np.random.default_rng([seed, T_x])
    history = {"loss": np.zeros(steps), "accuracy": np.zeros(steps)}
    for step in range(1, steps + 1):
        x, y = recall_task(m, T_x, rng)
        loss, gradients, y_hat = loss_and_gradients(cell, forward, backward, x, y, parameters)
        if not np.isfinite(loss):
            raise FloatingPointError(f"the {cell}'s loss became {loss} at update {step}")
        history["loss"][step - 1], history["accuracy"][step - 1] = loss, accuracy(y_hat, y)
        gradients, _ = clip_by_norm(gradients, max_norm, names=tuple(parameters))
        for k in parameters:
            first[k] = beta1 * first[k] + (1 - beta1) * gradients["d" + k]
            second[k] = beta2 * second[k] + (1 - beta2) * gradients["d" + k] ** 2
            step_k = (first[k] / (1 - beta1**step)) / (np.sqrt(second[k] / (1 - beta2**step)) + eps)
            parameters[k] = parameters[k] - learning_rate * step_k
    return parameters, history


def held_out_accuracy(cell, forward, parameters, T_x, m=1000, seed=99):
    """Accuracy on m new sequences the model never trained on."""
    x, y = recall_task(m, T_x, np.random.default_rng(seed))
    return accuracy(predict(cell, forward, x, parameters)[0], y)
