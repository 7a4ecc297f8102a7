"""Known mistakes in the functions of the language_model assignment."""
import numpy as np

from autograder.key import reference as ref


def _batches(indices, m, T_x, *, shift=1, interleaved=False, reading_order=False, untransposed=False):
    """make_batches with one part changed (shift: how far Y lies after X; interleaved: stream i reads every m-th
    character instead of one consecutive piece; reading_order: the whole text cut into (n_chunks, m, T_x) as it
    reads, no streams; untransposed: the streams (m, steps) reshaped straight to (n_chunks, m, T_x))."""
    indices = np.asarray(indices)
    length = (len(indices) - 1) // m
    n_chunks = length // T_x
    steps = n_chunks * T_x
    if reading_order:
        n = n_chunks * m * T_x
        return indices[:n].reshape(n_chunks, m, T_x), indices[shift: n + shift].reshape(n_chunks, m, T_x)
    if interleaved:
        streams = indices[: m * (steps + 1)].reshape(steps + 1, m).T
    else:
        streams = np.stack([indices[i * length: i * length + steps + 1] for i in range(m)])
    if untransposed:
        return (streams[:, :steps].reshape(n_chunks, m, T_x),
                streams[:, shift: shift + steps].reshape(n_chunks, m, T_x))
    X = streams[:, :steps].reshape(m, n_chunks, T_x).transpose(1, 0, 2)
    Y = streams[:, shift: shift + steps].reshape(m, n_chunks, T_x).transpose(1, 0, 2)
    return X, Y


def _clip_each(gradients, max_norm):
    clipped = {k: g * min(1.0, max_norm / np.linalg.norm(g)) if np.linalg.norm(g) > 0 else g
               for k, g in gradients.items()}
    return clipped, float(np.sqrt(sum(np.sum(g**2) for g in gradients.values())))


def _clip_by_value(gradients, max_norm):
    return ({k: np.clip(g, -max_norm, max_norm) for k, g in gradients.items()},
            float(np.sqrt(sum(np.sum(g**2) for g in gradients.values()))))


def _clip_always(gradients, max_norm):
    norm = float(np.sqrt(sum(np.sum(g**2) for g in gradients.values())))
    return {k: g * (max_norm / norm) for k, g in gradients.items()}, norm


def _adagrad(parameters, gradients, memory, learning_rate, *, root=True, accumulate=True, before=False,
             eps_outside=False, swapped=False):
    """adagrad_update with one part changed (before: the step divides by the memory before this step's square;
    eps_outside: eps added to the square root rather than under it; swapped: (memory, parameters) returned)."""
    new = {k: (memory[k] if accumulate else 0) + gradients["d" + k] ** 2 for k in parameters}
    scale = {k: (memory[k] if before else new[k]) + (0 if eps_outside else 1e-8) for k in parameters}
    step = {k: gradients["d" + k] / ((np.sqrt(scale[k]) + (1e-8 if eps_outside else 0)) if root else scale[k])
            for k in parameters}
    stepped = {k: parameters[k] - learning_rate * step[k] for k in parameters}
    return (new, stepped) if swapped else (stepped, new)


def _softmax_then_temperature(logits, temperature):
    p = ref.softmax(logits) / temperature
    return p / p.sum(axis=0, keepdims=True)


def _train(X, Y, a0, parameters, memory, learning_rate, max_norm, *, reset=False, clip=True, return_a0=False):
    """train_chunks with one part changed (reset: every chunk starts from a0)."""
    n_y = parameters["Wya"].shape[0]
    losses, a_prev = np.zeros(len(X)), a0
    for k in range(len(X)):
        x, y = np.eye(n_y)[X[k]].transpose(2, 0, 1), np.eye(n_y)[Y[k]].transpose(2, 0, 1)
        losses[k], gradients, a_last = ref.lm_bptt(x, y, a0 if reset else a_prev, parameters)
        a_prev = a_last
        if clip:
            gradients, _ = ref.clip_by_global_norm(gradients, max_norm)
        parameters, memory = ref.adagrad_update(parameters, gradients, memory, learning_rate)
    return parameters, memory, a0 if return_a0 else a_prev, losses


MISTAKES = {
    "make_batches": {
        "Y is X itself: the target of each step is the character after its input, one place further in the "
        "stream (section 1).":
            lambda indices, m, T_x: _batches(indices, m, T_x, shift=0),
        "Y lies two characters after X: the target is the next character, one place after the input.":
            lambda indices, m, T_x: _batches(indices, m, T_x, shift=2),
        "the streams interleave: stream i reads every m-th character, so consecutive steps of one stream are not "
        "consecutive characters. Each stream is one consecutive piece of the text (section 1, the picture of the "
        "streams).":
            lambda indices, m, T_x: _batches(indices, m, T_x, interleaved=True),
        "the whole text was cut into chunks as it reads, so row i of chunk k + 1 does not go on where row i of chunk "
        "k stopped, and the state carried from chunk to chunk jumps in the text. Row i of every chunk is stream i, "
        "the i-th of m equal consecutive pieces of the text, T_x characters further at each chunk (section 1, the "
        "picture of the streams).":
            lambda indices, m, T_x: _batches(indices, m, T_x, reading_order=True),
        "the streams are right, but the chunks mix them: the streams, one row each, were reshaped straight into "
        "(n_chunks, m, T_x), which reads them one after the other: chunk 0 takes its m rows from the start of stream "
        "0, not T_x characters from each stream. Row i of chunk k must be stream i's k-th piece of T_x characters: "
        "split each stream into its chunks, then put the chunk axis first (section 1, the picture of the streams).":
            lambda indices, m, T_x: _batches(indices, m, T_x, untransposed=True),
    },
    "clip_by_global_norm": {
        "each gradient was clipped by its own norm: the direction of the whole step turns. One factor for all of "
        "them, from the norm of all of them at once (section 2).":
            _clip_each,
        "the entries were clipped to [-max_norm, max_norm] one by one (min-char-rnn's np.clip): that turns the "
        "step too. Scale all the gradients by one factor (section 2).":
            _clip_by_value,
        "the gradients were scaled when their norm was below max_norm too, which lengthens a short step: clipping "
        "only shortens a step that is too long, so the factor is never above 1 (section 2).":
            _clip_always,
    },
    "adagrad_update": {
        "the step divides by the memory itself, not by its square root: Adagrad's step has the units of the "
        "parameter (section 3).":
            lambda p, g, mem, lr: _adagrad(p, g, mem, lr, root=False),
        "the memory is not accumulated: it holds this step's squared gradient only, which is RMSprop without "
        "its average, not Adagrad (section 3).":
            lambda p, g, mem, lr: _adagrad(p, g, mem, lr, accumulate=False),
        "the step divides by the memory from before this step: add this step's squared gradient first, then "
        "divide (section 3).":
            lambda p, g, mem, lr: _adagrad(p, g, mem, lr, before=True),
        "eps was added to the square root, not under it: the step divides by the square root of (the memory plus "
        "eps), as section 3 writes it. Where the memory is near 0 (an entry whose gradients have been tiny, the "
        "column of a rare letter) the two differ by orders of magnitude (section 3).":
            lambda p, g, mem, lr: _adagrad(p, g, mem, lr, eps_outside=True),
        "the parameters and the memory are in each other's place: adagrad_update returns the new parameters first, "
        "then the new memory (section 3, Exercise).":
            lambda p, g, mem, lr: _adagrad(p, g, mem, lr, swapped=True),
    },
    "temperature_softmax": {
        "the temperature was applied after the softmax: dividing probabilities by T and normalising again "
        "changes nothing. The temperature divides the logits (section 4).":
            _softmax_then_temperature,
        "the logits were multiplied by the temperature: a temperature above 1 must flatten the distribution, "
        "so it divides them (section 4).":
            lambda logits, temperature: ref.softmax(logits * temperature),
        "exp overflowed: at a low temperature the scaled logits are large. Subtract each column's max before "
        "exp, as the softmax of rnn_forward does (section 4).":
            lambda logits, temperature: np.exp(logits / temperature) / np.exp(logits / temperature).sum(axis=0),
    },
    "sample_index": {
        "this is the most probable index of each column, whatever u is: greedy decoding, not sampling "
        "(section 4).":
            lambda p, u: np.argmax(p, axis=0),
        "this compares u with each probability, not with the running (cumulative) sum of the probabilities "
        "(section 4).":
            lambda p, u: np.where(np.any(p > u, axis=0), np.argmax(p > u, axis=0), len(p) - 1),
        "the running sum runs along the wrong axis: each column is one distribution, so it runs down the rows "
        "(axis 0).":
            lambda p, u: np.minimum(np.sum(np.cumsum(p, axis=1) <= u, axis=0), len(p) - 1),
        "this reads each distribution from the end: with u near 0 index 0 must come out (section 4).":
            lambda p, u: len(p) - 1 - ref.sample_index(p[::-1], u),
        "an index whose running sum equals u came out: the index drawn is the first whose running sum exceeds u, "
        "strictly, so u exactly at a running sum draws a later index, and an index of probability 0 (an empty "
        "stretch of [0, 1)) never comes out; np.searchsorted's default side searches the other way (section 4, "
        "Drawing with a given uniform number).":
            lambda p, u: np.minimum(np.sum(np.cumsum(p, axis=0) < u, axis=0), len(p) - 1),
        "index n_y came out, one past the last: rounding can leave the running sum just below 1, and a u at or "
        "above its end must still give the last index, n_y - 1 (section 4, Drawing with a given uniform number).":
            lambda p, u: np.sum(np.cumsum(p, axis=0) <= u, axis=0),
        "where no running sum exceeds u (rounding can leave the last one just below 1), index 0 came out, as "
        "np.argmax gives for a column of False or a result that starts at 0; such a u must give the last index, "
        "n_y - 1 (section 4, Drawing with a given uniform number).":
            lambda p, u: np.argmax(np.cumsum(p, axis=0) > u, axis=0),
    },
    "perplexity": {
        "this is exp of the loss summed over the steps (rnn_loss): that is the perplexity to the power T_x. "
        "Perplexity averages the cross-entropy over every character, examples and steps (section 5).":
            lambda y_pred, y: float(np.exp(-np.sum(y * np.log(y_pred)) / y.shape[1])),
        "this is the cross-entropy per character, without the exp (section 5).":
            lambda y_pred, y: float(-np.sum(y * np.log(y_pred)) / (y.shape[1] * y.shape[2])),
        "this averages over every entry of y, classes included: divide by the number of characters, m * T_x "
        "(section 5).":
            lambda y_pred, y: float(np.exp(-np.sum(y * np.log(y_pred)) / y.size)),
    },
    "train_chunks": {
        "every chunk started from a0: the hidden state must be carried, each chunk starting from the last state "
        "of the chunk before, as min-char-rnn carries hprev (section 6).":
            lambda *args: _train(*args, reset=True),
        "the gradients were not clipped before the step (section 6).":
            lambda *args: _train(*args, clip=False),
        "a_last is a0: return the last chunk's last state, where a next pass over the text would go on.":
            lambda *args: _train(*args, return_a0=True),
    },
}
