"""How long the architectures notebook takes to run top to bottom with the instructor's solutions
(target: under 10 s), in a fresh kernel as nbgrader runs it: ./run python benchmarks/bench_architectures.py [RUNS]"""
import os
import statistics
import sys
import time

import nbformat
from nbclient import NotebookClient

from autograder.workspace import COURSE_ROOT

NOTEBOOK = COURSE_ROOT / "source" / "architectures" / "architectures.ipynb"


def run_once():
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(COURSE_ROOT)}}).execute()
    total = time.perf_counter() - start
    cells = [(float(c.metadata["execution"]["shell.execute_reply"][17:-1])
              - float(c.metadata["execution"]["iopub.execute_input"][17:-1]), i)
             for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    return total, sorted(cells, reverse=True)[:3]


def main(runs=3):
    totals = []
    for _ in range(runs):
        total, slowest = run_once()
        totals.append(total)
        print(f"run: {total:.2f} s (kernel start included); slowest cells: "
              + ", ".join(f"#{i} {s:.2f} s" for s, i in slowest))
    print(f"architectures notebook, top to bottom with solutions: median {statistics.median(totals):.2f} s, "
          f"min {min(totals):.2f} s over {runs} runs (target < 10 s); load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs (a load above the CPU count slows every figure)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
