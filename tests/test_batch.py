"""Grading a class with `./run grade` (autograder.batch.grade): good, broken and hostile submissions graded by
2 workers at once, into a SQLite gradebook and into a real PostgreSQL server started here."""
import copy
import csv
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import nbformat
import pytest

from autograder.batch.autograded import inspect_autograded, output_text
from autograder.batch.grade import grade_table, summarize
from autograder.batch.handed_in import check_files
from autograder.batch.plan import in_slice, longest_first
from autograder.batch.progress import Progress
from autograder.batch.stand_in_pages import failure_feedback, releasable
from autograder.commands.demo import fresh_directory
from autograder.commands.samples import sample_submissions, with_extra
from autograder.commands.workspace import Workspace
from autograder.core import budget
from autograder.core.submitted import fingerprint
from autograder.report.write import pass_rates

ASSIGNMENT = "rnn_forward"
# student: a word the reason must contain (None: graded normally)
EXPECTED = {
    "alice": None,                 # correct
    "bob": None,                   # one function wrong
    "dave": "not valid JSON",
    "erin": "missing",             # the notebook was renamed
    "frank": "kernel died",        # os._exit: zero, or with a sandbox that restarts, zero for that cell
    "grace": "per-cell limit",     # a cell that never ends
    "heidi": "memory",             # allocates until the cap stops it (MemoryError, or out of memory with cgroups)
    "ivan": "of output",           # prints megabytes
}
NOT_GRADED = {"dave", "erin"}


def environment(ws):
    """Ours, with the workspace's gradebook and the environment's commands first (./run does the same)."""
    return dict(os.environ, RNN_COURSE_DB_URL=ws.db_url, PATH=environment_path())


def environment_path():
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def grade(ws, *args):
    proc = subprocess.run([sys.executable, "-m", "autograder.commands.grade", ASSIGNMENT, "--course", str(ws.root),
                           "--workers", "2", "--timeout", "10", *args], env=environment(ws), capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def workspace(request, tmp_path):
    db_url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    ws = Workspace.create(tmp_path / "course", [ASSIGNMENT], db_url)
    ws.generate(ASSIGNMENT)
    for student, notebooks in sample_submissions(ws, ASSIGNMENT, list(EXPECTED)).items():
        ws.submit(student, ASSIGNMENT, notebooks)
        folder = ws.root / "submitted" / student / ASSIGNMENT  # what `nbgrader collect` adds
        (folder / "timestamp.txt").write_text("2026-11-20 17:00:00.000000 UTC")
        (folder / "submission_secret.txt").write_text(f"secret-of-{student}")
    # nbgrader copies what else a student hands in into feedback/: the report must not link it
    (ws.root / "submitted" / "alice" / ASSIGNMENT / "index.html").write_text("<script>alert(1)</script>")
    return ws


@pytest.mark.slow
def test_every_student_gets_a_grade_and_a_reason(workspace):
    ws = workspace
    proc = grade(ws)
    scores = ws.scores(ASSIGNMENT)
    assert set(scores) == set(EXPECTED), proc.stderr
    table = {line.split()[0]: line for line in proc.stdout.splitlines()[1:] if line.split()}
    for student, word in EXPECTED.items():
        earned = sum(s or 0 for s, _ in scores[student].values())
        assert student in table, proc.stdout
        if word:
            assert word in table[student], table[student]
        if student in NOT_GRADED:
            assert earned == 0, (student, scores[student])
        assert (ws.root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").exists(), student
    # the good and the hostile-but-correct ones get full marks; the partly wrong one loses one test; a cell
    # that never ends costs at most the test of its function (a sandbox may discard what the cell defined)
    for student in ["alice", "heidi", "ivan"]:
        assert all(s == m for s, m in scores[student].values()), (student, scores[student], table[student])
    assert scores["grace"]["test_rnn_forward"][0] == scores["grace"]["test_rnn_forward"][1], table["grace"]
    assert sorted(s == m for s, m in scores["bob"].values()) == [False, True, True], scores["bob"]
    # bob's rnn_forward passes on the reference's cells; his page says why, next to the test
    stood_in = "the reference answered its calls of rnn_cell_forward in place of yours"
    pages = {s: (ws.root / "feedback" / s / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text() for s in ("alice", "bob")}
    assert stood_in in pages["bob"] and stood_in not in pages["alice"]
    with open(ws.root / "grades.csv") as f:
        assert {row["student_id"] for row in csv.DictReader(f)} == set(EXPECTED)
    report = ws.root / "reports" / ASSIGNMENT / "report.html"
    links = re.findall(r"href='([^']+\.html)'", report.read_text())  # every student's feedback page
    assert sorted(links) == sorted(f"../../feedback/{s}/{ASSIGNMENT}/{ASSIGNMENT}.html" for s in EXPECTED)
    assert all((report.parent / link).exists() for link in links)
    assert not (ws.root / "feedback" / "alice" / ASSIGNMENT / "index.html").exists()  # not a feedback page
    # the progress line (one per student in a log): a freed worker takes the next student at once
    progress = re.findall(r"(\d+)/(\d+) done, \d+ not graded, (\d+) grading", proc.stderr)
    assert [int(done) for done, _, _ in progress] == list(range(1, len(EXPECTED) + 1)), proc.stderr
    assert all(int(running) == min(2, int(total) - int(done)) for done, total, running in progress), proc.stderr
    # the workers' log says whose grading each warning belongs to, and not that the (unused) exchange is missing
    log = (ws.root / "reports" / ASSIGNMENT / f"workers-{socket.gethostname()}.log").read_text()
    assert sorted(re.findall(rf"worker \d+: {ASSIGNMENT} of (\w+)$", log, re.MULTILINE)) == sorted(EXPECTED), log
    assert "contact your instructor" not in log, log
    assert "SAWarning" not in log, log  # nbgrader's ORM warnings: nothing to do with any student

    # nbgrader hands every page out, the pages of notebooks it could not grade too
    exchange = ws.root.parent / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)  # nbgrader's exchange is shared with the students: writable by all
    released = subprocess.run([sys.executable, "-m", "nbgrader", "release_feedback", ASSIGNMENT,
                               f"--Exchange.root={exchange}"], cwd=ws.root, env=environment(ws),
                              capture_output=True, text=True)
    assert released.returncode == 0, released.stdout + released.stderr
    assert len(list(exchange.glob("*/feedback/*.html"))) == len(EXPECTED), released.stderr

    # resuming: nothing is graded twice; a forced regrade of one student leaves the others alone
    again = grade(ws, "--no-report")
    assert "0 to grade" in again.stderr, again.stderr
    grade(ws, "--force", "--no-report", "frank")
    assert ws.scores(ASSIGNMENT) == scores


# --- the pieces, on small made-up notebooks (fast) -------------------------------------------------

def error(ename, evalue):
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"\x1b[0;31m{evalue}\x1b[0m"])


def test_inspect_autograded_names_what_went_wrong_and_finds_hints(tmp_path):
    cells = [nbformat.v4.new_code_cell("loop()", outputs=[error("CellTimeoutError", "no reply")]),
             nbformat.v4.new_code_cell("hog()", outputs=[error("MemoryError", "")]),
             nbformat.v4.new_code_cell("os._exit(1)", outputs=[error("DeadKernelError", "process ended")]),
             nbformat.v4.new_code_cell("spam()", outputs=[nbformat.v4.new_output("stream", name="stdout",
                                                                                  text="x" * 2_000_000)]),
             nbformat.v4.new_code_cell("test", outputs=[error("SelfCheckFailed", "softmax failed hidden check 1 "
                                                              "of 7:\n  - Hint: use axis=0.\n  - values differ")]),
             nbformat.v4.new_code_cell("test", outputs=[error("SelfCheckFailed", "rnn_forward failed hidden check"
                                                              " 2 of 7:\n  - a has shape (2, 3), expected (3, 2)")]),
             nbformat.v4.new_code_cell("raise", outputs=[error("ValueError", "y" * 2_000_000)])]
    for cell, gid in zip(cells, ["softmax", None, None, None, "test_softmax", "test_rnn_forward", None]):
        if gid:
            cell.metadata["nbgrader"] = {"grade_id": gid, "grade": gid.startswith("test_")}
    for cell, stop in zip(cells, ["timeout", "memory", "died"]):  # what the grader records (autograder.trusted.execute)
        cell.metadata["autograder"] = {"stopped": stop}
    cells.append(nbformat.v4.new_code_cell("forged", outputs=[error("CellTimeoutError", "")]))  # named by a student
    path = tmp_path / "nb.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), str(path))
    problems, diagnoses = inspect_autograded(path, {"timeout": 5, "memory_mb": 100})
    assert problems[0] == "cell softmax was stopped after the 5 s per-cell limit"
    assert "cell 2 ran out of memory" in problems[1] and "kernel died" in problems[2]  # no "cell 2 raised ..."
    assert "cell 4 printed at least 2.0 MB" in problems[3]
    assert diagnoses == {"test_softmax": "Hint: use axis=0.", "test_rnn_forward": "a has shape (2, 3), expected (3, 2)"}
    assert "cell 7 printed at least 4.0 MB" in problems[4] and len(problems) == 5
    shortened = nbformat.read(str(path), as_version=4).cells
    assert len(output_text(shortened[3].outputs[0])) < 20_000 and len(output_text(shortened[6].outputs[0])) < 30_000


def test_the_demo_replaces_only_a_directory_it_made(tmp_path):
    made = fresh_directory(tmp_path / "demo")
    (made / "gradebook.db").write_text("from the last demo")
    assert not any(p.name == "gradebook.db" for p in fresh_directory(made).iterdir())
    course = tmp_path / "my-course"
    (course / "submitted").mkdir(parents=True)
    with pytest.raises(SystemExit, match="nothing was deleted"):
        fresh_directory(course)
    assert (course / "submitted").is_dir()


def test_check_files_reports_missing_renamed_and_invalid_notebooks(tmp_path):
    (tmp_path / "a (1).ipynb").write_text("{}")
    (tmp_path / "b.ipynb").write_text('{"cells": [')
    (tmp_path / "c.ipynb").write_text('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, '
                                      '"cells": [{"cell_type": "code"}]}')  # JSON, but not a valid notebook
    nbformat.write(nbformat.v4.new_notebook(), str(tmp_path / "d.ipynb"))
    (tmp_path / "e.ipynb").mkdir()  # a folder where the notebook should be
    nbformat.write(nbformat.v4.new_notebook(), str(tmp_path / "e.ipynb" / "e.ipynb"))
    (tmp_path / "f.ipynb").write_bytes(b"")
    (tmp_path / "handed in" / "g").mkdir(parents=True)  # the notebook, one folder too deep
    nbformat.write(nbformat.v4.new_notebook(), str(tmp_path / "handed in" / "g" / "g.ipynb"))
    (tmp_path / "h.ipynb").write_text("{}")
    bad, good = check_files(tmp_path, ["a", "b", "c", "d", "e", "f", "g", "h"])
    assert "a.ipynb is missing (found a (1).ipynb" in bad["a"]
    assert bad["h"].startswith("h.ipynb is JSON, but not a notebook (it has no cells)")
    assert "not valid JSON" in bad["b"] and "not a valid notebook" in bad["c"]
    assert bad["e"].startswith("e.ipynb is a folder, not a notebook")
    assert bad["f"].startswith("f.ipynb is empty (0 bytes)")
    assert "g.ipynb is missing (found handed in/g/g.ipynb, inside a folder" in bad["g"]
    assert good == ["d"]


def test_a_timestamp_that_autograde_cannot_read_small_is_refused_before_it_reads_it(tmp_path):
    # autograde reads timestamp.txt whole from submitted/: a 2 GiB sparse one costs 2 GiB of memory
    nbformat.write(nbformat.v4.new_notebook(), str(tmp_path / "d.ipynb"))
    (tmp_path / "timestamp.txt").write_text("2026-11-20 17:00:00.000000 UTC")
    assert check_files(tmp_path, ["d"]) == ({}, ["d"])  # the honest twin
    for make in (lambda p: p.mkdir(), lambda p: open(p, "wb").truncate(2 << 30)):
        shutil.rmtree(tmp_path / "timestamp.txt") if (tmp_path / "timestamp.txt").is_dir() else \
            (tmp_path / "timestamp.txt").unlink()
        make(tmp_path / "timestamp.txt")
        bad, good = check_files(tmp_path, ["d"])
        assert bad["d"].startswith("its timestamp.txt, where nbgrader reads when it was handed in, is not a small "
                                   "text file: hand in again without a file of that name") and good == []


@pytest.mark.slow
def test_another_assignments_notebook_and_copied_cells_are_named(tmp_path):
    # nbgrader failed both with messages about corrupted or outdated metadata (jupyter/nbgrader#1083)
    ws = Workspace.create(tmp_path / "course", [ASSIGNMENT, "bptt"])
    for a in (ASSIGNMENT, "bptt"):
        ws.generate(a)
    alice = sample_submissions(ws, ASSIGNMENT, ["alice"])["alice"][ASSIGNMENT]
    copied = nbformat.from_dict(copy.deepcopy(alice))
    for grade_id in ("softmax", "test_softmax"):  # JupyterLab's copy and paste keeps the nbgrader metadata
        i = next(i for i, c in enumerate(copied.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
        copied.cells.insert(i + 1, nbformat.from_dict({**copy.deepcopy(copied.cells[i]), "id": f"copy-{i}"}))
    ws.submit("mallory", ASSIGNMENT, {ASSIGNMENT: copied})
    ws.submit("sam", ASSIGNMENT, {ASSIGNMENT: sample_submissions(ws, "bptt", ["alice"])["alice"]["bptt"]})
    proc = grade(ws, "--no-report")
    assert re.search(r"mallory\s+8/12\s+all tests passed \(rnn_forward.ipynb has softmax and test_softmax more "
                     r"than once \(a copied cell\?\): the last copy of each was graded\)", proc.stdout), proc.stdout
    assert re.search(r"sam\s+0/12\s+not graded, scored 0: rnn_forward.ipynb holds none of the assignment's test "
                     r"cells \(test_softmax, test_rnn_cell_forward, test_rnn_forward, \.\.\.\): is it another",
                     proc.stdout)
    ws.autograde(ASSIGNMENT, "--student", "mallory")  # plain nbgrader reads the same configuration
    assert sum(auto for auto, _ in ws.scores(ASSIGNMENT)["mallory"].values()) == 8


def test_links_odd_files_and_names_are_refused_before_nbgrader_copies_them(tmp_path):
    # nbgrader copies a submission's files following links: a link to the source notebook scored full
    # marks, one to the gradebook was copied into the feedback. The fingerprint (read before any check, by
    # the resume) must not fail or follow them either.
    folder = tmp_path / "submitted" / "mallory" / "a"
    folder.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), str(folder / "a.ipynb"))
    assert check_files(folder, ["a"]) == ({}, ["a"])
    odd = [("link", lambda: (folder / "loot.html").symlink_to("../../../gradebook.db")),
           ("not valid UTF-8", lambda: open(os.fsencode(folder) + b"/notes\xff.txt", "wb").close()),
           ("not a file or a folder", lambda: os.mkfifo(folder / "pipe")),
           ("link", lambda: (folder / "proc").symlink_to("/proc/self/pagemap"))]  # unreadable when followed
    for words, make in odd:
        for path in list(os.scandir(os.fsencode(folder))):
            if path.name != b"a.ipynb":
                os.unlink(path.path)
        make()
        assert fingerprint(folder) != fingerprint(tmp_path / "submitted")
        bad, good = check_files(folder, ["a"])
        assert good == [] and words in bad["a"], bad


def test_a_page_for_what_could_not_be_graded_takes_the_collections_files_but_no_link(tmp_path):
    submitted = tmp_path / "submitted" / "zed" / ASSIGNMENT
    submitted.mkdir(parents=True)
    (submitted / "timestamp.txt").write_text("2026-11-20 17:00:00.000000 UTC")
    (tmp_path / "secret").write_text("the grader's")
    (submitted / "submission_secret.txt").symlink_to(tmp_path / "secret")
    failure_feedback(tmp_path, ASSIGNMENT, "zed", [ASSIGNMENT], "invalid JSON", {"test_softmax": (0, 1)})
    folder = tmp_path / "feedback" / "zed" / ASSIGNMENT
    assert sorted(p.name for p in folder.iterdir()) == [f"{ASSIGNMENT}.html", "timestamp.txt"]
    assert (folder / "timestamp.txt").read_text() == "2026-11-20 17:00:00.000000 UTC"


def test_every_feedback_folder_can_be_released_whatever_was_handed_in_as_its_secret(tmp_path):
    # nbgrader release_feedback reads both files next to every page and stopped at the first folder where it
    # could not: one student's folder named submission_secret.txt kept everyone after them from their feedback
    good = "2026-11-20 17:00:00.000000 UTC"
    odd = {"a folder": lambda p: (p.mkdir(), (p / "x").write_text("x")), "empty": lambda p: p.write_bytes(b""),
           "huge": lambda p: p.write_bytes(b"0" * 100_000), "not UTF-8": lambda p: p.write_bytes(b"\xff\xfe"),
           "a link": lambda p: p.symlink_to("/etc/passwd"), "a pipe": lambda p: os.mkfifo(p)}
    for kind, make in odd.items():
        folder = tmp_path / kind
        folder.mkdir()
        (folder / "timestamp.txt").write_text(good)
        make(folder / "submission_secret.txt")
        assert releasable(folder, tmp_path / "submitted") == [
            "its submission_secret.txt is not a small text file, so nbgrader release_feedback cannot deliver its "
            "feedback (a stand-in lets it go on to the other students)"], kind
        secret = folder / "submission_secret.txt"
        assert not secret.is_symlink() and len(secret.read_text()) == 128, kind
        assert (folder / "timestamp.txt").read_text() == good
    copied_in_by_hand = tmp_path / "by hand"
    copied_in_by_hand.mkdir()
    # nothing to say: no exchange delivers what was copied in by hand
    assert releasable(copied_in_by_hand, tmp_path / "submitted") == []
    assert sorted(p.name for p in copied_in_by_hand.iterdir()) == ["submission_secret.txt", "timestamp.txt"]


@pytest.mark.slow
def test_a_killed_worker_takes_its_sandbox_along_and_odd_collected_files_stop_nothing(tmp_path):
    # A worker's first sandbox is started ahead by the fork server, so it was not among the worker's children:
    # killed at the student limit, the worker left it running until the batch ended. Its student's folder
    # held a folder named submission_secret.txt, which crashed the batch where it writes that student's page.
    ws = Workspace.create(tmp_path / "course", [ASSIGNMENT])
    ws.generate(ASSIGNMENT)
    released = nbformat.read(str(ws.root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)
    marker = "4242.4545"
    hanging = with_extra(released, {}, f"import subprocess\nsubprocess.Popen(['sleep', '{marker}'])\nwhile True:\n"
                                       "    pass")
    folder = ws.submit("adam", ASSIGNMENT, {ASSIGNMENT: hanging})  # graded first, in the sandbox started ahead
    (folder / "submission_secret.txt").mkdir()
    ws.submit("alice", ASSIGNMENT, sample_submissions(ws, ASSIGNMENT, ["alice"])["alice"])
    proc = subprocess.Popen([sys.executable, "-m", "autograder.commands.grade", ASSIGNMENT, "--course", str(ws.root),
                             "--workers", "1", "--timeout", "100", "--student-timeout", "8", "--no-report"],
                            env=environment(ws), text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    left_running = None
    for line in proc.stderr:
        if "adam:" in line:  # written once adam's worker is killed, while alice is graded
            left_running = [p.name for p in Path("/proc").iterdir() if p.name.isdigit() and marker in _cmdline(p)]
            break
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, out + err
    assert left_running == [], "adam's sandbox outlived its worker"
    assert re.search(r"alice\s+8/12\s+all tests passed", out), out
    assert re.search(r"adam\s+0/12\s+not graded, scored 0: grading took longer than the 8 s.*its "
                     r"submission_secret.txt is not a small text file", out), out
    assert (ws.root / "feedback" / "adam" / ASSIGNMENT / "submission_secret.txt").is_file()


def _cmdline(proc_dir):
    try:
        return (proc_dir / "cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def test_names_from_students_cannot_draw_on_the_instructors_terminal(tmp_path):
    # A notebook handed in under a name holding "\x1b[1A" (cursor up) and "\r" redrew earlier rows of the grade
    # table from the "renamed?" reason, which quotes it: "bob 0/8 ...", "mallory 8/8 all tests passed".
    forged = "\r\x1b[2K\x1b[1Abob  0\u22158  failed\u202e.ipynb"
    outcomes = {"mallory\x9b": {"score": 0, "max_score": 8, "reason": f"rnn_forward.ipynb is missing (found {forged})"}}
    table = grade_table(outcomes)
    assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in table.replace("\n", "")), repr(table)
    assert "mallory\\x9b" in table and "(found \\r\\x1b[2K\\x1b[1Abob  0\u22158  failed\\u202e.ipynb)" in table
    stream = io.StringIO()
    Progress(1, stream).update(f"mallory: 0/8, {forged}")
    assert "\x1b" not in stream.getvalue() and "\\x1b[1A" in stream.getvalue()


def test_different_submissions_have_different_fingerprints(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    (one / "a.txt").write_bytes(b"Q")
    (one / "n.ipynb").write_bytes(b"NB")
    (two / "a.txt").write_bytes(b"Q\0n.ipynb\0NB")  # the old fingerprint's bytes of `one`
    assert fingerprint(one) != fingerprint(two)


def test_a_fingerprint_reads_no_sparse_file_yet_sees_a_new_copy_of_it(tmp_path):
    # a 2 GiB sparse file was read whole on every run (3 s per GiB)
    nbformat.write(nbformat.v4.new_notebook(), str(tmp_path / "n.ipynb"))
    with open(tmp_path / "hole.bin", "wb") as f:
        f.truncate(2 << 30)
    started = time.process_time()
    first = fingerprint(tmp_path)
    assert time.process_time() - started < 0.5
    os.utime(tmp_path / "hole.bin", ns=(10**18, 10**18))  # handed in again
    second = fingerprint(tmp_path)
    assert second != first
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("x")]), str(tmp_path / "n.ipynb"))
    assert fingerprint(tmp_path) != second  # the honest twin: a notebook is read whole


def test_students_are_graded_longest_first_so_the_batch_ends_on_short_ones():
    outcomes = {"ann": {"seconds": 1.9}, "ben": {"seconds": 3.1}, "cid": {"seconds": 1.9},
                "dan": {"failed": True, "problems": ["the grading process died"]}}  # lost: no time known
    assert longest_first(["ann", "ben", "cid", "dan", "eve"], outcomes) == ["dan", "eve", "ben", "ann", "cid"]


def test_the_reason_says_whether_a_failure_scored_zero_or_is_graded_again():
    layout = {ASSIGNMENT: [("test_a", 2), ("test_b", 3)]}
    def reason(**outcome):
        return summarize({"scores": {}, "problems": [], "failed": False, **outcome}, layout)[2]
    assert reason(scores={"test_a": (2, 2), "test_b": (3, 3)}) == "all tests passed"
    assert reason(scores={"test_a": (0, 2), "test_b": (3, 3)}, problems=["cell 3 printed 2.0 MB"]) \
        == "failed test_a (cell 3 printed 2.0 MB)"
    assert reason(failed=True, problems=["x.ipynb is missing"]) == "not graded, scored 0: x.ipynb is missing"
    assert reason(failed=True, retry=True, problems=["the grader itself failed: OSError: disk full"]) \
        == "not graded yet, graded again next run: the grader itself failed: OSError: disk full"


def test_report_ranks_tests_by_failures_with_the_most_frequent_hint():
    layout = {"nb": [("test_a", 2), ("test_b", 3)]}

    def outcome(a, b, hint=None, failed=False):
        return {"failed": failed, "scores": {"test_a": [a, 2], "test_b": [b, 3]}, "problems": [],
                "diagnoses": {"test_b": hint} if hint else {}}
    outcomes = {"s1": outcome(2, 0, "Hint: add ba."), "s2": outcome(2, 0, "Hint: add ba."),
                "s3": outcome(0, 0, "values differ"), "s4": outcome(2, 3), "s5": outcome(0, 0, failed=True)}
    stats = pass_rates(outcomes, layout)
    assert stats[0] == ("test_b", 3, 1, 5, "Hint: add ba.", "2 of 3")
    assert stats[1][:4] == ("test_a", 2, 3, 5)


@pytest.mark.slow
def test_a_worker_past_the_student_time_limit_is_replaced_and_its_student_scores_zero(tmp_path):
    ws = Workspace.create(tmp_path / "course", [ASSIGNMENT])
    ws.generate(ASSIGNMENT)
    hanging = sample_submissions(ws, ASSIGNMENT, ["grace"])["grace"]  # a cell that never ends
    for student in ("grace", "grace2"):  # past the limit however fast the machine is
        ws.submit(student, ASSIGNMENT, hanging)
    proc = grade(ws, "--workers", "1", "--timeout", "60", "--student-timeout", "2", "--no-report")
    for student, grades in ws.scores(ASSIGNMENT).items():
        assert all(s == 0 for s, _ in grades.values()), (student, grades)
        page = (ws.root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
        assert "longer than the 2 s allowed for one student" in page, page
    assert proc.stdout.count("longer than the 2 s allowed") == 2, proc.stdout
    again = grade(ws, "--workers", "1", "--timeout", "60", "--student-timeout", "2", "--no-report")
    assert "0 to grade" in again.stderr, again.stderr  # stopped once, not on every run while nothing changed
    higher = grade(ws, "--workers", "1", "--timeout", "60", "--student-timeout", "3", "--no-report")
    assert "2 to grade" in higher.stderr, higher.stderr  # a higher limit may let them finish: graded again


@pytest.mark.slow
def test_a_grade_whose_feedback_cannot_be_written_stands_and_the_page_is_written_next_run(tmp_path):
    ws = Workspace.create(tmp_path / "course", [ASSIGNMENT])
    ws.generate(ASSIGNMENT)
    for student, notebooks in sample_submissions(ws, ASSIGNMENT, ["alice", "dave"]).items():  # graded, invalid
        ws.submit(student, ASSIGNMENT, notebooks)
        (ws.root / "feedback" / student).mkdir(parents=True)
        (ws.root / "feedback" / student / ASSIGNMENT).write_text("a file where the feedback folder goes")
    proc = grade(ws, "--workers", "1", "--no-report")
    table = {line.split()[0]: line for line in proc.stdout.splitlines()[1:] if line.split()}
    assert table["alice"].split()[1] == "8/12", table["alice"]
    for student in ("alice", "dave"):  # one line naming the error, not a piece of a traceback
        assert re.search(r"its feedback could not be written \(\w+Error: [^\n]*\)", table[student]), table[student]
    assert "Traceback" not in proc.stdout and "NbGraderException" not in proc.stdout
    for student in ("alice", "dave"):
        (ws.root / "feedback" / student / ASSIGNMENT).unlink()
    again = grade(ws, "--workers", "1", "--no-report")
    assert "2 to grade" in again.stderr, again.stderr
    assert "could not be written" not in again.stdout, again.stdout
    assert all((ws.root / "feedback" / s / ASSIGNMENT / f"{ASSIGNMENT}.html").exists() for s in ("alice", "dave"))


@pytest.mark.slow
def test_a_notebook_that_writes_the_graders_error_text_stops_no_one(tmp_path):
    """nbgrader's log of a failed notebook holds the notebook's own text (here a test cell's id): only the
    grader's own exceptions may stop the batch, never a line that reads like one. (A cell with a grade id the
    assignment does not have is graded as a plain cell, autograder.steps.restore, so mallory is graded too.)"""
    ws = Workspace.create(tmp_path / "course", [ASSIGNMENT])
    ws.generate(ASSIGNMENT)
    samples = sample_submissions(ws, ASSIGNMENT, ["alice"])
    forged = nbformat.reads(nbformat.writes(samples["alice"][ASSIGNMENT]), as_version=4)
    cell = nbformat.v4.new_code_cell("pass")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": False, "points": 1, "schema_version": 3,
                                 "grade_id": "TrustedGradingError: autograder/key/reference/rnn.py is not the"}
    forged.cells.insert(0, cell)
    ws.submit("alice", ASSIGNMENT, samples["alice"])
    ws.submit("mallory", ASSIGNMENT, {ASSIGNMENT: forged})
    proc = grade(ws, "--workers", "1", "--no-report")
    table = {line.split()[0]: line for line in proc.stdout.splitlines()[1:] if line.split()}
    assert table["alice"].split()[1] == "8/12", proc.stdout
    assert table["mallory"].split()[1] == "8/12" and "a cell with an odd grade id is not a cell of the assignment" \
        in table["mallory"], proc.stdout
    assert "TrustedGradingError" not in proc.stdout + proc.stderr


def test_a_fork_server_whose_warm_up_fails_still_serves_workers():
    """Warming up only saves time: if it fails, the fork server's preload says so and goes on."""
    code = ("import autograder.batch.student as worker\n"
            "worker.warm = lambda: 1 / 0\n"
            "import autograder.batch.preload\n"
            "print('preloaded')\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "preloaded" in proc.stdout
    assert "warming up the workers failed (ZeroDivisionError" in proc.stderr


@pytest.mark.slow
def test_a_grader_that_cannot_grade_stops_the_batch_and_scores_no_one(tmp_path):
    """A reference that is not the committed one (or no sandbox) is the grader's fault: the batch stops and
    says why, records nothing for the student (no zero, no "fix your notebook" page), and a later run
    grades them."""
    ws = Workspace.create(tmp_path / "course", [ASSIGNMENT])
    ws.generate(ASSIGNMENT)
    for student, notebooks in sample_submissions(ws, ASSIGNMENT, ["alice"]).items():
        ws.submit(student, ASSIGNMENT, notebooks)
    proc = subprocess.run([sys.executable, "-m", "autograder.commands.grade", ASSIGNMENT, "--course", str(ws.root),
                           "--workers", "1", "--no-report"], env=dict(environment(ws), RNN_REFERENCE_SHA256="0" * 64),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "grading stopped, because the grader cannot grade correctly" in proc.stderr
    assert "reference (digest" in proc.stderr and "is not the version it must be" in proc.stderr
    assert not list((ws.root / "reports" / ASSIGNMENT / "outcomes").glob("*.json"))
    assert not (ws.root / "feedback" / "alice").exists()

    proc = grade(ws, "--no-report")
    assert "1 student, 1 to grade" in proc.stderr and re.search(r"alice\s+8/12\s+all tests passed", proc.stdout)


@pytest.mark.slow
def test_the_batch_process_never_imports_nbgrader_and_passes_on_its_errors(tmp_path):
    """The batch asks processes forked from its fork server for the gradebook (autograder.batch.pool.in_server),
    so its own process spends no CPU on nbgrader; what they refuse still reaches the instructor."""
    ws = Workspace.create(tmp_path / "course", [ASSIGNMENT])
    code = ("import sys\nfrom autograder.batch import grade as batch\n"
            f"try:\n    batch.grade({str(ws.root)!r}, 'not_released')\n"
            "except SystemExit as exc:\n    print(exc)\n"
            "print('nbgrader imported:', 'nbgrader' in sys.modules)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env=environment(ws))
    refusal = "this course has no assignment 'not_released' (source/ has: rnn_forward)"
    assert refusal in proc.stdout, proc.stdout + proc.stderr
    assert "nbgrader imported: False" in proc.stdout


@pytest.mark.slow
def test_an_interrupted_forced_regrade_keeps_the_outcomes_of_students_it_did_not_reach(tmp_path):
    ws = Workspace.create(tmp_path / "course", [ASSIGNMENT])
    ws.generate(ASSIGNMENT)
    for student, notebooks in sample_submissions(ws, ASSIGNMENT, ["alice", "bob", "carol"]).items():
        ws.submit(student, ASSIGNMENT, notebooks)
    grade(ws, "--workers", "1", "--no-report")
    outcomes = ws.root / "reports" / ASSIGNMENT / "outcomes"
    before = {p.stem: p.read_text() for p in outcomes.glob("*.json")}
    proc = subprocess.Popen([sys.executable, "-m", "autograder.commands.grade", ASSIGNMENT, "--course", str(ws.root),
                             "--workers", "1", "--force", "--no-report"], env=environment(ws), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    for line in proc.stderr:  # Ctrl-C once the first student is done and the second has started
        if "1/3 done" in line:
            os.killpg(proc.pid, signal.SIGINT)
            break
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "run the same command again (--force is not needed)" in err, err
    after = {p.stem: json.loads(p.read_text()) for p in outcomes.glob("*.json")}
    assert len(after) == 2, after.keys()  # the one graded again and the one not reached; not the interrupted one
    reached = [s for s in after if "regrade" not in after[s]]
    assert len(reached) == 1 and after[reached[0]] != json.loads(before[reached[0]])
    (not_reached,) = set(after) - set(reached)  # its outcome stands, marked for the forced regrade to go on
    assert after[not_reached] == {**json.loads(before[not_reached]), "regrade": True}
    again = grade(ws, "--workers", "1", "--no-report")
    assert "2 to grade, 1 already graded" in again.stderr, again.stderr
    assert not any("regrade" in json.loads(p.read_text()) for p in outcomes.glob("*.json"))


@pytest.mark.slow
def test_ctrl_c_while_the_fork_server_starts_prints_no_traceback(tmp_path):
    ws = Workspace.create(tmp_path / "course", [ASSIGNMENT])
    ws.generate(ASSIGNMENT)
    ws.submit("alice", ASSIGNMENT, sample_submissions(ws, ASSIGNMENT, ["alice"])["alice"])
    proc = subprocess.Popen([sys.executable, "-m", "autograder.commands.grade", ASSIGNMENT, "--course", str(ws.root),
                             "--no-report"], env=environment(ws), text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    time.sleep(0.5)  # the fork server imports nbgrader for over a second
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert "interrupted" in err and "Traceback" not in err, err


def processes_marked(marker):
    """The processes whose environment holds `marker` (the batch passes its environment to every worker)."""
    import psutil
    found = []
    for p in psutil.process_iter(["pid"]):
        try:
            if p.environ().get("RNN_TEST_MARK") == marker:
                found.append(p.pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            pass
    return found


@pytest.mark.slow
def test_sigterm_or_a_killed_batch_leaves_no_worker_and_the_next_run_grades_only_what_is_left(tmp_path):
    # Slurm's scancel and a pod's end send SIGTERM to every process of the batch; the OOM killer or kill -9 ends
    # the batch's process alone. Either way no worker may go on grading a student whose lock is gone.
    ws = Workspace.create(tmp_path / "course", [ASSIGNMENT])
    ws.generate(ASSIGNMENT)
    samples = sample_submissions(ws, ASSIGNMENT, ["alice", "grace"])
    students = [f"s{i}" for i in range(5)]
    for student in students:
        ws.submit(student, ASSIGNMENT, samples["alice"])
    ws.submit("zgrace", ASSIGNMENT, samples["grace"])  # a cell that never ends: graded last, for 5 s
    outcomes = ws.root / "reports" / ASSIGNMENT / "outcomes"
    log = ws.root / "reports" / ASSIGNMENT / f"workers-{socket.gethostname()}.log"

    def stop_when(ready, how, marker, *students):
        proc = subprocess.Popen([sys.executable, "-m", "autograder.commands.grade", ASSIGNMENT, *students, "--course",
                                 str(ws.root), "--workers", "1", "--timeout", "5", "--no-report"],
                                start_new_session=True, text=True, env=dict(environment(ws), RNN_TEST_MARK=marker),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while not ready():
            assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
            time.sleep(0.1)
        how(proc)
        proc.wait(timeout=60)  # not its output's end: the workers hold its stdout too
        deadline = time.monotonic() + 2  # a worker ended by the batch's end needs a moment, not its student's 5 s
        while processes_marked(marker) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = processes_marked(marker)
        _, err = proc.communicate(timeout=60)
        assert not left, err
        return proc.returncode, err

    code, err = stop_when(lambda: any(outcomes.glob("*.json")), lambda proc: os.killpg(proc.pid, signal.SIGTERM),
                          "term")
    assert code == 143 and "grade: stopped (SIGTERM). Students graded so far are kept" in err, err
    assert "Traceback" not in err and "died" not in err, err
    code, _ = stop_when(lambda: log.exists() and "of zgrace" in log.read_text(),
                        lambda proc: (time.sleep(1), proc.kill()), "kill", "zgrace")
    assert code == -signal.SIGKILL
    kept = {p.name: p.read_bytes() for p in outcomes.glob("*.json")}
    assert 1 <= len(kept) < len(students) and "zgrace.json" not in kept
    proc = grade(ws, "--workers", "1", "--timeout", "5", "--no-report")
    assert f"{len(students) + 1 - len(kept)} to grade, {len(kept)} already graded" in proc.stderr, proc.stderr
    assert all((outcomes / name).read_bytes() == text for name, text in kept.items())
    assert all(re.search(rf"{s}\s+8/12\s+all tests passed", proc.stdout) for s in students), proc.stdout
    assert re.search(r"zgrace\s+\d+/12", proc.stdout), proc.stdout


@pytest.mark.slow
def test_slices_split_a_class_into_parts_that_never_overlap(tmp_path):
    names = [f"s{i:03d}" for i in range(300)] + ["nick sun", "zoë", "o'brien"]
    for parts in (1, 2, 3, 4):
        slices = [[n for n in names if in_slice(n, part, parts)] for part in range(1, parts + 1)]
        assert sorted(sum(slices, [])) == sorted(names)  # each name in exactly one slice
        assert all(len(s) > 0.7 * len(names) / parts for s in slices), [len(s) for s in slices]

    ws = Workspace.create(tmp_path / "course", [ASSIGNMENT])
    ws.generate(ASSIGNMENT)
    alice = sample_submissions(ws, ASSIGNMENT, ["alice"])["alice"]
    students = ["alice", "nick sun", "zoë"]
    for student in students:
        ws.submit(student, ASSIGNMENT, alice)
    counts = []
    for part in ("1/2", "2/2"):
        proc = grade(ws, "--slice", part, "--no-report")
        counts.append(int(re.search(rf"slice {part}: (\d+) student", proc.stderr).group(1)))
    assert sum(counts) == len(students), counts
    assert sorted(ws.scores(ASSIGNMENT)) == sorted(students)


def test_a_course_directory_that_is_not_one_is_named_as_such(tmp_path):
    from autograder.gradebook.config import load_config
    from autograder.report import write as report
    with pytest.raises(SystemExit, match=f"grade: --course {tmp_path / 'gone'}: no such directory"):
        load_config(tmp_path / "gone")
    with pytest.raises(SystemExit, match=f"report: {tmp_path} is not an nbgrader course directory"):
        report.main(["rnn_forward", "--course", str(tmp_path)])
    ws = Workspace.create(tmp_path / "course", [ASSIGNMENT])  # a misspelled assignment is not "not graded yet"
    with pytest.raises(SystemExit, match=r"report: this course has no assignment 'rnn_foward' \(source/ has: "
                                         r"rnn_forward\)"):
        report.main(["rnn_foward", "--course", str(ws.root)])


@pytest.mark.slow
def test_a_second_run_of_a_slice_being_graded_refuses_and_a_student_being_graded_is_left_to_its_run(tmp_path):
    # Two runs at once deleted and rewrote each other's autograded/ folders: outcomes "nbgrader could not
    # grade it" that a resumed run then kept. A second run of the same slice refuses, naming the first; a
    # run that reaches a student another run is grading leaves it to that run.
    from autograder.batch.locks import hold_run, try_student
    ws = Workspace.create(tmp_path / "course", [ASSIGNMENT])
    ws.generate(ASSIGNMENT)
    ws.submit("alice", ASSIGNMENT, sample_submissions(ws, ASSIGNMENT, ["alice"])["alice"])
    ws.submit("bob", ASSIGNMENT, {ASSIGNMENT: b"{"})
    run = [sys.executable, "-m", "autograder.commands.grade", ASSIGNMENT, "--course", str(ws.root)]
    first = hold_run(ws.root, ASSIGNMENT)
    try:
        proc = subprocess.run(run, env=environment(ws), capture_output=True, text=True, timeout=300)
        feedback = subprocess.run(run + ["--feedback-only"], env=environment(ws), capture_output=True, text=True,
                                  timeout=300)
    finally:
        first.close()
    assert proc.returncode == 1, proc.stderr
    assert f"{ASSIGNMENT} in {ws.root} is being graded already (pid {os.getpid()} on {socket.gethostname()}, " \
           f"grading {ASSIGNMENT} since " in proc.stderr, proc.stderr
    assert "wait for that run to end" in proc.stderr and "Traceback" not in proc.stderr
    assert feedback.returncode == 1 and "--feedback-only rewrites the feedback pages grading writes" in feedback.stderr
    assert not (ws.root / "autograded").exists() and not (ws.root / "reports" / ASSIGNMENT / "outcomes").exists()

    alice = try_student(ws.root, ASSIGNMENT, "alice")
    try:
        proc = grade(ws, "--no-report", "--slice", "1/1")  # another slice name: only alice's lock stands between
    finally:
        alice.release()
    assert "1 student still being graded by another run, left to it: alice (pid" in proc.stderr, proc.stderr
    assert "alice" not in proc.stdout and re.search(r"bob\s+0/12", proc.stdout), proc.stdout
    proc = grade(ws, "--no-report")  # the locks went with their holder
    assert "1 already graded" in proc.stderr and re.search(r"alice\s+8/12\s+all tests passed", proc.stdout)
    assert sorted(p.name for p in (ws.root / "reports" / ASSIGNMENT / "locks").iterdir()) == \
        ["all.lock", "assignment.lock", "slice-1-of-1.lock", "students"]
    assert not any((ws.root / "reports" / ASSIGNMENT / "locks" / "students").iterdir())  # no student's lock stays


HOLD_SLICE = """
import sys, time
from autograder.batch.locks import hold_run
held = hold_run(sys.argv[1], "rnn_forward", (2, 2))
print("held", flush=True)
time.sleep(120)
"""
SAY_WHO_HOLDS = """
import sys
from autograder.batch.locks import held_by, locks_dir
print([bool(held_by(locks_dir(sys.argv[1], "rnn_forward") / name)) for name in sys.argv[2:]])
"""


def test_a_student_named_like_a_run_s_lock_is_graded_and_leaves_that_lock_held(tmp_path):
    # A student id is a user name, which a student may pick. Student locks lay beside the runs' own
    # (locks/<student>.lock): "assignment" (in slice 1 of 2) collided with the lock every run holds shared, so slice
    # 1 left that student to slice 2, which never grades it, and the report job refused the class's report
    # (attack round 12); in one run, grading "assignment" or "slice-1-of-2" dropped that run's own lock, and
    # --feedback-only was let in while it graded.
    from autograder.batch.locks import hold_run, try_student
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    other = subprocess.Popen([sys.executable, "-c", HOLD_SLICE, str(tmp_path)], env=env, stdout=subprocess.PIPE,
                             text=True)
    mine = None
    try:
        assert other.stdout.readline().strip() == "held"
        for student in ("assignment", "slice-2-of-2", "all"):  # another run holds the first two
            lock = try_student(tmp_path, ASSIGNMENT, student)
            assert not isinstance(lock, str), (student, lock)
            lock.release()
        mine = hold_run(tmp_path, ASSIGNMENT, (1, 2))
        for student in ("assignment", "slice-1-of-2"):
            lock = try_student(tmp_path, ASSIGNMENT, student)
            assert not isinstance(lock, str), (student, lock)
            lock.release()
        probe = subprocess.run([sys.executable, "-c", SAY_WHO_HOLDS, str(tmp_path), "assignment.lock",
                                "slice-1-of-2.lock", "slice-2-of-2.lock"], env=env, capture_output=True, text=True)
        assert probe.stdout.strip() == "[True, True, True]", probe.stdout + probe.stderr
    finally:
        other.kill()
        other.wait()
        if mine is not None:
            mine.close()


@pytest.mark.slow
def test_two_slices_and_a_whole_run_at_once_on_one_directory_grade_each_student_once(workspace):
    # The shared (NFS) mode: every machine writes in the one course directory. Slices 1/2 and 2/2 run at once,
    # and so does a run of the whole class (a mistake, or a machine rerun without --slice): each student is
    # graded by exactly one of them, and the report of the class is whole.
    ws = workspace
    alice = ws.root / "submitted" / "alice" / ASSIGNMENT
    for twin in ("alice 2", "zoë", "o'brien"):
        shutil.copytree(alice, ws.root / "submitted" / twin / ASSIGNMENT)
    students = sorted(p.name for p in (ws.root / "submitted").iterdir())
    run = [sys.executable, "-m", "autograder.commands.grade", ASSIGNMENT, "--course", str(ws.root), "--workers", "1",
           "--timeout", "10", "--no-report"]
    started = time.monotonic()
    runs = [subprocess.Popen(run + extra, env=environment(ws), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for extra in (["--slice", "1/2"], ["--slice", "2/2"], [])]
    done = [proc.communicate(timeout=900) for proc in runs]
    seconds = time.monotonic() - started
    assert [proc.returncode for proc in runs] == [0, 0, 0], done
    logs = [p.read_text() for p in (ws.root / "reports" / ASSIGNMENT).glob("workers-*.log")]
    assert len(logs) == 3, logs  # one per run: no two runs write one file
    graded = sorted(re.findall(rf"worker \d+: {ASSIGNMENT} of (.+)$", "".join(logs), re.MULTILINE))
    assert graded == students, (graded, [err for _, err in done])  # each student once, by one of the runs
    assert "were graded by other runs" in done[2][1] or "left to it" in done[2][1], done[2][1]
    assert seconds < 600, seconds

    report = subprocess.run([sys.executable, "-m", "autograder.report.write", ASSIGNMENT, "--course", str(ws.root)],
                            env=environment(ws), capture_output=True, text=True)
    assert report.returncode == 0, report.stderr
    with open(ws.root / "reports" / ASSIGNMENT / "cell-scores.csv", encoding="utf-8") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert sorted(rows) == students and all(row["status"] != "missing" for row in rows.values()), rows
    with open(ws.root / "grades.csv", encoding="utf-8") as f:
        assert sorted(row["student_id"] for row in csv.DictReader(f)) == students
    assert sorted(ws.scores(ASSIGNMENT)) == students
    assert all(ws.scores(ASSIGNMENT)[twin] == ws.scores(ASSIGNMENT)["alice"] for twin in ("alice 2", "zoë", "o'brien"))
    again = grade(ws, "--no-report")
    assert "0 to grade" in again.stderr, again.stderr


@pytest.mark.slow
def test_a_misspelled_student_is_named_with_the_closest_name_and_nobody_is_graded(tmp_path):
    ws = Workspace.create(tmp_path / "course", [ASSIGNMENT])
    ws.generate(ASSIGNMENT)
    ws.submit("alice", ASSIGNMENT, sample_submissions(ws, ASSIGNMENT, ["alice"])["alice"])
    proc = subprocess.run([sys.executable, "-m", "autograder.commands.grade", ASSIGNMENT, "alicee", "alice", "zzz",
                           "--course", str(ws.root)], env=environment(ws), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "for: alicee (did you mean alice?), zzz. Nobody was graded." in proc.stderr, \
        proc.stderr
    assert not (ws.root / "autograded").exists()


@pytest.mark.slow
@pytest.mark.parametrize("db_url, says", [
    ("postgresql+psycopg2://ta:hunter2@127.0.0.1:1/gradebook", "postgresql+psycopg2://ta:***@127.0.0.1:1/gradebook: "),
    ("postgres://ta@127.0.0.1/gradebook", "Can't load plugin: sqlalchemy.dialects:postgres")])
def test_a_gradebook_that_cannot_be_opened_is_one_line_not_a_traceback(tmp_path, db_url, says):
    ws = Workspace.create(tmp_path / "course", [ASSIGNMENT])
    ws.submit("alice", ASSIGNMENT, {ASSIGNMENT: b"{}"})
    proc = subprocess.run([sys.executable, "-m", "autograder.commands.grade", ASSIGNMENT, "--course", str(ws.root)],
                          env=dict(environment(ws), RNN_COURSE_DB_URL=db_url), capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 1 and "grade: cannot open the gradebook at " in proc.stderr, proc.stderr
    assert says in proc.stderr and "Check RNN_COURSE_DB_URL" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and "hunter2" not in proc.stderr


@pytest.mark.slow
def test_gradebooks_of_one_worker_share_an_engine_and_still_see_each_others_writes(tmp_path, monkeypatch):
    from nbgrader.api import Course, Gradebook

    from autograder.gradebook import engines as gradebook

    monkeypatch.setenv("PATH", environment_path())  # nbgrader runs `alembic` on a new gradebook
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url, "c") as gb:  # nbgrader's own: _shared_init sets the same attributes, no others
        assert set(vars(gb)) == {"engine", "db", "course_id", "authenticator"}
    monkeypatch.setattr(Gradebook, "__init__", Gradebook.__init__)  # undone after the test
    monkeypatch.setattr(Gradebook, "close", Gradebook.close)
    monkeypatch.setattr(gradebook, "_engines", {})
    gradebook.share_engines()
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    with Gradebook(empty, "c") as first:  # the first one still makes the tables and records the course
        first.add_student("ann")
    with Gradebook(empty, "c") as second:
        assert second.engine is first.engine and second.db is not first.db
        assert [s.id for s in second.students] == ["ann"] and second.db.get(Course, "c") is not None
        second.add_student("bo")
    with Gradebook(empty, "other") as third:  # another course: its own engine, its own check
        assert third.engine is not first.engine and {s.id for s in third.students} == {"ann", "bo"}
        assert third.db.get(Course, "other") is not None


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_time_left_counts_the_workers_and_names_a_slow_student_once():
    clock, stream = Clock(), io.StringIO()
    progress = Progress(10, stream, workers=2, limit=300, clock=clock)
    assert progress.left() == "estimating"
    progress.begin("a")
    progress.begin("b")
    clock.now = 2
    for s, c in (("a", "c"), ("b", "d")):
        progress.end(s, failed=False)
        progress.begin(c)
    clock.now = 3  # 6 queued at 2 s each, c and d 1 s from the mean, on 2 workers
    assert progress.left() == "7s left"
    progress.end("d", failed=False)
    progress.begin("e")
    clock.now = 40  # c has run 38 s and e 37 s, against a median of 2 s: each gets one line, once
    progress.update("")
    progress.update("")
    notes = [line for line in stream.getvalue().splitlines() if "still grading" in line]
    assert notes == ["c: still grading after 38s (most take 2s); it is stopped at 5m00s",
                     "e: still grading after 37s (most take 2s); it is stopped at 5m00s"]
    # 5 queued at 5/3 s on 2 workers, or as late as e is stopped (300 - 37 s)
    assert progress.left() == "4s to 4m23s left"
    clock.now, progress.total = 270, progress.done + 2  # nothing queued: only the slow ones are left
    assert progress.left() == "up to 33s left"


def released_course(tmp_path):
    """(a workspace with the assignment released, alice's correct submission to hand in)."""
    ws = Workspace.create(tmp_path / "course", [ASSIGNMENT])
    ws.generate(ASSIGNMENT)
    return ws, sample_submissions(ws, ASSIGNMENT, ["alice"])["alice"]


def release_feedback(ws):
    """`nbgrader release_feedback` into an exchange of the workspace's own: {student: pages released}."""
    exchange = ws.root.parent / "exchange"
    exchange.mkdir(exist_ok=True)
    proc = ws.nbgrader("release_feedback", ASSIGNMENT, f"--Exchange.root={exchange}", check=False)
    released = re.findall(r"Releasing feedback for student '([^']+)'", proc.stdout + proc.stderr)
    return proc, {s: released.count(s) for s in set(released)}


@pytest.mark.slow
def test_a_folder_named_like_a_feedback_page_stops_no_ones_release(tmp_path):
    # release_feedback copies every *.html of a feedback folder as a page: a folder notes.html that nbgrader had
    # copied there stopped it with IsADirectoryError (0 of the class released), and a folder named like the
    # notebook's page kept nbgrader from writing that page
    ws, correct = released_course(tmp_path)
    for student in ("alice", "bob", "carol"):
        folder = ws.submit(student, ASSIGNMENT, correct)
        (folder / "timestamp.txt").write_text("2026-11-20 17:00:00.000000 UTC")
        (folder / "submission_secret.txt").write_text(f"secret-of-{student}")
    bob = ws.root / "submitted" / "bob" / ASSIGNMENT
    for name in ("notes.html", f"{ASSIGNMENT}.html"):
        (bob / name).mkdir()
        (bob / name / "draft.txt").write_text("my notes")
    (bob / "notes.txt").write_text("a file of another name")  # the honest twin: copied as nbgrader copies it
    proc = grade(ws, "--no-report")
    assert re.search(r"bob\s+8/12\s+all tests passed \(the folder notes.html was not copied into the feedback: a "
                     r"name ending in .html there is taken for a feedback page \(rename the folder to keep it\)",
                     proc.stdout), proc.stdout
    assert (ws.root / "feedback" / "bob" / ASSIGNMENT / "notes.txt").read_text() == "a file of another name"
    release, released = release_feedback(ws)
    assert release.returncode == 0, release.stderr
    assert released == {"alice": 1, "bob": 1, "carol": 1}, release.stderr


@pytest.mark.slow
def test_a_notebook_nested_far_deeper_than_any_scores_zero_once_with_the_reason(tmp_path):
    # json.loads raised RecursionError in the grader: "not graded yet" on every run, and no row in grades.csv
    ws, correct = released_course(tmp_path)
    ws.submit("alice", ASSIGNMENT, correct)  # the honest twin
    ws.submit("deep", ASSIGNMENT, {ASSIGNMENT: b"[" * 100_000 + b"]" * 100_000})
    proc = grade(ws, "--no-report")
    assert re.search(r"deep\s+0/12\s+not graded, scored 0: rnn_forward.ipynb's JSON is nested 100,000 levels deep, "
                     r"far deeper than any notebook", proc.stdout), proc.stdout
    assert re.search(r"alice\s+8/12\s+all tests passed", proc.stdout), proc.stdout
    with open(ws.root / "grades.csv") as f:
        assert {row["student_id"] for row in csv.DictReader(f)} == {"alice", "deep"}
    assert "nested 100,000 levels" in (ws.root / "feedback" / "deep" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    again = grade(ws, "--no-report")
    assert "0 to grade" in again.stderr, again.stderr


@pytest.mark.slow
def test_what_one_notebook_prints_and_hands_in_costs_the_grader_a_bounded_amount_once(tmp_path):
    # 96 cells each printing just under the per-cell limit wrote 96 MB into autograded/ and 96 MB into
    # feedback/; a 2 GiB sparse file (nothing on disk) became two real 2 GiB files, and was read whole for the
    # fingerprint on every run
    ws, correct = released_course(tmp_path)
    ws.submit("alice", ASSIGNMENT, correct)
    (ws.root / "submitted" / "alice" / ASSIGNMENT / "notes.txt").write_text("mine")  # the honest twin: copied
    loud = copy.deepcopy(correct[ASSIGNMENT])
    loud.cells += [nbformat.v4.new_code_cell("print('x' * 999_000)") for _ in range(20)]
    folder = ws.submit("loud", ASSIGNMENT, {ASSIGNMENT: loud})
    with open(folder / "hole.npy", "wb") as f:
        f.truncate(2 << 30)
    (folder / "big.npy").write_bytes(os.urandom(budget.COPIED_BYTES + 1))
    started = time.monotonic()
    assert fingerprint(folder) != fingerprint(ws.root / "submitted" / "alice" / ASSIGNMENT)
    assert time.monotonic() - started < 1.5  # reading the 2 GiB took 3 s per GiB
    proc = grade(ws, "--no-report")
    assert re.search(rf"loud\s+8/12\s+all tests passed \(.*the notebook printed more than "
                     rf"{budget.NOTEBOOK_OUTPUT_CHARS:,} characters of output in all: output from cell \d+ on was "
                     rf"cut", proc.stdout), proc.stdout
    assert re.search(r"hole.npy was not copied: it is a sparse file \(2,147,483,648 bytes long, 0 on disk\), which a "
                     r"copy would write out in full", proc.stdout), proc.stdout
    assert re.search(r"big.npy \([\d,]+ bytes\) was not copied: the files handed in next to the notebooks may take "
                     r"\d+ MB in all: hand in only what the notebook needs", proc.stdout), proc.stdout
    for kind in ("autograded", "feedback"):
        written = sum(p.stat().st_size for p in (ws.root / kind / "loud").rglob("*") if p.is_file())
        assert written < 3 * budget.NOTEBOOK_OUTPUT_CHARS, (kind, written)
    assert (ws.root / "feedback" / "alice" / ASSIGNMENT / "notes.txt").read_text() == "mine"
    again = grade(ws, "--no-report")
    assert "0 to grade" in again.stderr, again.stderr


@pytest.mark.slow
def test_a_page_that_cannot_be_made_is_replaced_by_the_scores_once_and_the_grade_stands(tmp_path):
    # a notebook whose feedback page nbgrader could not write was graded again on every run
    ws, correct = released_course(tmp_path)
    wordy = copy.deepcopy(correct[ASSIGNMENT])
    # "&lt;" on the page: 4 bytes a character
    wordy.cells.append(nbformat.v4.new_markdown_cell("<" * (budget.FEEDBACK_PAGE_BYTES // 4 + 1_000_000)))
    folder = ws.submit("wordy", ASSIGNMENT, {ASSIGNMENT: wordy})
    (folder / "timestamp.txt").write_text("2026-11-20 17:00:00.000000 UTC")
    proc = grade(ws, "--no-report")
    assert re.search(r"wordy\s+8/12\s+all tests passed \(.*its feedback page could not be made \([\w.]*"
                     r"PageTooLargeError: the page would take \d+ MB, more than the \d+ MB a feedback page may\): a "
                     r"page of its scores stands in\)", proc.stdout), proc.stdout
    page = (ws.root / "feedback" / "wordy" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "This notebook was graded, but its feedback page could not be made" in page
    assert "<td>test_softmax</td><td>2 / 2</td>" in page
    assert (ws.root / "feedback" / "wordy" / ASSIGNMENT / "timestamp.txt").is_file()
    again = grade(ws, "--no-report")
    assert "0 to grade" in again.stderr, again.stderr


def test_grade_ids_that_are_not_strings_are_a_slip_not_the_graders_failure(tmp_path):
    # a list as the grade id of two cells made copied_cells raise TypeError: "the grader itself failed", for
    # that student on every run
    from autograder.batch.handed_in import copied_cells, grade_ids
    from autograder.steps.restore import restore

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass") for _ in range(4)])
    nb.cells[0].metadata["nbgrader"] = {"grade_id": ["test_softmax"], "grade": True}
    nb.cells[1].metadata["nbgrader"] = {"grade_id": ["test_softmax"], "grade": True}
    nb.cells[2].metadata["nbgrader"] = ["not", "a", "dict"]
    nb.cells[3].metadata["nbgrader"] = {"grade_id": {"a": 1}}
    assert grade_ids(nb) == [None] * 4
    nbformat.write(nb, str(tmp_path / "n.ipynb"))
    assert copied_cells(tmp_path, ["n"]) == []
    assert not [c for c in restore(nb, {}) if "Error" in c]
    assert not any(c.metadata.get("nbgrader") for c in nb.cells)  # graded as plain cells


def test_files_a_browser_would_run_are_not_copied_next_to_the_feedback(tmp_path):
    # an SVG with a script, an .htm, an .html in a folder were copied next to the feedback page, which linked
    # to them; its own policy stops scripts on the page, not in a page it links to
    from autograder.batch.copied import not_copied

    # Attack round 8: six more kinds chromium runs as pages (.xht .xhtm .shtm .ehtml .xsd .xbl) were copied, and
    # formgrader served an .xht from autograded/ on the instructor's origin: one click rewrote the gradebook
    (tmp_path / "extra").mkdir()
    active = ["plot.svg", "notes.htm", "extra/notes.html", "page.XHTML", "derivation.xht", "a.xhtm", "b.shtm",
              "c.ehtml", "d.xsd", "e.xbl", "f.xpdl", "README"]
    for name in active + ["notes.txt", "plot.png", "weights.npz", "extra/data.csv"]:
        (tmp_path / name).write_text("<svg><script>alert(1)</script></svg>")
    refused = not_copied(tmp_path)
    assert sorted(refused) == sorted(name.split("/")[-1] for name in active), refused
    assert "only data, text and picture files are" in refused["derivation.xht"]
