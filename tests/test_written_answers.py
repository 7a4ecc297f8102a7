"""Written answers (nbgrader's manually graded answers): in every assignment, made and filled by the course's
helpers, shown as pending until a grader scores them, refreshed into feedback by one command, and kept by a
regrade of unchanged answers."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder.batch.grade import summarize
from autograder.commands.answers import answer_cells, fill, read, solution, solution_code, written_answers
from autograder.commands.workspace import Workspace
from autograder.core.paths import COURSE_ROOT
from autograder.report.write import pass_rates

ASSIGNMENTS = ["rnn_forward", "bptt", "architectures"]
A = "rnn_forward"
WRITTEN = ["q_saturation", "q_radius"]  # rnn_forward's, 2 points each


def source(a):
    return read(COURSE_ROOT / "source" / a / f"{a}.ipynb")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_assignment_has_one_to_three_written_answers_with_grading_notes(assignment):
    nb = source(assignment)
    written = {gid: c for gid, c in answer_cells(nb).items() if c.cell_type == "markdown"}
    assert 1 <= len(written) <= 3, sorted(written)
    for gid, cell in written.items():
        meta = cell.metadata["nbgrader"]
        assert gid.startswith("q_") and meta["grade"] and meta["solution"] and not meta["task"] and meta["points"] > 0
        assert "=== BEGIN MARK SCHEME ===" in cell.source and "=== END MARK SCHEME ===" in cell.source, gid
    # The release holds neither the model answers nor the grading notes: "YOUR ANSWER HERE" in their place
    released = read(COURSE_ROOT / "release" / assignment / f"{assignment}.ipynb")
    cells = answer_cells(released)
    assert all(cells[gid].source == "YOUR ANSWER HERE" for gid in written)
    text = "\n".join(c.source for c in released.cells)
    assert "MARK SCHEME" not in text
    for answer in written_answers(nb).values():
        assert answer.splitlines()[0] not in text


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_helpers_run_code_and_fill_written_answers_as_text(assignment):
    nb = source(assignment)
    for code in solution_code(nb).values():  # the tests exec these: a written answer raised SyntaxError
        compile(code, "answer", "exec")
    answers = written_answers(nb)
    assert answers and not any("MARK SCHEME" in a or "Grading notes" in a for a in answers.values())
    filled = fill(read(COURSE_ROOT / "release" / assignment / f"{assignment}.ipynb"), solution(nb))
    cells = answer_cells(filled)
    assert all(cells[gid].source == text and cells[gid].cell_type == "markdown" for gid, text in answers.items())


def test_pending_answers_are_neither_failed_tests_nor_failures_in_the_report():
    layout = {A: [("test_softmax", 2), ("q_saturation", 2), ("q_radius", 2)]}
    outcome = {"scores": {"test_softmax": (2, 2), "q_saturation": (0, 2), "q_radius": (0, 2)}, "failed": False,
               "problems": [], "diagnoses": {}, "manual": {"q_saturation": "pending", "q_radius": "unanswered"}}
    assert summarize(outcome, layout)[2] == \
        "all tests passed; no answer to q_radius; 2 points await manual grading (q_saturation)"
    stats = {s[0]: s for s in pass_rates({"alice": outcome}, layout)}
    assert stats["q_saturation"][2:5] == (0, 0, "awaiting manual grading")  # 0 of 0 graded, not 0 of 1 passed
    assert stats["q_radius"][2:4] == (0, 1)  # no answer: graded, and lost


def run_grade(ws, *args):
    env = dict(os.environ, RNN_COURSE_DB_URL=ws.db_url,
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    proc = subprocess.run([sys.executable, "-m", "autograder.commands.grade", A, "--course", str(ws.root),
                           "--workers", "2", *args], env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def row(proc, student):
    return next(line for line in proc.stdout.splitlines() if line.startswith(student + " "))


def page(ws, student):
    return (ws.root / "feedback" / student / A / f"{A}.html").read_text()


def give_manual_grade(ws, student, grade_id, score, comment):
    """What formgrader does when a grader saves points and a comment."""
    with Gradebook(ws.db_url, course_id="rnn-from-scratch") as gb:
        grade = gb.find_grade(grade_id, A, A, student)
        grade.manual_score, grade.needs_manual_grade = score, False
        gb.find_comment(grade_id, A, A, student).manual_comment = comment
        gb.db.commit()


def grade_of(ws, student, grade_id):
    with Gradebook(ws.db_url, course_id="rnn-from-scratch") as gb:
        grade = gb.find_grade(grade_id, A, A, student)
        return grade.manual_score, grade.needs_manual_grade


@pytest.mark.slow
def test_manual_grading_round_trip_pending_refresh_and_regrade(tmp_path):
    ws = Workspace.create(tmp_path / "course", [A])
    release = read(ws.generate(A) / f"{A}.ipynb")
    ws.submit("alice", A, {A: fill(release, solution(source(A)))})  # answers everything
    ws.submit("bob", A, {A: fill(release, solution_code(source(A)))})  # leaves the written answers as released

    # Autograded: the written answers await grading; nothing failed
    proc = run_grade(ws)
    assert re.search(r"alice\s+8/12\s+all tests passed; 4 points await manual grading \(q_saturation, q_radius\)$",
                     row(proc, "alice")), proc.stdout
    assert re.search(r"bob\s+8/12\s+all tests passed; no answer to q_saturation, q_radius$", row(proc, "bob"))
    assert "failed q_" not in proc.stdout
    report = (ws.root / "reports" / A / "report.html").read_text()
    assert "failed q_" not in report and "awaiting manual grading" in report
    feedback = page(ws, "alice")
    assert "Awaiting manual grading (2 points)" in feedback and "8 more points await" not in feedback
    assert "4 more points await manual grading" in feedback
    assert not re.search(r'<a name="q_saturation"></a>.{0,400}Score: 0\.0 / 2\.0', feedback, re.DOTALL)

    # A grader scores one answer in formgrader; one command brings feedback, table and report up to date
    give_manual_grade(ws, "alice", "q_saturation", 1.5, "Right about the slope; the weight's part is missing.")
    proc = run_grade(ws, "--feedback-only")
    assert "1 page rewritten" in proc.stderr, proc.stderr
    assert re.search(r"alice\s+9.5/12\s+all tests passed; 2 points await manual grading \(q_radius\)$",
                     row(proc, "alice")), proc.stdout
    feedback = page(ws, "alice")
    assert re.search(r'<a name="q_saturation"></a>.{0,400}Score: 1\.5 / 2\.0', feedback, re.DOTALL)
    assert "the weight&#39;s part is missing" in feedback or "the weight's part is missing" in feedback
    assert "Awaiting manual grading (2 points)" in feedback  # q_radius still is
    assert "2 more points await manual grading" in feedback
    assert "9.5" in (ws.root / "reports" / A / "report.html").read_text()
    assert "0 pages rewritten" in run_grade(ws, "--feedback-only", "--no-report").stderr  # nothing changed since

    # A forced regrade keeps the manual grade of the unchanged answer
    proc = run_grade(ws, "--force")
    assert grade_of(ws, "alice", "q_saturation") == (1.5, False)
    assert re.search(r"alice\s+9.5/12\s+all tests passed; 2 points await manual grading \(q_radius\)$",
                     row(proc, "alice")), proc.stdout
    assert re.search(r'<a name="q_saturation"></a>.{0,400}Score: 1\.5 / 2\.0', page(ws, "alice"), re.DOTALL)

    # A changed answer awaits grading again (its earlier score is formgrader's starting point)
    answers = {**solution(source(A)), "q_saturation": "Because tanh is flat there."}
    ws.submit("alice", A, {A: fill(release, answers)})
    proc = run_grade(ws, "alice")
    assert grade_of(ws, "alice", "q_saturation") == (1.5, True)
    assert "4 points await manual grading (q_saturation, q_radius)" in row(proc, "alice")
