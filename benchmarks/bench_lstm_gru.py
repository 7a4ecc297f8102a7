"""The lstm_gru notebook's speed: a run top to bottom with the instructor's solutions, in a fresh kernel as
nbgrader runs it (target: under 15 s), the recall task's training per model, and the gate explorer's
kernel-side update time (target: at most 30 ms), driven by the notebook's given RNN and solution LSTM and GRU.

    ./run python benchmarks/bench_lstm_gru.py [RUNS]
"""
import os
import statistics
import sys
import time

import numpy as np
from bench_bptt import report_runs, solution_namespace

from autograder.core.paths import COURSE_ROOT
from course import recall
from course.gate_explorer import MODELS, T_MAX, GateExplorer

NOTEBOOK = COURSE_ROOT / "source" / "lstm_gru" / "lstm_gru.ipynb"


def explorer_updates(ns, moves=60):
    """The explorer's update-time summary over a sweep of every slider, and the time of one move at T_MAX."""
    explorer = GateExplorer(*(ns[f"{m}_{part}"] for m in MODELS for part in ("forward", "cell_backward")))
    rng = np.random.default_rng(0)
    first = len(explorer.timer.seconds)  # the first picture includes the one-time layout and self-checks
    for _ in range(moves):
        explorer.move(radius=float(rng.uniform(0, 2)), keep_bias=float(rng.uniform(-2, 6)),
                      input_scale=float(rng.uniform(0, 3)), T_x=int(rng.integers(2, T_MAX + 1)))
    explorer.move(T_x=T_MAX)
    return explorer.timer.summary(last=len(explorer.timer.seconds) - first), explorer.timer.seconds[-1]


def training_times(ns, T_x=40, seeds=range(3)):
    """{model: (median seconds of one 300-update training, held-out accuracies over the seeds)}."""
    result = {}
    for m in MODELS:
        seconds, accuracies = [], []
        for seed in seeds:
            start = time.perf_counter()
            trained, _ = recall.train(m, ns[f"{m}_forward"], ns[f"{m}_backward"], T_x, seed=seed)
            seconds.append(time.perf_counter() - start)
            accuracies.append(recall.held_out_accuracy(m, ns[f"{m}_forward"], trained, T_x))
        result[m] = (statistics.median(seconds), accuracies)
    return result


def main(runs=3):
    report_runs(NOTEBOOK, runs, 15)
    ns = solution_namespace(NOTEBOOK, given=("given",))
    for m, (seconds, accuracies) in training_times(ns).items():
        print(f"recall task, T_x = 40, 300 updates, {m}: {seconds:.2f} s per training (median of 3 seeds), "
              f"held-out accuracy {', '.join(f'{a:.0%}' for a in accuracies)}")
    summary, longest = explorer_updates(ns)
    print(f"gate explorer update (kernel side, solution cells): {summary}; at T_x = {T_MAX}: {longest * 1e3:.1f} ms")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
