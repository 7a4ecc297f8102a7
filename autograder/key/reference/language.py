"""Assignment `language_model`: a character-level language model on the vanilla RNN, in the column convention.
Characters are indices 0 .. n_y - 1 into a vocabulary; a batch of m streams is read in chunks of T_x steps, and
the hidden state of one chunk's last step starts the next chunk (min-char-rnn's hprev).

  make_batches(indices, m, T_x)          -> (X, Y) int (n_chunks, m, T_x): Y is X one character later
  clip_by_global_norm(gradients, max_norm) -> (clipped, norm)
  adagrad_update(parameters, gradients, memory, learning_rate) -> (parameters, memory)
  temperature_softmax(logits, temperature) -> p, softmax(logits / temperature) over axis 0
  sample_index(p, u)                     -> int (m,): per column, the first index whose cumulative p > u
  perplexity(y_pred, y)                  -> exp(mean cross-entropy per character)
  train_chunks(X, Y, a0, parameters, memory, learning_rate, max_norm) -> (parameters, memory, a_last, losses)

Parameters are rnn_forward's: Waa (n_a, n_a), Wax (n_a, n_y), Wya (n_y, n_a), ba (n_a, 1), by (n_y, 1); the
input and the output are both one character, so n_x = n_y.
"""
import numpy as np

from autograder.key.reference.rnn import rnn_backward, rnn_forward, softmax


def make_batches(indices, m, T_x):
    """Cut a text into m streams read side by side, and the streams into chunks of T_x steps.

    Stream i is the i-th of m equal consecutive pieces of the text, so that chunk k + 1 of stream i goes on
    where chunk k of stream i stopped: the hidden state can be carried from one chunk to the next.

    Arguments:
    indices -- the text as character indices, int array (N,)
    m -- number of streams
    T_x -- steps per chunk

    Returns:
    X -- inputs, int array (n_chunks, m, T_x), n_chunks = ((N - 1) // m) // T_x
    Y -- targets, int array (n_chunks, m, T_x): each input's next character, Y[k, i, t] = the character after
         X[k, i, t]
    """
    indices = np.asarray(indices)
    length = (len(indices) - 1) // m  # each stream needs one character more than it reads: the last target
    n_chunks = length // T_x
    steps = n_chunks * T_x
    streams = np.stack([indices[i * length: i * length + steps + 1] for i in range(m)])  # (m, steps + 1)
    X = streams[:, :steps].reshape(m, n_chunks, T_x).transpose(1, 0, 2)
    Y = streams[:, 1:].reshape(m, n_chunks, T_x).transpose(1, 0, 2)
    return X, Y


def clip_by_global_norm(gradients, max_norm):
    """Scale every gradient by one factor, min(1, max_norm / norm), norm being the L2 norm of all of them at once.

    Arguments:
    gradients -- dict name -> array
    max_norm -- positive float

    Returns:
    clipped -- dict of new arrays, same keys and shapes
    norm -- the global norm before clipping, a float
    """
    norm = float(np.sqrt(sum(np.sum(g**2) for g in gradients.values())))
    factor = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return {k: g * factor for k, g in gradients.items()}, norm


def adagrad_update(parameters, gradients, memory, learning_rate, eps=1e-8):
    """One Adagrad step, as min-char-rnn takes it: each entry's step is divided by the root of the sum of its
    squared gradients so far.

    Arguments:
    parameters -- dict name -> array: the RNN's Waa, Wax, Wya, ba, by, or any model's (the notebook steps an LSTM too)
    gradients -- dict with d + each parameter's name, shapes of the parameters
    memory -- dict with each parameter's name: the sums of squared gradients before this step
    learning_rate -- float
    eps -- keeps the division finite where a gradient has always been 0

    Returns:
    parameters -- new dict: parameter - learning_rate * gradient / sqrt(memory after this step + eps)
    memory -- new dict: memory + gradient**2
    """
    memory = {k: memory[k] + gradients["d" + k] ** 2 for k in parameters}
    parameters = {k: parameters[k] - learning_rate * gradients["d" + k] / np.sqrt(memory[k] + eps)
                  for k in parameters}
    return parameters, memory


def temperature_softmax(logits, temperature):
    """The next character's distribution at a temperature: softmax(logits / temperature) over axis 0.

    Arguments:
    logits -- (n_y, m)
    temperature -- positive float: below 1 sharpens the distribution, above 1 flattens it

    Returns:
    p -- (n_y, m), each column sums to 1
    """
    return softmax(logits / temperature)


def sample_index(p, u):
    """Inverse-CDF sampling, one draw per column: the first index whose cumulative probability exceeds u. With u
    uniform in [0, 1), index i comes out with probability p[i].

    Arguments:
    p -- probability distributions, (n_y, m), each column sums to 1
    u -- floats in [0, 1), (m,): one uniform draw per column

    Returns:
    indices -- int array (m,), each in 0 .. n_y - 1
    """
    cumulative = np.cumsum(p, axis=0)
    # the last index takes whatever rounding left above the cumulative sum's end
    return np.minimum(np.sum(cumulative <= u, axis=0), p.shape[0] - 1)


def perplexity(y_pred, y):
    """exp of the mean cross-entropy per character: the number of equally likely characters that would leave the
    model as uncertain as it is.

    Arguments:
    y_pred -- predicted distributions, (n_y, m, T_x)
    y -- one-hot targets, (n_y, m, T_x)

    Returns:
    perplexity -- a Python float >= 1
    """
    characters = y.shape[1] * y.shape[2]
    return float(np.exp(-np.sum(y * np.log(y_pred)) / characters))


def lm_bptt(x, y, a_prev, parameters):
    """bptt from a given first state, also returning the last state (what the next chunk starts from).

    Returns (loss, gradients, a_last): loss summed over steps, averaged over m (rnn_loss); gradients dWaa, dWax,
    dWya, dba, dby; a_last (n_a, m)."""
    a, y_pred, caches = rnn_forward(x, a_prev, parameters)
    m = x.shape[1]
    dz_y = (y_pred - y) / m
    gradients = rnn_backward(np.einsum("ya,ymt->amt", parameters["Wya"], dz_y), caches)
    gradients = {k: gradients[k] for k in ("dWaa", "dWax", "dba")}
    gradients.update(dWya=np.einsum("ymt,amt->ya", dz_y, a), dby=dz_y.sum(axis=(1, 2))[:, None])
    return float(-np.sum(y * np.log(y_pred)) / m), gradients, a[:, :, -1]


def train_chunks(X, Y, a0, parameters, memory, learning_rate, max_norm):
    """One pass over the chunks in order, one Adagrad step per chunk, the hidden state carried across chunks.

    Arguments:
    X, Y -- int arrays (n_chunks, m, T_x) from make_batches
    a0 -- the state the first chunk starts from, (n_a, m)
    parameters, memory -- as in adagrad_update
    learning_rate, max_norm -- Adagrad's step size and the clipping threshold

    Returns:
    parameters, memory -- after the last step
    a_last -- the last chunk's last state, (n_a, m): where the next pass would go on
    losses -- float array (n_chunks,): each chunk's loss before its step
    """
    n_y = parameters["Wya"].shape[0]
    losses = np.zeros(len(X))
    a_prev = a0
    for k in range(len(X)):
        x, y = np.eye(n_y)[X[k]].transpose(2, 0, 1), np.eye(n_y)[Y[k]].transpose(2, 0, 1)
        losses[k], gradients, a_prev = lm_bptt(x, y, a_prev, parameters)
        gradients, _ = clip_by_global_norm(gradients, max_norm)
        parameters, memory = adagrad_update(parameters, gradients, memory, learning_rate)
    return parameters, memory, a_prev, losses
