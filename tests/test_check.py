"""`./run check`: a self-learner's own notebooks graded as the course grades a class."""
import subprocess
import sys

import nbformat
import pytest

from autograder.commands.answers import fill, read, solution
from autograder.commands.samples import partly_wrong
from autograder.core.paths import COURSE_ROOT, assignments

pytestmark = pytest.mark.slow  # every test here takes over 5 s

ASSIGNMENT = "rnn_forward"


def check(*args):
    return subprocess.run([sys.executable, "-m", "autograder.commands.check", *args], capture_output=True, text=True)


def test_check_grades_the_notebooks_in_work_with_every_test_its_points_and_hint(tmp_path):
    notebook = f"{ASSIGNMENT}.ipynb"
    released = read(COURSE_ROOT / "release" / ASSIGNMENT / notebook)
    correct = solution(read(COURSE_ROOT / "source" / ASSIGNMENT / notebook))  # the written answers too
    (tmp_path / ASSIGNMENT).mkdir()
    nbformat.write(fill(released, partly_wrong(ASSIGNMENT, correct)), str(tmp_path / ASSIGNMENT / notebook))

    proc = check(ASSIGNMENT, "--work", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert f"{ASSIGNMENT}: 5/12, failed test_rnn_cell_forward; 4 points await manual grading (q_saturation, " \
        "q_radius)" in lines, proc.stdout
    waiting = next(line for line in lines if "q_saturation" in line and "/2" in line)
    assert waiting.split()[:3] == ["wait", "q_saturation", "-/2"] and "graded by hand" in waiting, waiting
    assert any(line.split()[:3] == ["ok", "test_softmax", "2/2"] for line in lines), proc.stdout
    failed = next(line for line in lines if "test_rnn_cell_forward" in line and "FAIL" in line)
    assert "0/3" in failed and "Hint:" in failed, failed
    page = COURSE_ROOT / "build" / "check" / "feedback" / "you" / ASSIGNMENT / f"{ASSIGNMENT}.html"
    assert f"  feedback: {page}" in lines and page.exists()


def test_check_says_what_to_do_when_there_is_nothing_to_check(tmp_path):
    proc = check("bptt", "--work", str(tmp_path))
    assert proc.returncode == 1 and f"{tmp_path / 'bptt'} does not exist." in proc.stderr
    assert "--work takes the folder that holds one folder per assignment" in proc.stderr  # not ./run lab
    proc = check("rnn_backward", "--work", str(tmp_path))
    assert proc.returncode == 1 and "no assignment called rnn_backward" in proc.stderr
    assert f"the assignments are {', '.join(assignments())}" in proc.stderr


def test_checking_one_assignment_keeps_the_feedback_pages_of_the_others(tmp_path):
    # was: build/check/ was rebuilt whole, so `./run check rnn_forward` deleted the bptt page of an earlier check
    notebook = f"{ASSIGNMENT}.ipynb"
    released = read(COURSE_ROOT / "release" / ASSIGNMENT / notebook)
    (tmp_path / ASSIGNMENT).mkdir()
    nbformat.write(released, str(tmp_path / ASSIGNMENT / notebook))
    feedback = COURSE_ROOT / "build" / "check" / "feedback" / "you"
    other = feedback / "bptt" / "bptt.html"
    other.parent.mkdir(parents=True, exist_ok=True)
    other.write_text("<p>an earlier check of bptt</p>")

    proc = check(ASSIGNMENT, "--work", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert other.read_text() == "<p>an earlier check of bptt</p>"
    assert (feedback / ASSIGNMENT / f"{ASSIGNMENT}.html").exists()
