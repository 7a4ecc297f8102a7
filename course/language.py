"""What the language_model notebook imports: its corpus, the vocabulary, the unigram baseline, the RNN and the
LSTM as character models stepped by the notebook's cells, their perplexity on a text, and text generated with the
student's sampling functions.

The corpus is read at run time from the word list of Debian's package wamerican (SCOWL, by Kevin Atkinson:
free to use, copy, modify and distribute with its notice; /usr/share/doc/wamerican/copyright); nothing of it is
copied into the course.
"""
import re
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np

from course.recall import initial_parameters
from course.toy import one_hot

WORDLIST = Path("/usr/share/dict/american-english")  # by name: /usr/share/dict/words may point to another list


def load_words(path=WORDLIST):
    """The word list as two texts, one word per line: (train, held_out). Only words of the letters a to z are
    kept; a word is held out when its CRC-32 is 0 modulo 10, so the split never depends on order or a seed. Each
    text lists its words in the order of their CRC-32: alphabetical order would put "abandon", "abandoned",
    "abandoning" side by side, and a model reading across words would learn to copy the word before.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: it comes with the Debian package wamerican. Install it with "
                                "`sudo apt-get install wamerican` (./run installs it when run as root).")
    words = [w for w in path.read_text(encoding="utf-8", errors="replace").split("\n") if re.fullmatch("[a-z]+", w)]
    words.sort(key=lambda w: (zlib.crc32(w.encode()), w))
    held_out = [w for w in words if zlib.crc32(w.encode()) % 10 == 0]
    train = [w for w in words if zlib.crc32(w.encode()) % 10 != 0]
    return "".join(w + "\n" for w in train), "".join(w + "\n" for w in held_out)


class Vocabulary:
    """The characters of a text, sorted, and the two ways between characters and indices.

    chars -- the characters, index i is chars[i]
    index -- dict character -> index
    """

    def __init__(self, text):
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self):
        return len(self.chars)

    def encode(self, text):
        """The text as an int array of indices, (len(text),). Raises KeyError naming a character not in the
        vocabulary."""
        missing = sorted(set(text) - set(self.index))
        if missing:
            raise KeyError(f"characters not in the vocabulary: {''.join(missing)!r}")
        return np.array([self.index[c] for c in text], dtype=int)

    def decode(self, indices):
        return "".join(self.chars[i] for i in np.asarray(indices).ravel())


def unigram_perplexity(train, held_out, n_y):
    """Perplexity on held_out of the model that ignores context: each character with its frequency in train
    (add-one smoothed, so an unseen character costs a finite amount).

    Arguments:
    train, held_out -- int arrays of indices
    n_y -- vocabulary size

    Returns:
    perplexity -- a float
    """
    counts = np.bincount(train, minlength=n_y) + 1.0
    p = counts / counts.sum()
    return float(np.exp(-np.mean(np.log(p[held_out]))))


class Model(NamedTuple):
    """A character model as the notebook's helpers drive it, one step at a time.

    start -- function m -> the state before any input, for m streams
    step -- function (xt (n_y, m), state) -> (state, y_pred (n_y, m)): read one character, predict the next
    logits -- function state -> (n_y, m): the output layer before its softmax
    """
    start: Callable
    step: Callable
    logits: Callable


def rnn_model(rnn_cell_forward, parameters):
    """The vanilla RNN with these parameters (Waa, Wax, Wya, ba, by), stepped by the student's cell."""
    n_a = len(parameters["Waa"])

    def step(xt, a):
        a_next, y_pred, _ = rnn_cell_forward(xt, a, parameters)
        return a_next, y_pred

    return Model(lambda m: np.zeros((n_a, m)), step, lambda a: parameters["Wya"] @ a + parameters["by"])


def lstm_model(lstm_cell_forward, parameters):
    """The LSTM with these parameters (Wf, Wi, Wc, Wo, bf, bi, bc, bo, Wy, by), stepped by its cell; the state is
    the pair (a, c)."""
    n_a = len(parameters["bf"])

    def step(xt, state):
        a_next, c_next, y_pred, _ = lstm_cell_forward(xt, *state, parameters)
        return (a_next, c_next), y_pred

    return Model(lambda m: (np.zeros((n_a, m)), np.zeros((n_a, m))), step,
                 lambda state: parameters["Wy"] @ state[0] + parameters["by"])


def initial_lstm_parameters(n_y, n_a, seed=0):
    """An LSTM character model's starting parameters, as the recall task starts its LSTM, with the forget gate's
    bias at 1 (Keras' unit_forget_bias): the cell starts out keeping about 3/4 of its state each step."""
    return initial_parameters("lstm", n_y, n_a, n_y, seed=seed, keep_bias=1.0)


def model_perplexity(perplexity, model, X, Y):
    """Perplexity of the model on a text cut by make_batches, read chunk after chunk with the state carried over,
    as in training, by the student's `perplexity` on all the predictions at once.

    Arguments:
    perplexity -- function (y_pred, y) -> float
    model -- a Model (rnn_model or lstm_model)
    X, Y -- int arrays (n_chunks, m, T_x) from make_batches

    Returns:
    the perplexity of predicting Y from X, a float
    """
    n_chunks, m, T_x = X.shape
    n_y = len(model.logits(model.start(1)))
    state, y_pred = model.start(m), np.zeros((n_y, m, n_chunks * T_x))
    for t, xt in enumerate(one_hot(np.concatenate(list(X), axis=1), n_y).transpose(2, 0, 1)):
        state, y_pred[:, :, t] = model.step(xt, state)
    return perplexity(y_pred, one_hot(np.concatenate(list(Y), axis=1), n_y))


def generate(model, temperature_softmax, sample_index, vocabulary, prefix, length, temperature, rng):
    """Text the model writes after `prefix`, one character at a time, each fed back as the next input.

    Arguments:
    model -- a Model (rnn_model or lstm_model)
    temperature_softmax, sample_index -- the student's functions
    vocabulary -- a Vocabulary
    prefix -- text the model reads first; empty: the first character comes from the start state (the output
              bias alone)
    length -- number of characters to write
    temperature -- positive float
    rng -- numpy Generator: the only randomness, so a seed gives the same text

    Returns:
    text -- the `length` characters written
    first -- the distribution of the first written character, (n_y,): what the explorer's bar chart shows
    chosen -- the probability each written character had when it was drawn, (length,)
    """
    state = model.start(1)
    n_y = len(vocabulary)
    for i in vocabulary.encode(prefix):
        state, _ = model.step(one_hot([[i]], n_y)[:, :, 0], state)
    written, first, chosen = [], None, []
    for _ in range(length):
        p = temperature_softmax(model.logits(state), temperature)
        first = p[:, 0] if first is None else first
        i = int(sample_index(p, rng.uniform(0, 1, 1))[0])
        written.append(i)
        chosen.append(float(p[i, 0]))
        state, _ = model.step(one_hot([[i]], n_y)[:, :, 0], state)
    return vocabulary.decode(written), first, np.array(chosen)
