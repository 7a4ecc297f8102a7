"""`nbgrader collect` through nbgrader's own exchange records a submission no earlier than its files changed
(autograder/steps/collect.py). Attack round 8: a student renamed their own inbound folder and rewrote its
timestamp.txt an hour after the deadline; with a late penalty of "zero" the honest twin scored 0 and the
forger 8/12."""
import datetime
import os
import subprocess
import sys

import nbformat
import pytest
from nbgrader.utils import parse_utc

from autograder.commands.samples import sample_submissions
from autograder.commands.workspace import Workspace
from autograder.steps.collect import GRACE, submission_time

ASSIGNMENT = "rnn_forward"


@pytest.mark.slow
def test_a_rewritten_submission_time_gives_way_to_when_its_files_changed(tmp_path):
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    ws = Workspace.create(tmp_path / "course", [ASSIGNMENT])
    with open(ws.root / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
    ws.generate(ASSIGNMENT)
    due = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
    ws.nbgrader("db", "assignment", "add", ASSIGNMENT, f"--duedate={due:%Y-%m-%d %H:%M:%S} UTC")
    ws.nbgrader("release_assignment", ASSIGNMENT, "--force")
    notebook = sample_submissions(ws, ASSIGNMENT, ["alice"])["alice"][ASSIGNMENT]
    for student in ("honest", "forger"):  # both an hour late, through nbgrader's own submit
        home = tmp_path / student
        (home / ASSIGNMENT).mkdir(parents=True)
        nbformat.write(notebook, str(home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"))
        subprocess.run([sys.executable, "-m", "nbgrader", "submit", ASSIGNMENT, "--course=rnn-from-scratch",
                        f"--student={student}", f"--Exchange.root={exchange}"], cwd=home, check=True,
                       capture_output=True, env=dict(os.environ, HOME=str(home)))
    inbound = exchange / "rnn-from-scratch" / "inbound"
    mine = next(d for d in inbound.iterdir() if d.name.startswith("forger+"))
    early = (due - datetime.timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    parts = mine.name.split("+")
    forged = mine.rename(inbound / "+".join([parts[0], parts[1], early, *parts[3:]]))
    (forged / "timestamp.txt").write_text(early)

    ws.nbgrader("collect", ASSIGNMENT, f"--Exchange.root={exchange}")

    recorded = {s: parse_utc((ws.root / "submitted" / s / ASSIGNMENT / "timestamp.txt").read_text())
                for s in ("honest", "forger")}
    claimed = parse_utc(next((d / "timestamp.txt").read_text() for d in inbound.iterdir()
                             if d.name.startswith("honest+")))
    assert recorded["honest"] == claimed  # nbgrader's own time, as the student's submit wrote it
    assert recorded["forger"] > due.replace(tzinfo=None), recorded  # late, as the files show


def test_an_honest_copy_that_ends_within_the_grace_keeps_the_time_it_claims(tmp_path):
    (tmp_path / "a.ipynb").write_text("{}")
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    assert submission_time(tmp_path, now - GRACE / 2) == now - GRACE / 2
    assert submission_time(tmp_path, now - 2 * GRACE) >= now - datetime.timedelta(seconds=1)
    assert submission_time(tmp_path, None) >= now - datetime.timedelta(seconds=1)
