"""Seconds per submission of grading a class, five ways, on the same submissions:

  floor              every notebook executed by nbclient, one after another (no grading at all)
  nbgrader           `nbgrader autograde ASSIGNMENT` over the whole class: nbgrader's own sequential loop
  nbgrader+feedback  the same, then `nbgrader generate_feedback`: what the grading command also writes
  batch -w 1         `./run grade ASSIGNMENT --workers 1` (autograder.batch, with feedback and the CSV)
  batch -w 2         the same with 2 workers

    ./run python benchmarks/bench_grading.py [--students 20] [--assignment rnn_forward] [--rounds 2]

Goals: 2 workers at least 1.8x faster than sequential nbgrader; 1 worker within 1.3x of the floor.
The class is correct, partly wrong and untouched notebooks in turn (no hostile ones: a cell that waits for
its timeout would measure the timeout, not the grader). Every way runs once per round, rounds one after
another; the summary takes each way's fastest round (as timeit does: slower rounds measure what else the
machine was doing). Figures depend on the machine's other load, printed before and after.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder.samples import sample_submissions
from autograder.workspace import Workspace

KINDS = ["alice", "bob", "carol"]  # correct, partly wrong, untouched


def make_class(root, assignment, n):
    ws = Workspace.create(root, [assignment])
    ws.generate(assignment)
    samples = sample_submissions(ws, assignment, KINDS)
    for i in range(n):
        ws.submit(f"s{i + 1:03d}", assignment, samples[KINDS[i % len(KINDS)]])
    return ws


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def floor(ws, assignment):
    """Execute every submitted notebook with nbclient, as a student's Run All would."""
    for path in sorted((ws.root / "submitted").glob(f"*/{assignment}/*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()


def run(ws, *args):
    env = dict(os.environ, RNN_COURSE_DB_URL=ws.db_url)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    proc = subprocess.run([sys.executable, "-m", *args], cwd=ws.root, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--assignment", default="rnn_forward")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    a, n = args.assignment, args.students

    with tempfile.TemporaryDirectory() as tmp:
        ws = make_class(Path(tmp) / "course", a, n)
        batch = ["autograder.batch", a, "--course", str(ws.root), "--force", "--no-report"]
        ways = {
            "floor (nbclient, no grading)": lambda: floor(ws, a),
            "nbgrader autograde (sequential)": lambda: run(ws, "nbgrader", "autograde", a, "--force"),
            "nbgrader autograde + feedback": lambda: (run(ws, "nbgrader", "autograde", a, "--force"),
                                                      run(ws, "nbgrader", "generate_feedback", a, "--force")),
            "grade --workers 1": lambda: run(ws, *batch, "--workers", "1"),
            "grade --workers 2": lambda: run(ws, *batch, "--workers", "2"),
        }
        print(f"{n} submissions of {a}; load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        rounds = {name: [] for name in ways}
        for r in range(args.rounds):
            print(f"round {r + 1}:")
            for name, fn in ways.items():
                rounds[name].append(timed(fn) / n)
                print(f"  {name:<34}{rounds[name][-1]:6.2f} s per submission", flush=True)
        best = {name: min(times) for name, times in rounds.items()}
        print(f"fastest of {args.rounds} rounds:")
        for name, t in best.items():
            print(f"  {name:<34}{t:6.2f} s per submission")
        fl, nbg, nbg_fb, w1, w2 = best.values()
        print(f"2 workers vs sequential nbgrader: {nbg / w2:.2f}x faster (goal >= 1.8x); "
              f"vs nbgrader with its feedback: {nbg_fb / w2:.2f}x")
        print(f"1 worker vs the floor:            {w1 / fl:.2f}x the floor's time (goal <= 1.3x)")
        print(f"load average after: {os.getloadavg()[0]:.1f} (other processes share these CPUs)")


if __name__ == "__main__":
    main()
