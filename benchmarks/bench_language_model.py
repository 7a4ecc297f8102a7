"""The language_model notebook's speed: a run top to bottom with the instructor's solutions, in a fresh kernel as
nbgrader runs it (target: under 20 s), and the sampling explorer's kernel-side update time (target: at most
30 ms), driven by the solution functions and a model trained as the notebook trains it.

    ./run python benchmarks/bench_language_model.py [RUNS]
"""
import os
import sys

import numpy as np
from bench_bptt import report_runs, solution_namespace

from autograder.core.paths import COURSE_ROOT
from course import language
from course.sampling_explorer import SamplingExplorer
from course.training import initial_parameters

NOTEBOOK = COURSE_ROOT / "source" / "language_model" / "language_model.ipynb"


def explorer_updates(ns, moves=60):
    """The explorer's update-time summary over a sweep of every control, and one move at the longest text."""
    train, _ = language.load_words()
    vocabulary = language.Vocabulary(train)
    X, Y = ns["make_batches"](vocabulary.encode(train), 32, 25)
    p = initial_parameters(27, 64, 27, seed=0, scale=0.1)
    memory = {k: np.zeros_like(v) for k, v in p.items()}
    p, *_ = ns["train_chunks"](X[:150], Y[:150], np.zeros((64, 32)), p, memory, 0.1, 5.0)
    explorer = SamplingExplorer(ns["rnn_cell_forward"], ns["temperature_softmax"], ns["sample_index"], p, vocabulary)
    rng = np.random.default_rng(0)
    first = len(explorer.timer.seconds)
    for _ in range(moves):
        explorer.move(temperature=float(rng.uniform(0.1, 3)), length=int(rng.integers(10, 201)),
                      seed=int(rng.integers(0, 51)), prefix="".join(rng.choice(list("abcdefg"), rng.integers(0, 6))))
    explorer.move(length=200)
    return explorer.timer.summary(last=len(explorer.timer.seconds) - first), explorer.timer.seconds[-1]


def main(runs=3):
    report_runs(NOTEBOOK, runs, 20)
    summary, longest = explorer_updates(solution_namespace(NOTEBOOK, given="given"))
    print(f"sampling explorer update (kernel side, solution functions): {summary}; at length 200: "
          f"{longest * 1e3:.1f} ms; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
