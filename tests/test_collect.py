"""`nbgrader collect` through nbgrader's own exchange records a submission no earlier than its files changed
(autograder/steps/collect.py). Attack round 8: a student renamed their own inbound folder and rewrote its
timestamp.txt an hour after the deadline; with a late penalty of "zero" the honest twin scored 0 and the
forger 8/12."""
import datetime
import os
import subprocess
import sys
import time

import nbformat
import pytest
from nbgrader.utils import parse_utc

from autograder.commands.samples import sample_submissions
from autograder.commands.workspace import Workspace
from autograder.steps.collect import GRACE, Copy, Uncollectable, recorded_time

ASSIGNMENT = "rnn_forward"


def exchange_course(tmp_path, due=None):
    """A course directory with rnn_forward released through an nbgrader exchange in tmp_path (due: its due
    date), and the exchange's root."""
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    ws = Workspace.create(tmp_path / "course", [ASSIGNMENT])
    with open(ws.root / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
    ws.generate(ASSIGNMENT)
    if due is not None:
        ws.nbgrader("db", "assignment", "add", ASSIGNMENT, f"--duedate={due:%Y-%m-%d %H:%M:%S} UTC")
    ws.nbgrader("release_assignment", ASSIGNMENT, "--force")
    return ws, exchange


def submit(tmp_path, exchange, notebook, students):
    """Each of `students` hands `notebook` in with nbgrader's own submit."""
    for student in students:
        home = tmp_path / student
        (home / ASSIGNMENT).mkdir(parents=True)
        nbformat.write(notebook, str(home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"))
        subprocess.run([sys.executable, "-m", "nbgrader", "submit", ASSIGNMENT, "--course=rnn-from-scratch",
                        f"--student={student}", f"--Exchange.root={exchange}"], cwd=home, check=True,
                       capture_output=True, env=dict(os.environ, HOME=str(home)))


@pytest.mark.slow
def test_a_rewritten_submission_time_gives_way_to_when_its_files_changed(tmp_path):
    due = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
    ws, exchange = exchange_course(tmp_path, due)
    notebook = sample_submissions(ws, ASSIGNMENT, ["alice"])["alice"][ASSIGNMENT]
    submit(tmp_path, exchange, notebook, ("honest", "forger"))  # both an hour late
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


def test_an_honest_copy_that_ends_within_the_grace_keeps_the_time_it_claims():
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    assert recorded_time(now - GRACE / 2, now) == now - GRACE / 2
    assert recorded_time(now - 2 * GRACE, now) == now
    assert recorded_time(None, now) == now


def test_a_file_swapped_for_a_link_while_the_entry_is_copied_is_refused_not_followed(tmp_path):
    # Attack round 10: collect checked the entry, then copied it by name; the student, watching her entry with
    # inotify, swapped her notebook for a link to the instructor's source notebook as the copy began (8/12
    # against her twin's 0/12, the solutions on her feedback page; a link to a device hung the class's collect)
    entry, secret = tmp_path / "entry", tmp_path / "solution.ipynb"
    entry.mkdir()
    secret.write_text("the instructor's solution")
    (entry / "a.npy").write_bytes(b"data")
    (entry / "rnn_forward.ipynb").write_text("{}")

    class Swapping(Copy):
        def file(self, folder_fd, name, dest):
            if name == "a.npy":  # the first file opened: she swaps the notebook now
                os.rename(entry / "rnn_forward.ipynb", entry / "old")
                (entry / "rnn_forward.ipynb").symlink_to(secret)
            return super().file(folder_fd, name, dest)

    fd = os.open(entry, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with pytest.raises(Uncollectable, match="rnn_forward.ipynb cannot be opened as a file"):
            Swapping([], [], 100_000).tree(fd, str(tmp_path / "copied"))
    finally:
        os.close(fd)
    copied = [p.read_text() for p in (tmp_path / "copied").rglob("*") if p.is_file()]
    assert "the instructor's solution" not in copied


def test_a_long_timestamp_is_no_claim_and_costs_collect_no_time(tmp_path):
    # Attack round 11: collect parsed the copied timestamp.txt whole, and dateutil's time grows with the square
    # of its length: 1,000,000 digits held the class's collect 28 s (an entry may hold 120 MB)
    from nbgrader.coursedir import CourseDirectory

    from autograder.steps.collect import CollectAtFileTimes
    entry = tmp_path / "inbound" / "mallory+rnn_forward+2026-12-07 10:00:00.000000 UTC+x"
    entry.mkdir(parents=True)
    (entry / "rnn_forward.ipynb").write_text("{}")
    (entry / "timestamp.txt").write_text("1" * 300_000)
    (tmp_path / "submitted" / "mallory").mkdir(parents=True)  # nbgrader makes the student's folder first
    collect = CollectAtFileTimes(coursedir=CourseDirectory(), authenticator=None)
    started = time.process_time()
    collect.do_copy(str(entry), str(tmp_path / "submitted" / "mallory" / "rnn_forward"))
    assert time.process_time() - started < 1
    recorded = parse_utc((tmp_path / "submitted" / "mallory" / "rnn_forward" / "timestamp.txt").read_text())
    assert abs(recorded - datetime.datetime.fromtimestamp(entry.stat().st_ctime, datetime.timezone.utc)
               .replace(tzinfo=None)) < datetime.timedelta(seconds=1)  # the files' time


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="an entry owned by another user needs root to make")
@pytest.mark.root
def test_collect_takes_no_link_no_mode_bits_and_no_entry_in_another_students_name(tmp_path):
    # Attack round 9: nbgrader's collect followed links in a student's own inbound entry (the instructor's source
    # notebook graded as hers: 8/12 against her twin's 0/12; two links to "." copied 733 MB in 60 s and stopped
    # the class's collection; a late notebook behind a link kept its on-time stamp), kept a setuid bit on a file
    # it made root's, and took the student from the entry's name (an entry mallory named after victim replaced
    # victim's submission)
    ws, exchange = exchange_course(tmp_path)
    notebook = sample_submissions(ws, ASSIGNMENT, ["carol"])["carol"][ASSIGNMENT]  # as released
    submit(tmp_path, exchange, notebook, ("victim", "linker", "looper", "setuid"))
    inbound = exchange / "rnn-from-scratch" / "inbound"
    entry = {d.name.split("+")[0]: d for d in inbound.iterdir()}
    (entry["linker"] / f"{ASSIGNMENT}.ipynb").unlink()
    (entry["linker"] / f"{ASSIGNMENT}.ipynb").symlink_to(ws.root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    (entry["looper"] / "a").symlink_to(".")
    (entry["looper"] / "b").symlink_to(".")
    helper = entry["setuid"] / "plot_helper.py"
    helper.write_text("print('helper')")
    helper.chmod(0o4755)
    entry["setuid"].chmod(0o777)
    later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=5)
    forged = inbound / f"victim+{ASSIGNMENT}+{later:%Y-%m-%d %H:%M:%S.%f} UTC+mallorywashere"
    forged.mkdir()
    (forged / f"{ASSIGNMENT}.ipynb").write_text("{}")
    os.chown(forged, 2002, 2002)  # a classmate's uid
    (inbound / f"mallory+{ASSIGNMENT}+not a time").mkdir()  # round 10: nbgrader's parse of it stopped everyone

    collected = ws.nbgrader("collect", ASSIGNMENT, f"--Exchange.root={exchange}")

    submitted = ws.root / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == ["setuid", "victim"], collected.stderr
    assert f"{forged.name} is not collected: it claims to be victim's, but uid 2002 made it" in collected.stderr
    assert "cannot be opened as a" in collected.stderr  # linker's and looper's links, refused where they are
    assert f"mallory+{ASSIGNMENT}+not a time is not collected: its name or folder cannot be read" in collected.stderr
    assert (submitted / "victim" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text() != "{}"  # her own
    copied = submitted / "setuid" / ASSIGNMENT
    assert oct(copied.stat().st_mode & 0o7777) == "0o755"
    assert oct((copied / "plot_helper.py").stat().st_mode & 0o7777) == "0o644"
