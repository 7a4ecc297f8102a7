"""Grading a class on Slurm, for real: a one-node cluster (Debian's munged, slurmctld and slurmd on loopback,
tests/services.py) runs slurm/submit.sh's job array over a class of 30 with broken and hostile students into
one PostgreSQL gradebook; one array task is cancelled mid-slice and resubmitted, and resumes without grading
again anyone its first run graded; the report job after the array writes the whole class's report."""
import csv
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from autograder.batch.plan import in_slice
from autograder.commands.samples import STUDENTS, sample_submissions
from autograder.commands.workspace import Workspace
from autograder.core.paths import COURSE_ROOT
from services import SlurmCluster

ASSIGNMENT = "rnn_forward"
SLICES = 3


@pytest.fixture(scope="module")
def slurm():
    cluster = SlurmCluster()
    try:
        yield cluster.start()
    finally:
        cluster.stop()


def submit(cluster, ws, *options):
    """slurm/submit.sh as an instructor runs it; (array job id, report job id)."""
    env = dict(cluster.env, RNN_COURSE_DB_URL=ws.db_url)
    proc = subprocess.run([str(COURSE_ROOT / "slurm" / "submit.sh"), "-s", "--cpus-per-task=1", "-g", "--timeout 5",
                           *options, ASSIGNMENT, str(ws.root), str(SLICES)], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    array, report = re.search(r"grading: job (\d+).*\nreport:  job (\d+)", proc.stdout).groups()
    return array, report


def wait_for(condition, what, seconds=300):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not after {seconds} s"
        time.sleep(0.2)


@pytest.mark.slow
@pytest.mark.postgres
def test_a_job_array_grades_each_student_once_and_a_cancelled_task_resumes(slurm, postgres_url, tmp_path):
    started = time.monotonic()
    ws = Workspace.create(tmp_path / "course dir", [ASSIGNMENT], postgres_url)
    ws.generate(ASSIGNMENT)
    samples = sample_submissions(ws, ASSIGNMENT, list(STUDENTS))  # correct, wrong, broken and hostile: 10
    students = []
    for copy in (1, 2, 3):
        for sample, notebooks in samples.items():
            students.append(sample if copy == 1 else f"{sample} {copy}")
            ws.submit(students[-1], ASSIGNMENT, notebooks)
    slices = {part: [s for s in students if in_slice(s, part, SLICES)] for part in range(1, SLICES + 1)}
    outcomes = ws.root / "reports" / ASSIGNMENT / "outcomes"

    def graded(part):
        return {s: (outcomes / f"{s}.json").read_bytes() for s in slices[part] if (outcomes / f"{s}.json").exists()}

    array, first_report = submit(slurm, ws)
    # task 2 is cancelled (scancel) once it has graded some of its slice, not all
    wait_for(lambda: len(graded(2)) >= 2, "task 2 grading")
    slurm.run("scancel", f"{array}_2")
    wait_for(lambda: slurm.job_states().get(f"{array}_2") == "CANCELLED", "task 2 cancelled", 60)
    time.sleep(2)  # what it was writing when it stopped
    before = graded(2)
    assert 0 < len(before) < len(slices[2]), (len(before), len(slices[2]))

    resubmitted, report = submit(slurm, ws, "-t", "2")
    slurm.wait_until_idle(900)
    states = slurm.job_states()
    assert [states[f"{array}_{task}"] for task in (1, 2, 3)] == ["COMPLETED", "CANCELLED", "COMPLETED"], states
    assert states[f"{resubmitted}_2"] == "COMPLETED" and states[report] == "COMPLETED", states

    logs = ws.root / "reports" / ASSIGNMENT / "slurm"
    out = {p.name: p.read_text() for p in logs.iterdir()}
    resumed = out[f"grade-{resubmitted}_2.out"]
    # one worker: the one CPU Slurm bound the task to
    assert (f"{len(slices[2])} students, {len(slices[2]) - len(before)} to grade, {len(before)} already graded "
            "(--force regrades them), 1 worker") in resumed, resumed
    assert all("1 worker" in out[f"grade-{array}_{task}.out"] for task in (1, 3)), out
    cancelled = out[f"grade-{array}_2.out"]  # scancel's SIGTERM stopped it as Ctrl-C does
    assert "grade: stopped (SIGTERM). Students graded so far are kept" in cancelled, cancelled
    assert all(graded(2)[s] == text for s, text in before.items())  # not graded again
    # the report job of the first array ran when its tasks had ended: it wrote a report only if task 2's
    # resubmission had finished by then, and otherwise named the slice left and how to grade it
    first = out[f"report-{first_report}.out"]
    assert states[first_report] == "COMPLETED" or (
        "slice 2/3" in first and "slurm/submit.sh -t 2" in first and "no report written" in first), first

    # each student graded once: one line in the workers' logs, two for the one task 2 was grading when cancelled
    text = "".join(p.read_text() for p in (ws.root / "reports" / ASSIGNMENT).glob("workers-*.log"))
    lines = re.findall(rf"worker \d+: {ASSIGNMENT} of (.+)$", text, re.MULTILINE)
    twice = sorted(s for s in set(lines) if lines.count(s) > 1)
    assert sorted(set(lines)) == sorted(students) and len(twice) <= 1 and set(twice) <= set(slices[2]) - set(before), \
        twice
    assert sorted(p.stem for p in outcomes.glob("*.json")) == sorted(students)

    with open(ws.root / "reports" / ASSIGNMENT / "cell-scores.csv", encoding="utf-8") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert sorted(rows) == sorted(students) and all(r["status"] != "missing" for r in rows.values()), rows
    with open(ws.root / "grades.csv", encoding="utf-8") as f:
        assert sorted(row["student_id"] for row in csv.DictReader(f)) == sorted(students)
    page = (ws.root / "reports" / ASSIGNMENT / "report.html").read_text()
    assert all(f"../../feedback/{s}/{ASSIGNMENT}/{ASSIGNMENT}.html".replace(" ", "%20") in page
               or f"../../feedback/{s}/{ASSIGNMENT}/{ASSIGNMENT}.html" in page for s in students)
    scores = ws.scores(ASSIGNMENT)
    assert all(scores[f"alice {copy}"] == scores["alice"] and all(s == m for s, m in scores["alice"].values())
               for copy in (2, 3)), scores
    assert all(sum(s or 0 for s, _ in scores[judy].values()) == 0 for judy in ("judy", "judy 2", "judy 3"))
    # nothing of the jobs is left running: no process works in the course directory
    import psutil
    left = [p.info for p in psutil.process_iter(["pid", "cmdline"])
            if any(str(ws.root) in part for part in (p.info["cmdline"] or []))]
    assert not left, left
    print(f"Slurm test: {time.monotonic() - started:.0f} s for {len(students)} students in {SLICES} slices")


def test_a_task_outside_an_array_or_without_postgresql_says_how_to_submit(tmp_path):
    script = COURSE_ROOT / "slurm" / "grade-slice.sbatch"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "RNN_"))}
    proc = subprocess.run([str(script), ASSIGNMENT, str(tmp_path), "3"], env=env, capture_output=True, text=True)
    assert proc.returncode == 2 and "not a task of a job array: submit it with sbatch --array=1-3" in proc.stderr
    proc = subprocess.run([str(script), ASSIGNMENT, str(tmp_path), "3"], capture_output=True, text=True,
                          env=dict(env, SLURM_ARRAY_TASK_ID="2", RNN_REPO=str(COURSE_ROOT)))
    assert proc.returncode == 2 and "RNN_COURSE_DB_URL must be the course's PostgreSQL gradebook" in proc.stderr
    proc = subprocess.run([str(script), ASSIGNMENT, str(tmp_path), "3"], capture_output=True, text=True,
                          env=dict(env, SLURM_ARRAY_TASK_ID="4", RNN_REPO=str(COURSE_ROOT)))
    assert proc.returncode == 2 and "array task 4 is not one of the 3 slices" in proc.stderr
    proc = subprocess.run([str(COURSE_ROOT / "slurm" / "submit.sh"), ASSIGNMENT, str(tmp_path), "3"],
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 2 and "not an nbgrader course directory" in proc.stderr
    Path(tmp_path / "nbgrader_config.py").write_text("")
    proc = subprocess.run([str(COURSE_ROOT / "slurm" / "submit.sh"), ASSIGNMENT, str(tmp_path), "3"],
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 2 and "set RNN_COURSE_DB_URL to the course's PostgreSQL gradebook" in proc.stderr
