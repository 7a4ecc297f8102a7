"""Manual grading in nbgrader's formgrader, in a real browser, on this course's own rnn_forward: the course's
grading, then an instructor's partial credit and comment in formgrader, the total that follows, and the
student's feedback page that shows both once it is regenerated.

bob's rnn_cell_forward forgets `ba` (autograder/samples.py): the autograder gives test_rnn_cell_forward 0 of 3
and bob 5 of 8. The instructor gives that test cell 1 point by hand (formgrader's manual override of an
autograded cell) and writes a comment on bob's answer cell (formgrader takes comments on answer cells).
"""
import os
import subprocess

import pytest
from nbgrader.api import Gradebook

from autograder.samples import sample_submissions
from autograder.workspace import COURSE_ROOT, Workspace

from .labdriver import ACTION_TIMEOUT_MS, ARTIFACTS, VIEWPORT, LabServer

ASSIGNMENT = "rnn_forward"
TEST_CELL = "test_rnn_cell_forward"
ANSWER_CELL = "rnn_cell_forward"
COMMENT = "You left out the bias `ba`; the rest of the step is right, so 1 point of 3."


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course directory with rnn_forward released, alice (correct) and bob (forgets `ba`) handed in and
    graded by `./run grade`."""
    base = tmp_path_factory.mktemp("formgrader")
    ws = Workspace.create(base / "course", [ASSIGNMENT])
    ws.generate(ASSIGNMENT)
    for student, notebooks in sample_submissions(ws, ASSIGNMENT, ["alice", "bob"]).items():
        folder = ws.submit(student, ASSIGNMENT, notebooks)
        (folder / "timestamp.txt").write_text("2026-11-20 17:00:00.000000 UTC")
    proc = subprocess.run([str(COURSE_ROOT / "run"), "grade", ASSIGNMENT, "--course", str(ws.root),
                           "--workers", "2"], env=dict(os.environ, RNN_COURSE_DB_URL=ws.db_url),
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "5/8" in proc.stdout and "failed test_rnn_cell_forward" in proc.stdout, proc.stdout
    return ws


@pytest.fixture(scope="module")
def formgrader(course, browser):
    """A page of the instructor's Jupyter server in the course directory, logged in."""
    base = course.root.parent
    server = LabServer(base, course.root, instructor=True, env={"RNN_COURSE_DB_URL": course.db_url})
    try:
        server.wait_ready()
        context = browser.new_context(viewport=VIEWPORT, base_url=server.url)
        page = context.new_page()
        page.set_default_timeout(ACTION_TIMEOUT_MS)
        page.goto(f"/formgrader?token={server.token}")  # the token sets the login cookie
        yield page
        context.close()
    finally:
        server.stop()


def snapshot(page, name, full_page=False):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path, full_page=full_page)
    return path


def overall_scores(page):
    """{student: "score / max"} from formgrader's list of the notebook's submissions, names shown."""
    page.goto(f"/formgrader/gradebook/{ASSIGNMENT}/{ASSIGNMENT}")
    rows = page.locator("#main-table tr").filter(has=page.locator("a.name-shown"))
    rows.first.wait_for()
    page.locator("#toggle_names").click()  # "Show All Names"
    return {row.locator("a.name-shown").inner_text().strip(): row.locator("td.score").inner_text().strip()
            for row in rows.all()}


def submission_score(ws, student):
    with Gradebook(ws.db_url, course_id="rnn-from-scratch") as gb:
        return gb.find_submission(ASSIGNMENT, student).score


def test_manual_grade_and_comment_reach_the_total_and_the_feedback(course, formgrader):
    page = formgrader
    assert overall_scores(page) == {"alice": "8 / 8", "bob": "5 / 8"}
    snapshot(page, "formgrader-submissions-before")

    # bob's submission in formgrader's manual grading view
    page.locator("#main-table tr").filter(has_text="bob").locator("a.name-shown").click()
    page.wait_for_function("() => { const f = window.formgrader;"
                           "        return !!(f && f.grades && f.grades.loaded && f.comments && f.comments.loaded); }")
    score = page.locator(f"input.score#{TEST_CELL}")
    assert score.get_attribute("placeholder") == "0"  # the autograder's score, shown until one is typed
    with page.expect_response(lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT") as put:
        score.fill("1")
        score.press("Tab")  # a score is saved when it changes (on leaving the box)
    assert put.value.ok, put.value.status
    comment = page.locator(f"textarea#{ANSWER_CELL}-comment")
    with page.expect_response(lambda r: "/formgrader/api/comment/" in r.url and r.request.method == "PUT") as put:
        comment.fill(COMMENT)
        comment.press("Tab")
    assert put.value.ok, put.value.status
    comment.scroll_into_view_if_needed()
    snapshot(page, "formgrader-manual-grading-bob")

    # the total follows: formgrader's list, the gradebook
    assert overall_scores(page) == {"alice": "8 / 8", "bob": "6 / 8"}
    snapshot(page, "formgrader-submissions-after")
    assert submission_score(course, "bob") == 6

    # the feedback `./run grade` wrote still says 5; regenerated, it shows the manual score and the comment
    feedback = course.root / "feedback" / "bob" / ASSIGNMENT / f"{ASSIGNMENT}.html"
    assert "(Score: 5.0 / 8.0)" in feedback.read_text()
    course.nbgrader("generate_feedback", ASSIGNMENT, "--force")
    page.goto(feedback.as_uri())
    assert page.locator("h4", has_text="(Score: 6.0 / 8.0)").count() == 1
    toc = page.locator("li").filter(has=page.locator(f"a[href='#{TEST_CELL}']"))  # the page's contents
    assert toc.inner_text().strip() == f"{TEST_CELL} (Score: 1.0 / 3.0)"
    # under bob's answer, rendered as markdown, and the test cell below it with its manual score
    shown = page.locator(".panel-footer", has_text="Comments:")
    assert shown.count() == 1
    assert shown.inner_text().split() == ["Comments:", *COMMENT.replace("`", "").split()]
    assert shown.locator("code").inner_text() == "ba"
    answer = page.locator(".nbgrader_cell").filter(has=page.locator(f"a[name='comment-{ANSWER_CELL}']"))
    assert answer.locator(".panel-footer").count() == 1
    test_cell = page.locator(".nbgrader_cell").filter(has=page.locator(f"a[name='{TEST_CELL}']"))
    assert "Score: 1.0 / 3.0" in test_cell.locator(".panel-heading").inner_text()
    snapshot(page, "feedback-bob-top")
    shown.scroll_into_view_if_needed()
    snapshot(page, "feedback-bob-comment")
