"""Sizing a cluster: CPU-seconds per student and assignment, and the students one core grades in an hour.

    ./run python benchmarks/bench_sizing.py [--small 10] [--large 30] [--assignment A ...] [--rounds 2]

For each assignment, a class of correct, partly wrong and untouched notebooks in turn (as bench_grading.py: no
hostile ones, whose cost is their time limit), graded by `./run grade --workers 1 --no-report` in a cgroup of
its own, which counts the CPU time of every process of the batch: the batch, its fork server, the workers, every
sandbox (per-sandbox groups are made inside it). Each class size is graded in a fresh course directory, twice
over: `--small` and `--large` students. What the larger class costs more, divided by the students it has more,
is what one student costs; the rest is the batch's fixed cost (imports, warm-up, the gradebook, grades.csv).
Each figure is the lowest of `--rounds` rounds (slower rounds measure what else the machine was doing).

Needs root and a writable cgroup hierarchy with CPU accounting (v1 cpuacct, or v2).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from autograder.commands.samples import sample_submissions
from autograder.commands.workspace import Workspace
from autograder.core.paths import COURSE_ROOT, assignments

KINDS = ["alice", "bob", "carol"]  # correct, partly wrong, untouched


def accounting_root():
    """(the directory to make a group in, the name of its file of CPU nanoseconds or microseconds, its unit)."""
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        point, kind = Path(left.split()[4]), right.split()
        if kind[0] == "cgroup" and "cpuacct" in kind[2].split(",") and os.access(point, os.W_OK):
            return point, "cpuacct.usage", 1e-9
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        point, kind = Path(left.split()[4]), right.split()
        if kind[0] == "cgroup2" and os.access(point, os.W_OK):
            return point, "cpu.stat", 1e-6
    sys.exit("bench_sizing: needs root and a writable cgroup hierarchy with CPU accounting")


def cpu_seconds(group, name, unit):
    text = (group / name).read_text()
    if name == "cpu.stat":
        text = next(line.split()[1] for line in text.splitlines() if line.startswith("usage_usec"))
    return int(text) * unit


def graded_class(tmp, assignment, students):
    ws = Workspace.create(Path(tempfile.mkdtemp(prefix="sizing-", dir=tmp)) / "course", [assignment])
    ws.generate(assignment)
    samples = sample_submissions(ws, assignment, KINDS)
    for i in range(students):
        ws.submit(f"s{i:03d}", assignment, samples[KINDS[i % len(KINDS)]])
    return ws


def measure(ws, assignment):
    """(CPU seconds, wall seconds) of grading the class with one worker."""
    parent, name, unit = accounting_root()
    group = parent / f"rnn-sizing-{uuid.uuid4().hex[:8]}"
    group.mkdir()
    try:
        env = dict(os.environ, RNN_COURSE_DB_URL=ws.db_url,
                   PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
        started = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "autograder.commands.grade", assignment, "--course", str(ws.root),
                               "--workers", "1", "--no-report"], env=env, capture_output=True, text=True,
                              preexec_fn=lambda: (group / "cgroup.procs").write_text(str(os.getpid())))
        wall = time.monotonic() - started
        if proc.returncode != 0:
            sys.exit(f"bench_sizing: grading failed:\n{proc.stderr[-3000:]}")
        time.sleep(0.5)  # sandboxes killed at the end are gone
        return cpu_seconds(group, name, unit), wall
    finally:
        for _ in range(50):
            try:
                group.rmdir()
                break
            except OSError:
                time.sleep(0.1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--large", type=int, default=30)
    parser.add_argument("--assignment", action="append", help="default: every assignment")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-sizing-")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; {time.strftime('%Y-%m-%d %H:%M')}"
          f"; {COURSE_ROOT}")
    rows = []
    try:
        for assignment in args.assignment or assignments():
            best = {}
            for _ in range(args.rounds):
                for size in (args.small, args.large):
                    cpu, wall = measure(graded_class(tmp, assignment, size), assignment)
                    print(f"  {assignment}: {size} students, {cpu:.1f} CPU s, {wall:.1f} s wall", flush=True)
                    best[size] = min(best.get(size, (cpu, wall)), (cpu, wall))
            (cpu_s, wall_s), (cpu_l, wall_l) = best[args.small], best[args.large]
            per = (cpu_l - cpu_s) / (args.large - args.small)
            rows.append((assignment, per, cpu_s - per * args.small, (wall_l - wall_s) / (args.large - args.small)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print("\n| assignment | CPU s per student | students per core-hour | fixed CPU s per run | wall s per student, "
          "1 worker |\n|---|---|---|---|---|")
    for assignment, per, fixed, wall in rows:
        print(f"| `{assignment}` | {per:.2f} | {3600 / per:,.0f} | {fixed:.1f} | {wall:.2f} |")


if __name__ == "__main__":
    main()
