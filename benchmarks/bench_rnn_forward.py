"""How fast the rnn_forward assignment responds: the state explorer's kernel-side update time per slider
move (target <= 30 ms) and the notebook's run time top to bottom with the solutions (target < 5 s).

    ./run python benchmarks/bench_rnn_forward.py [MOVES] [RUNS]
"""
import statistics
import sys
import time

import numpy as np
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

from autograder.commands.answers import fill, read, solution_code
from autograder.core.paths import COURSE_ROOT
from autograder.key import reference
from course.state_explorer import PATTERNS, T_MAX, StateExplorer

SOURCE = COURSE_ROOT / "source" / "rnn_forward" / "rnn_forward.ipynb"
RELEASE = COURSE_ROOT / "release" / "rnn_forward" / "rnn_forward.ipynb"


def moves(n):
    """n single-control moves that visit every control, as a student dragging sliders would make them."""
    rng = np.random.default_rng(0)
    makers = [("radius", lambda: float(rng.uniform(0, 2))), ("input_scale", lambda: float(rng.uniform(0, 3))),
              ("bias", lambda: float(rng.uniform(-1.5, 1.5))), ("T_x", lambda: int(rng.integers(1, T_MAX + 1))),
              ("pattern", lambda: PATTERNS[int(rng.integers(len(PATTERNS)))])]
    return [(name, make()) for name, make in (makers[i % len(makers)] for i in range(n))]


def bench_explorer(n):
    explorer = StateExplorer(reference.rnn_forward)
    first = explorer.timer.seconds[0]
    compute, cpu = [], []
    for name, value in moves(n):
        start = time.process_time()
        explorer.controls[name].value = value  # the widget's observer runs the update, as in the browser
        cpu.append(time.process_time() - start)
        start = time.perf_counter()
        explorer.compute(**explorer.values())
        compute.append(time.perf_counter() - start)
    updates = explorer.timer.seconds[1:]
    print(f"state explorer, first picture (layout included): {first * 1e3:.0f} ms")
    print(f"state explorer, update per move: median {statistics.median(updates) * 1e3:.1f} ms, "
          f"worst {max(updates) * 1e3:.1f} ms over {len(updates)} moves (target <= 30 ms); "
          f"of which rnn_forward and checks: median {statistics.median(compute) * 1e3:.1f} ms; "
          f"CPU time per move (what a busy machine cannot inflate): median {statistics.median(cpu) * 1e3:.1f} ms; "
          f"PNG {len(explorer.png) / 1024:.0f} KiB")


# Appended to the notebook: the kernel's own CPU time (start-up included), which a busy machine cannot inflate.
KERNEL_CPU = "import resource; _r = resource.getrusage(resource.RUSAGE_SELF); print(_r.ru_utime + _r.ru_stime)"


def bench_notebook(runs):
    totals, cpus = [], []
    for _ in range(runs):
        nb = fill(read(RELEASE), solution_code(read(SOURCE)))
        nb.cells.append(new_code_cell(KERNEL_CPU))
        start = time.perf_counter()
        NotebookClient(nb, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(RELEASE.parent)}}).execute()
        totals.append(time.perf_counter() - start)
        cpus.append(float(nb.cells[-1].outputs[0]["text"]))
        cells = sorted(((float(c.metadata["execution"]["shell.execute_reply"][17:-1])
                         - float(c.metadata["execution"]["iopub.execute_input"][17:-1]), i)
                        for i, c in enumerate(nb.cells) if c.cell_type == "code"), reverse=True)[:3]
        print(f"notebook run: {totals[-1]:.2f} s (kernel start included), kernel CPU {cpus[-1]:.2f} s; slowest cells: "
              + ", ".join(f"#{i} {s:.2f} s" for s, i in cells))
    print(f"rnn_forward notebook, top to bottom with solutions: median {statistics.median(totals):.2f} s, "
          f"min {min(totals):.2f} s over {runs} runs (target < 5 s); kernel CPU time median "
          f"{statistics.median(cpus):.2f} s")


if __name__ == "__main__":
    bench_explorer(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
    bench_notebook(int(sys.argv[2]) if len(sys.argv) > 2 else 3)
