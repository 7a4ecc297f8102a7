"""Manual grading in nbgrader's formgrader, in a real browser, on this course's own rnn_forward: the course's
grading (written answers pending), then an instructor's partial credit and comment on a written answer in
formgrader, the total that follows, and the student's feedback page and the report, which show both once the
documented refresh (`./run grade rnn_forward --feedback-only`) has run.

bob's rnn_cell_forward forgets `ba` (autograder/commands/samples.py): the autograder gives test_rnn_cell_forward 0 of 3,
and his two written answers (q_saturation, q_radius, 2 points each) await a grader: 5 of 12. The instructor
gives q_saturation 1.5 points and a comment.
"""
import os
import subprocess

import pytest
from nbgrader.api import Gradebook

from autograder.commands.answers import read, written_answer_cells
from autograder.commands.samples import sample_submissions
from autograder.commands.workspace import Workspace
from autograder.core.paths import COURSE_ROOT

from .labdriver import ACTION_TIMEOUT_MS, ARTIFACTS, VIEWPORT, LabServer

ASSIGNMENT = "rnn_forward"
ANSWER_CELL = "q_saturation"
# A written answer's markdown and an HTML output are shown in formgrader as they are: this ran as the
# instructor and rewrote the gradebook (attack round 6). The course escapes them (autograder/core/safe_html.py).
SCRIPTS = ("\n<script>document.title = 'XSS ran';</script>"
           "<img src=\"x\" onerror=\"document.title = 'XSS ran'\"><svg onload=\"document.title = 'XSS ran'\"></svg>\n")
# ... and a link that renders as javascript: (attack round 8: a backslash escape mistune decodes)
SCRIPT_LINK = "\n\n[see my plot](javascript\\:document.title='XSS ran')\n"
COMMENT = "Right about the flat tails of `tanh`; say also why the gradient then vanishes. 1.5 of 2."


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course directory with rnn_forward released, alice (correct) and bob (forgets `ba`) handed in and
    graded by `./run grade`."""
    base = tmp_path_factory.mktemp("formgrader")
    ws = Workspace.create(base / "course", [ASSIGNMENT])
    ws.generate(ASSIGNMENT)
    for student, notebooks in sample_submissions(ws, ASSIGNMENT, ["alice", "bob"]).items():
        if student == "bob":  # and scripts for the instructor's page, in a written answer and in an output
            cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in notebooks[ASSIGNMENT].cells}
            cells["q_radius"].source += SCRIPTS + SCRIPT_LINK
            cells["rnn_forward"].source += f"\nfrom IPython.display import HTML, display\ndisplay(HTML({SCRIPTS!r}))\n"
        folder = ws.submit(student, ASSIGNMENT, notebooks)
        (folder / "timestamp.txt").write_text("2026-11-20 17:00:00.000000 UTC")
    proc = subprocess.run([str(COURSE_ROOT / "run"), "grade", ASSIGNMENT, "--course", str(ws.root),
                           "--workers", "2"], env=dict(os.environ, RNN_COURSE_DB_URL=ws.db_url),
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "5/12" in proc.stdout and "failed test_rnn_cell_forward" in proc.stdout, proc.stdout
    assert "4 points await manual grading (q_saturation, q_radius)" in proc.stdout, proc.stdout
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


def test_manual_grade_and_comment_reach_the_total_the_feedback_and_the_report(course, formgrader):
    page = formgrader
    assert overall_scores(page) == {"alice": "8 / 12", "bob": "5 / 12"}
    snapshot(page, "formgrader-submissions-before")

    # bob's submission in formgrader's manual grading view
    page.locator("#main-table tr").filter(has_text="bob").locator("a.name-shown").click()
    page.wait_for_function("() => { const f = window.formgrader;"
                           "        return !!(f && f.grades && f.grades.loaded && f.comments && f.comments.loaded); }")
    page.wait_for_timeout(500)  # an onerror handler runs once its image has failed to load
    assert "XSS" not in page.title(), page.title()
    assert "<script>document.title" in page.locator("body").inner_text()  # shown as text, for the grader to see
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    assert not [h for h in hrefs if h.lower().startswith(("javascript:", "vbscript:", "data:"))], hrefs
    assert "[see my plot](javascript" in page.locator("body").inner_text()
    score = page.locator(f"input.score#{ANSWER_CELL}")
    with page.expect_response(lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT") as put:
        score.fill("1.5")
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
    assert overall_scores(page) == {"alice": "8 / 12", "bob": "6.5 / 12"}
    snapshot(page, "formgrader-submissions-after")
    assert submission_score(course, "bob") == 6.5

    # the feedback `./run grade` wrote says the answer awaits a grader; the refresh rewrites it and the report
    feedback = course.root / "feedback" / "bob" / ASSIGNMENT / f"{ASSIGNMENT}.html"
    assert "Awaiting manual grading" in feedback.read_text()
    proc = subprocess.run([str(COURSE_ROOT / "run"), "grade", ASSIGNMENT, "--course", str(course.root),
                           "--feedback-only"], env=dict(os.environ, RNN_COURSE_DB_URL=course.db_url),
                          capture_output=True, text=True)
    assert proc.returncode == 0 and "1 page rewritten" in proc.stderr, proc.stdout + proc.stderr
    assert "6.5/12" in proc.stdout and "2 points await manual grading (q_radius)" in proc.stdout, proc.stdout
    page.goto(feedback.as_uri())
    answer = page.locator(".nbgrader_cell").filter(has=page.locator(f"a[name='{ANSWER_CELL}']"))
    assert "Score: 1.5 / 2.0" in answer.locator(".panel-heading").inner_text()
    shown = page.locator(".panel-footer", has_text="Comments:")  # under bob's answer, rendered as markdown
    assert shown.count() == 1
    assert shown.inner_text().split() == ["Comments:", *COMMENT.replace("`", "").split()]
    assert shown.locator("code").inner_text() == "tanh"
    snapshot(page, "feedback-bob-top")
    shown.scroll_into_view_if_needed()
    snapshot(page, "feedback-bob-comment")
    page.goto((course.root / "reports" / ASSIGNMENT / "report.html").as_uri())
    bob = page.locator("#grades tr", has=page.locator("td", has_text="bob")).first
    assert "6.5" in bob.text_content(), bob.text_content()  # text_content: rows off screen are not laid out
    snapshot(page, "report-after-manual-grading")


def test_a_written_answer_s_headings_take_no_test_s_score_box(tmp_path, browser):
    # formgrader binds each grade's score box to the panel around the first element of the grade's id: a written
    # answer moved above the tests, with the headings "test_softmax" and "test_rnn_forward" (ids of those names),
    # got both tests' boxes, and the instructor's "Full credit" for the answer gave full credit for the failed
    # tests too (attack round 11: 10/12 against its honest twin's 2/12)
    ws = Workspace.create(tmp_path / "course", [ASSIGNMENT])
    ws.generate(ASSIGNMENT)
    notebook = read(ws.root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")  # no code answered: every test fails
    answer = written_answer_cells(notebook)[ANSWER_CELL]
    answer.source = "Saturated units sit on the flat tails of tanh.\n\n###### test_softmax\n\n###### test_rnn_forward\n"
    notebook.cells.remove(answer)
    notebook.cells.insert(1, answer)
    ws.submit("mallory", ASSIGNMENT, {ASSIGNMENT: notebook})
    proc = subprocess.run([str(COURSE_ROOT / "run"), "grade", ASSIGNMENT, "--course", str(ws.root)],
                          env=dict(os.environ, RNN_COURSE_DB_URL=ws.db_url), capture_output=True, text=True)
    assert proc.returncode == 0 and "0/12" in proc.stdout, proc.stdout + proc.stderr
    server = LabServer(tmp_path, ws.root, instructor=True, env={"RNN_COURSE_DB_URL": ws.db_url})
    try:
        server.wait_ready()
        page = browser.new_context(viewport=VIEWPORT, base_url=server.url).new_page()
        page.set_default_timeout(ACTION_TIMEOUT_MS)
        page.goto(f"/formgrader?token={server.token}")
        page.goto(f"/formgrader/gradebook/{ASSIGNMENT}/{ASSIGNMENT}")
        page.locator("#main-table a.name-hidden, #main-table a.name-shown").first.click()
        page.wait_for_function("() => { const f = window.formgrader; return !!(f && f.grades && f.grades.loaded); }")
        panel = page.locator(".nbgrader_cell").filter(has=page.locator(f"input.score#{ANSWER_CELL}"))
        with page.expect_response(lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT"):
            panel.locator("button.full-credit").click()
        page.wait_for_timeout(1000)  # any other grade bound to the panel is saved by the same click
        page.context.close()
    finally:
        server.stop()
    assert submission_score(ws, "mallory") == 2.0  # the answer's 2 points, no test's
