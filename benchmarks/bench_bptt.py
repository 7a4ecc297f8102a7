"""The bptt notebook's speed: a run top to bottom with the instructor's solutions, in a fresh kernel as
nbgrader runs it (target: under 10 s), and the gradient explorer's kernel-side update time, driven by the
notebook's own forward pass and solution rnn_backward.

    ./run python benchmarks/bench_bptt.py [RUNS]
"""
import statistics
import sys
import time
from datetime import datetime

import numpy as np
from nbclient import NotebookClient

from autograder.commands.answers import read, solution_code
from autograder.core.paths import COURSE_ROOT
from course.gradient_explorer import T_MAX, GradientExplorer

NOTEBOOK = COURSE_ROOT / "source" / "bptt" / "bptt.ipynb"


def cell_seconds(cell):
    """Kernel time of one executed cell, from nbclient's timing metadata."""
    timing = cell.metadata["execution"]
    start, end = (datetime.fromisoformat(timing[k].replace("Z", "+00:00"))
                  for k in ("iopub.execute_input", "shell.execute_reply"))
    return (end - start).total_seconds()


def run_notebook(notebook=NOTEBOOK):
    """(total seconds including the kernel's start, [(seconds, cell index, first line)] slowest first)."""
    nb = read(notebook)
    start = time.perf_counter()
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(notebook.parent)}}).execute()
    total = time.perf_counter() - start
    cells = [(cell_seconds(c), i, c.source.splitlines()[0][:50]) for i, c in enumerate(nb.cells)
             if c.cell_type == "code"]
    return total, sorted(cells, reverse=True)


def solution_namespace(notebook=NOTEBOOK, given=("forward",)):
    """The notebook's given code (the cells whose grade ids are in `given`) and the instructor's answers, defined
    as a student's kernel has them."""
    nb = read(notebook)
    namespace = {}
    exec("import numpy as np", namespace)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") in given:
            exec(cell.source, namespace)
    for code in solution_code(nb).values():
        exec(code, namespace)
    return namespace


def explorer_updates(moves=60):
    """The explorer's update-time summary over a sweep of every slider."""
    ns = solution_namespace()
    explorer = GradientExplorer(ns["rnn_forward"], ns["rnn_backward"])
    rng = np.random.default_rng(0)
    first = len(explorer.timer.seconds)  # the first picture includes the one-time layout
    for _ in range(moves):
        explorer.move(radius=float(rng.uniform(0, 2)), input_scale=float(rng.uniform(0, 3)),
                      T_x=int(rng.integers(2, T_MAX + 1)))
    explorer.move(T_x=T_MAX)
    worst_case = explorer.timer.seconds[-1]
    return explorer.timer.summary(last=len(explorer.timer.seconds) - first), worst_case


def report_runs(notebook, runs, target_seconds):
    """Run `notebook` `runs` times and print each run's time and slowest cells, then the median and the minimum."""
    totals = []
    for _ in range(runs):
        total, cells = run_notebook(notebook)
        totals.append(total)
        print(f"run: {total:.2f} s (kernel start included); slowest cells: "
              + ", ".join(f"#{i} {s:.2f} s ({line})" for s, i, line in cells[:3]))
    print(f"{notebook.stem} notebook, top to bottom with solutions: median {statistics.median(totals):.2f} s, "
          f"min {min(totals):.2f} s over {runs} runs (target < {target_seconds} s)")


def main(runs=3):
    report_runs(NOTEBOOK, runs, 10)
    summary, longest = explorer_updates()
    print(f"gradient explorer update (kernel side, solution rnn_backward): {summary}; "
          f"at T_x = {T_MAX}: {longest * 1e3:.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
