"""The language_model notebook's speed: a run top to bottom with the instructor's solutions, in a fresh kernel as
nbgrader runs it (target: under 20 s), and the sampling explorer's kernel-side update time (target: at most
30 ms), driven by the solution functions and the RNN and the LSTM trained as the notebook trains them.

    ./run python benchmarks/bench_language_model.py [RUNS]
"""
import os
import sys

import numpy as np
from bench_bptt import report_runs, solution_namespace

from autograder.core.paths import COURSE_ROOT
from course import language
from course.sampling_explorer import SamplingExplorer
from course.toy import one_hot
from course.training import initial_parameters

NOTEBOOK = COURSE_ROOT / "source" / "language_model" / "language_model.ipynb"


def trained_models(ns, chunks=150):
    """The RNN and the LSTM trained on the first `chunks` chunks as the notebook trains them, as explorer models."""
    train, _ = language.load_words()
    vocabulary = language.Vocabulary(train)
    X, Y = ns["make_batches"](vocabulary.encode(train), 32, 25)
    rnn = initial_parameters(27, 64, 27, seed=0, scale=0.1)
    rnn, *_ = ns["train_chunks"](X[:chunks], Y[:chunks], np.zeros((64, 32)), rnn,
                                 {k: np.zeros_like(v) for k, v in rnn.items()}, 0.1, 5.0)
    lstm = language.initial_lstm_parameters(27, 64)
    memory, state = {k: np.zeros_like(v) for k, v in lstm.items()}, (np.zeros((64, 32)), np.zeros((64, 32)))
    for k in range(chunks):
        x, y = one_hot(X[k], 27), one_hot(Y[k], 27)
        _, gradients, state = ns["lm_lstm_bptt"](x, y, state, lstm)
        lstm, memory = ns["adagrad_update"](lstm, ns["clip_by_global_norm"](gradients, 5.0)[0], memory, 0.1)
    return vocabulary, {"RNN": language.rnn_model(ns["rnn_cell_forward"], rnn),
                        "LSTM": language.lstm_model(ns["lstm_cell_forward"], lstm)}


def explorer_updates(ns, moves=60):
    """For each model, the explorer's update-time summary over a sweep of every control, and one move at the
    longest text."""
    vocabulary, models = trained_models(ns)
    explorer = SamplingExplorer(models, ns["temperature_softmax"], ns["sample_index"], vocabulary)
    rng = np.random.default_rng(0)
    results = {}
    for name in models:
        explorer.move(model=name)
        first = len(explorer.timer.seconds)
        for _ in range(moves):
            explorer.move(temperature=float(rng.uniform(0.1, 3)), length=int(rng.integers(10, 201)),
                          seed=int(rng.integers(0, 51)),
                          prefix="".join(rng.choice(list("abcdefg"), rng.integers(0, 6))))
        explorer.move(length=200)
        results[name] = explorer.timer.summary(last=len(explorer.timer.seconds) - first), explorer.timer.seconds[-1]
    return results


def main(runs=3):
    report_runs(NOTEBOOK, runs, 20)
    for name, (summary, longest) in explorer_updates(solution_namespace(NOTEBOOK, ("given", "given_lstm"))).items():
        print(f"sampling explorer update, {name} (kernel side, solution functions): {summary}; at length 200: "
              f"{longest * 1e3:.1f} ms; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
