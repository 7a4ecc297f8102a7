"""Seconds per submission of grading a class, five ways, on the same submissions:

  floor              every notebook executed by nbclient, one after another (no grading at all)
  nbgrader           `nbgrader autograde ASSIGNMENT` over the whole class: nbgrader's own sequential loop
  nbgrader+feedback  the same, then `nbgrader generate_feedback`: what the grading command also writes
  batch -w 1         `./run grade ASSIGNMENT --workers 1` (autograder.batch.grade, with feedback and the CSV)
  batch -w 2         the same with 2 workers

    ./run python benchmarks/bench_grading.py [--students 20] [--assignment rnn_forward] [--rounds 3]
                                             [--against DIR] [--asserts] [--only-batch]

--against DIR times DIR's `grade` too (another checkout, e.g. `git worktree add ../before HEAD~1` and its
`./run python -c 1` to make its .venv), in the same rounds right after this checkout's, so that a change to
grading is measured before and after side by side, on the same machine minute.

--asserts times the same class graded with each of the course's test cells replaced by an instructor's assert
cell on the same cases (with the same points): what grading ordinary nbgrader test cells costs.

Goals: 2 workers at least 1.8x faster than sequential nbgrader; 1 worker within 1.3x of the floor.
The class is correct, partly wrong and untouched notebooks in turn (no hostile ones: a cell that waits for
its timeout would measure the timeout, not the grader). Every way runs once per round, rounds one after
another; the summary takes each way's fastest round (as timeit does: slower rounds measure what else the
machine was doing). Figures depend on the machine's other load, printed before and after.
After each round, a pure-CPU loop run twice one after the other and then twice at once shows what the machine
gave two busy processes just then (2.00x on two free cores), to read that round's 2-worker ratio against.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

import nbformat
from nbclient import NotebookClient
from sqlalchemy import create_engine, inspect, text

from autograder.commands.samples import sample_submissions
from autograder.commands.workspace import Workspace

KINDS = ["alice", "bob", "carol"]  # correct, partly wrong, untouched


ASSERT_CELL = """### BEGIN HIDDEN TESTS
from autograder.key import reference
from autograder.key.cases import make_args
from autograder.key.problems import HIDDEN_SIZES, VISIBLE_SIZES

def close(got, want):
    if want is None:
        return got is None
    if isinstance(want, dict):
        return isinstance(got, dict) and got.keys() == want.keys() and all(close(got[k], want[k]) for k in want)
    if isinstance(want, (tuple, list)):
        return isinstance(got, (tuple, list)) and len(got) == len(want) and all(map(close, got, want))
    return np.shape(got) == np.shape(want) and np.allclose(got, want)

rng = np.random.default_rng(1)
for size in [*VISIBLE_SIZES, *HIDDEN_SIZES]:
    args = make_args({case_set!r}, size, rng)
    assert close({function}(*args), reference.{function}(*args)), size
### END HIDDEN TESTS
"""


def with_assert_cells(root, assignment):
    """Replace each of the course's test cells (check on a registered case set) by an instructor's assert cell
    with the same points, asserting on as many cases of the same shapes against the reference."""
    from course.signatures import function_of
    for path in (root / "source" / assignment).glob("*.ipynb"):
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade") and not meta.get("solution") and meta.get("grade_id", "").startswith("test_"):
                case_set = meta["grade_id"][len("test_"):]
                cell.source = ASSERT_CELL.format(case_set=case_set, function=function_of(case_set))
                meta["grade_id"] = f"asserts_{case_set}"
        nbformat.write(nb, str(path))


def make_class(root, assignment, n, asserts=False):
    ws = Workspace.create(root, [assignment])
    if asserts:
        with_assert_cells(ws.root, assignment)
    ws.generate(assignment)
    samples = sample_submissions(ws, assignment, KINDS)
    for i in range(n):
        ws.submit(f"s{i + 1:03d}", assignment, samples[KINDS[i % len(KINDS)]])
    return ws


def machine_cpu():
    """(busy, steal): CPU seconds the whole machine has spent busy (user, nice, system, irq, softirq), and
    stolen by the hypervisor (a virtual CPU that was ready to run but not running). Sandboxed notebooks
    are killed rather than waited for, so only the machine's counters see their time."""
    with open("/proc/stat") as f:
        ticks = [int(v) for v in f.readline().split()[1:]]
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks[:3]) + sum(ticks[5:7])) / hz, ticks[7] / hz


def timed(fn):
    """(wall seconds, machine CPU seconds, stolen CPU seconds) of fn()."""
    wall, (cpu, steal) = time.perf_counter(), machine_cpu()
    fn()
    cpu_after, steal_after = machine_cpu()
    return time.perf_counter() - wall, cpu_after - cpu, steal_after - steal


def floor(ws, assignment):
    """Execute every submitted notebook with nbclient, as a student's Run All would."""
    for path in sorted((ws.root / "submitted").glob(f"*/{assignment}/*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        # The kernel's stderr is dropped: ipykernel warns at every start that it listens on TCP unencrypted.
        NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute(stderr=subprocess.DEVNULL)


BUSY = "s = 0\nfor i in range(25_000_000):\n    s += i * i"  # about 1 s of pure CPU, no memory traffic


def two_cpus():
    """How much faster this machine runs two CPU-bound processes at once than one after another, now:
    2.0 on two idle, real cores; less when the hypervisor shares them with other machines, which the
    grading ways then meet too."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", BUSY], check=True)
    alone = time.perf_counter() - start
    start = time.perf_counter()
    both = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(2)]
    for p in both:
        p.wait()
    return 2 * alone / (time.perf_counter() - start)


def forget_draws(*workspaces):
    """Make the next regrade a real one: a regrade of the same code by the same grading code replays the
    verdicts its first grading kept (autograder/trusted/draws.py), which is not what a round should time."""
    for ws in workspaces:
        engine = create_engine(ws.db_url)
        if inspect(engine).has_table("rnn_course_draws"):
            with engine.begin() as db:
                db.execute(text("DELETE FROM rnn_course_draws"))
        engine.dispose()


def run(ws, *args, python=sys.executable):
    env = dict(os.environ, RNN_COURSE_DB_URL=ws.db_url)
    env["PATH"] = os.pathsep.join([str(Path(python).parent), env.get("PATH", "")])
    proc = subprocess.run([python, "-m", *args], cwd=ws.root, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--assignment", default="rnn_forward")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--against", type=Path, help="another checkout whose grade to time in the same rounds")
    parser.add_argument("--asserts", action="store_true", help="also time the class graded with the course's test "
                                                               "cells replaced by instructors' assert cells")
    parser.add_argument("--only-batch", action="store_true", help="time only the grade ways (with --against: "
                                                                   "a quick before-and-after)")
    args = parser.parse_args(argv)
    a, n = args.assignment, args.students

    with tempfile.TemporaryDirectory() as tmp:
        ws = make_class(Path(tmp) / "course", a, n)
        batch = ["autograder.commands.grade", a, "--course", str(ws.root), "--force", "--no-report"]
        ways = {
            "floor (nbclient, no grading)": lambda: floor(ws, a),
            "nbgrader autograde (sequential)": lambda: run(ws, "nbgrader", "autograde", a, "--force"),
            "nbgrader autograde + feedback": lambda: (run(ws, "nbgrader", "autograde", a, "--force"),
                                                      run(ws, "nbgrader", "generate_feedback", a, "--force")),
            "grade --workers 1": lambda: run(ws, *batch, "--workers", "1"),
            "grade --workers 2": lambda: run(ws, *batch, "--workers", "2"),
        }
        if args.against:
            # the same class and gradebook, with the other checkout's nbgrader configuration (its pipeline)
            theirs = Workspace(Path(tmp) / "against")
            shutil.copytree(ws.root, theirs.root)
            shutil.copy(args.against / "nbgrader_config.py", theirs.root)
            other = str(args.against.resolve() / ".venv" / "bin" / "python")
            command = "autograder.commands.grade" if (args.against / "autograder" / "commands").is_dir() \
                else "autograder.batch"  # a checkout from before the code's layers
            against = [command, a, "--course", str(theirs.root), "--force", "--no-report"]
            ways["grade --workers 1 (--against)"] = lambda: run(theirs, *against, "--workers", "1", python=other)
            ways["grade --workers 2 (--against)"] = lambda: run(theirs, *against, "--workers", "2", python=other)
        if args.asserts:
            plain = make_class(Path(tmp) / "asserts", a, n, asserts=True)
            on_asserts = ["autograder.commands.grade", a, "--course", str(plain.root), "--force", "--no-report"]
            ways["grade --workers 1 (assert cells)"] = lambda: run(plain, *on_asserts, "--workers", "1")
            ways["grade --workers 2 (assert cells)"] = lambda: run(plain, *on_asserts, "--workers", "2")
        if args.only_batch:
            ways = {name: fn for name, fn in ways.items() if name.startswith("grade")}
        print(f"{n} submissions of {a}; load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"  {'':<34}{'wall':>6}  {'CPU':>6}  {'steal':>6}  (seconds per submission; CPU: the whole machine's; "
              "steal: CPU time the hypervisor gave to others, which slows wall time)")
        rounds, ratios, machine = {name: [] for name in ways}, [], []
        for r in range(args.rounds):
            print(f"round {r + 1}:")
            for name, fn in ways.items():
                forget_draws(ws, *([theirs] if args.against else []), *([plain] if args.asserts else []))
                wall, cpu, steal = timed(fn)
                rounds[name].append((wall / n, cpu / n))
                print(f"  {name:<34}{wall / n:6.2f}  {cpu / n:6.2f}  {steal / n:6.2f}", flush=True)
            machine.append(two_cpus())
            if not args.only_batch:
                ratios.append(rounds["nbgrader autograde (sequential)"][-1][0] / rounds["grade --workers 2"][-1][0])
                print(f"  2 workers vs sequential nbgrader in this round: {ratios[-1]:.2f}x; two busy processes at "
                      f"once vs one after another, right after: {machine[-1]:.2f}x")
        best = {name: min(times) for name, times in rounds.items()}
        print(f"fastest of {args.rounds} rounds:")
        for name, (wall, cpu) in best.items():
            print(f"  {name:<34}{wall:6.2f}  {cpu:6.2f}")
        if args.only_batch:
            return
        (fl, _), (nbg, nbg_cpu), (nbg_fb, _), (w1, _), (w2, w2_cpu) = list(best.values())[:5]
        print(f"2 workers vs sequential nbgrader: {nbg / w2:.2f}x faster (goal >= 1.8x); "
              f"round by round {', '.join(f'{r:.2f}x' for r in sorted(ratios))} (median {median(ratios):.2f}x); "
              f"vs nbgrader with its feedback: {nbg_fb / w2:.2f}x")
        print(f"  ceiling on 2 CPUs, from the CPU each way used: 2 x {nbg_cpu:.2f} / {w2_cpu:.2f} = "
              f"{2 * nbg_cpu / w2_cpu:.2f}x")
        print(f"  what this machine gave two busy processes, round by round: "
              f"{', '.join(f'{m:.2f}x' for m in sorted(machine))} (median {median(machine):.2f}x; "
              "2.00x on two free cores)")
        print(f"1 worker vs the floor:            {w1 / fl:.2f}x the floor's time (goal <= 1.3x)")
        print(f"load average after: {os.getloadavg()[0]:.1f} (other processes share these CPUs)")


if __name__ == "__main__":
    main()
