"""How long the architectures notebook takes to run top to bottom with the instructor's solutions
(target: under 10 s), in a fresh kernel as nbgrader runs it: ./run python benchmarks/bench_architectures.py [RUNS]"""
import os
import statistics
import sys
import time

import nbformat
from nbclient import NotebookClient

from autograder.core.paths import COURSE_ROOT

NOTEBOOK = COURSE_ROOT / "source" / "architectures" / "architectures.ipynb"


def _children_cpu():
    t = os.times()
    return t.children_user + t.children_system


def run_once():
    """(wall seconds, CPU seconds of the kernel process, the three slowest cells as (seconds, index))."""
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    start, cpu_start = time.perf_counter(), _children_cpu()
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(COURSE_ROOT)}}).execute()
    total = time.perf_counter() - start
    cpu = _children_cpu() - cpu_start  # the kernel has exited and been reaped: its CPU time, load-independent
    cells = [(float(c.metadata["execution"]["shell.execute_reply"][17:-1])
              - float(c.metadata["execution"]["iopub.execute_input"][17:-1]), i)
             for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    return total, cpu, sorted(cells, reverse=True)[:3]


def main(runs=3):
    totals, cpus = [], []
    for _ in range(runs):
        total, cpu, slowest = run_once()
        totals.append(total)
        cpus.append(cpu)
        print(f"run: {total:.2f} s wall (kernel start included), kernel CPU {cpu:.2f} s; slowest cells: "
              + ", ".join(f"#{i} {s:.2f} s" for s, i in slowest))
    print(f"architectures notebook, top to bottom with solutions: median {statistics.median(totals):.2f} s wall, "
          f"min {min(totals):.2f} s over {runs} runs (target < 10 s); kernel CPU median "
          f"{statistics.median(cpus):.2f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
          "(a load above the CPU count stretches the wall times, not the CPU time)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
