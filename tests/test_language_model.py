"""The language_model assignment as students and instructors meet it: the reference's gradient is exact, a model
trained by the reference beats the unigram baseline by a stated margin on held-out words, the notebook runs with
the solutions and its training learns, its LSTM (given code) is exact and learns faster than the RNN on the same
chunks, the sampling explorer writes with the student's functions from either model, and each known mistake, handed
in as a notebook, costs exactly the test aimed at it."""

import numpy as np
import pytest

from autograder.commands.answers import read
from autograder.core.paths import COURSE_ROOT
from autograder.key import reference
from autograder.key.reference import gated
from course import language
from course.gradcheck import numerical_gradient, relative_error
from course.sampling_explorer import SamplingExplorer
from course.training import initial_parameters
from harness import KnownMistakes, KnownMistakesTests, Mistake, known_mistake
from notebook_probe import cell_text, error_outputs

ASSIGNMENT = "language_model"
GRADED = ("make_batches", "clip_by_global_norm", "adagrad_update", "temperature_softmax", "sample_index",
          "perplexity", "train_chunks")

PROBE = '''
import json
probe = SamplingExplorer({"RNN": language.rnn_model(rnn_cell_forward, trained),
                          "LSTM": language.lstm_model(lstm_cell_forward, lstm_trained)},
                         temperature_softmax, sample_index, vocabulary)
found = {}
for model in ("RNN", "LSTM"):
    probe.move(model=model, temperature=0.2, prefix="qu", seed=3)
    found[model] = {"message": probe.message, "readout": probe.readout,
                    "p": probe.plotted("p")[1].tolist(), "p1": probe.plotted("p at 1")[1].tolist()}
print("PROBE" + json.dumps(found))
'''


@pytest.fixture(scope="module")
def words():
    train, held_out = language.load_words()
    vocabulary = language.Vocabulary(train)
    return vocabulary, vocabulary.encode(train), vocabulary.encode(held_out)


def test_the_word_list_splits_by_checksum_and_holds_no_word_twice(words):
    vocabulary, train, held_out = words
    assert len(vocabulary) == 27 and vocabulary.chars[0] == "\n"
    train_words = set(vocabulary.decode(train).split())
    held_words = set(vocabulary.decode(held_out).split())
    assert not train_words & held_words
    assert 0.08 < len(held_words) / (len(train_words) + len(held_words)) < 0.12


def test_a_missing_word_list_says_which_package_to_install(tmp_path):
    with pytest.raises(FileNotFoundError, match="apt-get install wamerican"):
        language.load_words(tmp_path / "american-english")


def test_lm_bptt_gradients_are_exact():
    rng = np.random.default_rng(0)
    n_y, n_a, m, T_x = 5, 4, 3, 6
    x = np.eye(n_y)[rng.integers(0, n_y, (m, T_x))].transpose(2, 0, 1)
    y = np.eye(n_y)[rng.integers(0, n_y, (m, T_x))].transpose(2, 0, 1)
    a_prev = rng.normal(0, 0.5, (n_a, m))
    p = initial_parameters(n_y, n_a, n_y, seed=1, scale=0.5)
    _, gradients, a_last = reference.lm_bptt(x, y, a_prev, p)
    np.testing.assert_array_equal(a_last, reference.rnn_forward(x, a_prev, p)[0][:, :, -1])
    for name in p:
        numeric = numerical_gradient(lambda: reference.lm_bptt(x, y, a_prev, p)[0], p[name])
        assert relative_error(gradients["d" + name], numeric) < 1e-7, name


def test_a_model_trained_by_the_reference_beats_the_unigram_baseline(words):
    """250 chunks (200,000 characters, about 1 s): held-out perplexity at most 0.6 times the unigram's (18.95);
    the notebook's 600 chunks reach about 8.7."""
    vocabulary, train, held_out = words
    n_y = len(vocabulary)
    X, Y = reference.make_batches(train, 32, 25)
    X_held, Y_held = reference.make_batches(held_out, 32, 100)
    p = initial_parameters(n_y, 64, n_y, seed=0, scale=0.1)
    memory = {k: np.zeros_like(v) for k, v in p.items()}
    p, _, _, losses = reference.train_chunks(X[:250], Y[:250], np.zeros((64, 32)), p, memory, 0.1, 5.0)
    unigram = language.unigram_perplexity(train, held_out, n_y)
    model = language.model_perplexity(reference.perplexity, language.rnn_model(reference.rnn_cell_forward, p),
                                      X_held, Y_held)
    assert 18 < unigram < 20 and model < 0.6 * unigram, (model, unigram)
    assert losses[-10:].mean() < 0.7 * losses[:10].mean()


def test_generation_is_reproducible_and_follows_the_temperature(words):
    vocabulary, _, _ = words
    p = initial_parameters(27, 8, 27, seed=2, scale=1.0)
    args = (language.rnn_model(reference.rnn_cell_forward, p), reference.temperature_softmax,
            reference.sample_index, vocabulary)
    text, first, chosen = language.generate(*args, "pro", 40, 1.0, np.random.default_rng(5))
    assert len(text) == 40 and text == language.generate(*args, "pro", 40, 1.0, np.random.default_rng(5))[0]
    cold, cold_chosen = language.generate(*args, "pro", 40, 0.05, np.random.default_rng(5))[1:]
    assert chosen.shape == (40,) and cold_chosen.mean() > chosen.mean()  # a cold model writes what it expects
    assert cold.max() > first.max() and np.isclose(cold.sum(), 1)


def test_sampling_explorer_waits_for_the_students_function(words):
    vocabulary, _, _ = words
    p = initial_parameters(27, 8, 27, seed=2, scale=1.0)

    def stub(*args):
        raise NotImplementedError()

    models = {"RNN": language.rnn_model(reference.rnn_cell_forward, p)}
    explorer = SamplingExplorer(models, stub, reference.sample_index, vocabulary)
    assert explorer.message == ("temperature_softmax is not implemented yet: replace `raise NotImplementedError()` "
                                "with your code.")
    explorer = SamplingExplorer(models, reference.temperature_softmax,
                                known_mistake("sample_index", "this is the most probable index"), vocabulary)
    assert "sample_index runs, but does not pass its self-check yet" in explorer.message
    explorer.sample_index = reference.sample_index
    explorer.move(prefix="Pro")
    assert "may hold only the letters a to z" in explorer.message
    explorer.move(prefix="pro", temperature=0.1)
    assert explorer.message is None and max(explorer.plotted("p")[1]) > max(explorer.plotted("p at 1")[1])


def test_notebook_runs_and_its_model_learns(executed):
    nb, probe = executed
    assert error_outputs(nb) == []
    run = cell_text(nb, "X_train, Y_train = make_batches(")
    perplexities = [float(line.split("perplexity ")[1].split(";")[0]) for line in run.splitlines() if "after" in line]
    assert len(perplexities) == 4 and perplexities[-1] < 0.55 * 18.95 and perplexities == sorted(perplexities)[::-1]
    for model in ("RNN", "LSTM"):
        assert probe[model]["message"] is None and "<b>qu</b>" in probe[model]["readout"]
        assert max(probe[model]["p"]) > max(probe[model]["p1"])  # at temperature 0.2 the distribution is sharper
    assert probe["RNN"]["p"] != probe["LSTM"]["p"]  # the buttons switch the model


def test_the_lstm_learns_faster_than_the_rnn_on_the_same_chunks(executed):
    """The notebook's section 7: after each of the four parts the LSTM's held-out perplexity is below the RNN's
    (measured: 8.72, 8.12, 7.87, 7.71 against 10.52, 9.31, 8.95, 8.72)."""
    nb, _ = executed
    run = cell_text(nb, "lstm_trained = language.initial_lstm_parameters(")
    lines = [line for line in run.splitlines() if line.startswith("LSTM after")]
    lstm = [float(line.split("perplexity ")[1].split(" ")[0]) for line in lines]
    rnn = [float(line.split("the RNN's: ")[1].split(")")[0]) for line in lines]
    assert len(lstm) == 4 and lstm == sorted(lstm)[::-1]
    assert all(l_ < r - 0.5 for l_, r in zip(lstm, rnn)), (lstm, rnn)


@pytest.fixture(scope="module")
def given_lstm():
    """The namespace of the notebook's read-only cells: the RNN's (softmax) and the LSTM's."""
    namespace = {"np": np}
    for cell in read(COURSE_ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") in ("given", "given_lstm"):
            exec(cell.source, namespace)
    return namespace


def test_the_given_lstm_is_the_reference_s(given_lstm):
    rng = np.random.default_rng(3)
    n_x, n_a, n_y, m = 5, 4, 3, 2
    p = language.initial_lstm_parameters(n_x, n_a, seed=4)
    p["Wy"], p["by"] = rng.normal(0, 1, (n_y, n_a)), rng.normal(0, 1, (n_y, 1))
    xt, a_prev, c_prev = rng.normal(0, 1, (n_x, m)), rng.normal(0, 1, (n_a, m)), rng.normal(0, 1, (n_a, m))
    given = given_lstm["lstm_cell_forward"](xt, a_prev, c_prev, p)
    want = gated.lstm_cell_forward(xt, a_prev, c_prev, p)
    for g, w in zip(given[:3], want[:3]):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
    da_next, dc_next = rng.normal(0, 1, (n_a, m)), rng.normal(0, 1, (n_a, m))
    given = given_lstm["lstm_cell_backward"](da_next, dc_next, given[3])
    want = gated.lstm_cell_backward(da_next, dc_next, want[3])
    assert given.keys() == want.keys()
    for k in want:
        np.testing.assert_allclose(given[k], want[k], rtol=1e-12, atol=1e-14, err_msg=k)


def test_the_given_lm_lstm_bptt_gradients_are_exact(given_lstm):
    rng = np.random.default_rng(0)
    n_y, n_a, m, T_x = 5, 4, 3, 6
    x = np.eye(n_y)[rng.integers(0, n_y, (m, T_x))].transpose(2, 0, 1)
    y = np.eye(n_y)[rng.integers(0, n_y, (m, T_x))].transpose(2, 0, 1)
    state = (rng.normal(0, 0.5, (n_a, m)), rng.normal(0, 0.5, (n_a, m)))
    p = {k: v + rng.normal(0, 0.3, v.shape) for k, v in language.initial_lstm_parameters(n_y, n_a, seed=1).items()}
    lm_lstm_bptt = given_lstm["lm_lstm_bptt"]
    _, gradients, (a_last, c_last) = lm_lstm_bptt(x, y, state, p)
    model = language.lstm_model(gated.lstm_cell_forward, p)
    s = state
    for t in range(T_x):
        s, _ = model.step(x[:, :, t], s)
    np.testing.assert_allclose(a_last, s[0], rtol=1e-12)
    np.testing.assert_allclose(c_last, s[1], rtol=1e-12)
    assert gradients.keys() == {"d" + k for k in p}
    for name in p:
        numeric = numerical_gradient(lambda: lm_lstm_bptt(x, y, state, p)[0], p[name])
        assert relative_error(gradients["d" + name], numeric) < 1e-7, name


KNOWN = KnownMistakes(ASSIGNMENT, GRADED, [
    Mistake("target is the input", "make_batches", "Y[k, i] = stream[k * T_x + 1: (k + 1) * T_x + 1]",
            "Y[k, i] = stream[k * T_x: (k + 1) * T_x]", graded_hint="Y is X itself"),
    Mistake("streams interleaved", "make_batches", "stream = indices[i * length: i * length + n_chunks * T_x + 1]",
            "stream = indices[i::m][: n_chunks * T_x + 1]", graded_hint="the streams interleave"),
    Mistake("text reshaped as it reads", "make_batches", None,
            "def make_batches(indices, m, T_x):\n    n_chunks = ((len(indices) - 1) // m) // T_x\n"
            "    n = n_chunks * m * T_x\n    X = np.asarray(indices[:n]).reshape(n_chunks, m, T_x)\n"
            "    Y = np.asarray(indices[1:n + 1]).reshape(n_chunks, m, T_x)\n    return X, Y",
            says=("Hint: the whole text was cut into chunks as it reads",), graded_hint="cut into chunks as it reads"),
    Mistake("streams reshaped without the chunk axis first", "make_batches", None,
            "def make_batches(indices, m, T_x):\n    length = (len(indices) - 1) // m\n    n_chunks = length // T_x\n"
            "    streams = np.stack([indices[i * length: i * length + n_chunks * T_x + 1] for i in range(m)])\n"
            "    return (streams[:, :-1].reshape(n_chunks, m, T_x), streams[:, 1:].reshape(n_chunks, m, T_x))",
            says=("Hint: the streams are right, but the chunks mix them",), graded=False),
    Mistake("clip each array", "clip_by_global_norm",
            "return {name: g * factor for name, g in gradients.items()}, norm",
            "return {name: g * min(1.0, max_norm / np.linalg.norm(g)) for name, g in gradients.items()}, norm",
            graded_hint="clipped by its own norm"),
    Mistake("clip by value", "clip_by_global_norm",
            "return {name: g * factor for name, g in gradients.items()}, norm",
            "return {name: np.clip(g, -max_norm, max_norm) for name, g in gradients.items()}, norm"),
    Mistake("clip always scales", "clip_by_global_norm", "factor = 1.0 if norm <= max_norm else max_norm / norm",
            "factor = max_norm / norm", says=("Hint: the gradients were scaled when their norm was below max_norm",),
            graded_hint="scaled when their norm was below max_norm"),
    Mistake("eps outside the root", "adagrad_update", "g / np.sqrt(new_memory[name] + eps)",
            "g / (np.sqrt(new_memory[name]) + eps)", says=("Hint: eps was added to the square root, not under it",),
            graded_hint="eps was added to the square root"),
    Mistake("adagrad returns memory first", "adagrad_update", "return new_parameters, new_memory",
            "return new_memory, new_parameters",
            says=("Hint: the parameters and the memory are in each other's place",), graded=False),
    Mistake("no square root", "adagrad_update", "g / np.sqrt(new_memory[name] + eps)", "g / (new_memory[name] + eps)",
            graded_hint="not by its square root"),
    Mistake("memory not kept", "adagrad_update", "new_memory[name] = memory[name] + g * g", "new_memory[name] = g * g"),
    Mistake("the RNN's names only", "adagrad_update", "for name in parameters:",
            'for name in ("Waa", "Wax", "Wya", "ba", "by"):'),
    Mistake("temperature after softmax", "temperature_softmax", "z = logits / temperature", "z = logits",
            graded_hint="the temperature was applied after the softmax"),
    Mistake("temperature multiplies", "temperature_softmax", "z = logits / temperature", "z = logits * temperature",
            graded_hint="multiplied by the temperature"),
    Mistake("greedy", "sample_index", "if running > u[j]:", "if p[i, j] == p[:, j].max():",
            graded_hint="greedy decoding"),
    Mistake("ties go to the left", "sample_index", "if running > u[j]:", "if running >= u[j]:",
            says=("Hint: an index whose running sum equals u came out",), graded_hint="equals u came out"),
    Mistake("searchsorted's default side", "sample_index", None,
            "def sample_index(p, u):\n    running = np.cumsum(p, axis=0)\n"
            "    return np.array([min(np.searchsorted(running[:, j], u[j]), len(p) - 1) for j in range(len(u))])",
            says=("Hint: an index whose running sum equals u came out",), graded=False),
    Mistake("no last index", "sample_index", "indices = np.full(m, n_y - 1)", "indices = np.full(m, n_y)",
            says=("Hint: index n_y came out, one past the last",), graded_hint="one past the last"),
    Mistake("index 0 when nothing exceeds u", "sample_index", None,
            "def sample_index(p, u):\n    return np.argmax(np.cumsum(p, axis=0) > u, axis=0)",
            says=("Hint: where no running sum exceeds u",), graded=False),
    Mistake("perplexity of the sum", "perplexity", "n_characters = y.shape[1] * y.shape[2]",
            "n_characters = y.shape[1]", graded_hint="perplexity to the power T_x"),
    Mistake("no exp", "perplexity", "return float(np.exp(-np.sum(y * np.log(y_pred)) / n_characters))",
            "return float(-np.sum(y * np.log(y_pred)) / n_characters)"),
    Mistake("state reset", "train_chunks", "losses[k], gradients, a_prev = lm_bptt(x, y, a_prev, parameters)",
            "losses[k], gradients, a_prev = lm_bptt(x, y, a0, parameters)", graded_hint="every chunk started from a0"),
    Mistake("no clipping", "train_chunks", "gradients, _ = clip_by_global_norm(gradients, max_norm)",
            "gradients = dict(gradients)", graded_hint="not clipped"),
])


class TestKnownMistakes(KnownMistakesTests):
    known = KNOWN
