"""One truth: a late penalty (nbgrader's AssignLatePenalties), manual grades and extra credit given in the
gradebook after grading, and a roster with a student who handed nothing in reach the batch's table,
grades.csv, the per-test CSV, the Canvas and Moodle import files and report.html with the same numbers."""
import csv
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from nbgrader.api import Gradebook

from autograder.commands.samples import sample_submissions
from autograder.commands.workspace import Workspace

pytestmark = pytest.mark.slow  # every test here takes over 5 s

ASSIGNMENT = "rnn_forward"
COURSE_ID = "rnn-from-scratch"
DUE = "2026-11-20 12:00:00 UTC"
ROSTER = [  # nbgrader db student import reads these columns
    {"id": "alice", "first_name": "Alice", "last_name": "Arnold", "email": "alice@example.edu", "lms_user_id": "101"},
    {"id": "bob", "first_name": "Bob", "last_name": "Baker, Jr.", "email": "bob@example.edu", "lms_user_id": "102"},
    {"id": "carol", "first_name": "Carol", "last_name": "Chen", "email": "carol@example.edu", "lms_user_id": "103"},
    {"id": "dave", "first_name": "Dave", "last_name": "Diaz", "email": "dave@example.edu", "lms_user_id": "104"},
]
# alice: full marks and 0.5 extra credit; bob: his failed test given full marks by hand; carol: correct but
# 2 hours late, and the course's penalty is nbgrader's "zero"; dave: on the roster, never handed in
EXPECTED = {"alice": 8.5, "bob": 8.0, "carol": 0.0, "dave": 0.0}


def run(ws, *args):
    env = {"RNN_COURSE_DB_URL": ws.db_url, "PATH": f"{sys.executable.rsplit('/', 1)[0]}:/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-m", *args], cwd=ws.root, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


class ReportTable(HTMLParser):
    """The cells of report.html's table of students (id="grades"): [[text of each cell]]."""

    def __init__(self):
        super().__init__()
        self.rows, self.inside, self.cell = [], False, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.inside = dict(attrs).get("id") == "grades"
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if self.inside and tag in ("td", "th"):
            self.rows[-1].append(self.cell.strip())
            self.cell = None
        elif tag == "table":
            self.inside = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    ws = Workspace.create(tmp_path_factory.mktemp("truth") / "course", [ASSIGNMENT])
    with open(ws.root / "nbgrader_config.py", "a") as f:
        f.write('\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
    ws.generate(ASSIGNMENT)
    ws.nbgrader("db", "assignment", "add", ASSIGNMENT, f"--duedate={DUE}")
    roster = ws.root / "roster.csv"
    with open(roster, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(ROSTER[0]))
        writer.writeheader()
        writer.writerows(ROSTER)
    ws.nbgrader("db", "student", "import", str(roster))
    notebooks = sample_submissions(ws, ASSIGNMENT, ["alice", "bob"])
    for student, nbs, stamp in [("alice", notebooks["alice"], "2026-11-20 11:00:00.000000 UTC"),
                                ("bob", notebooks["bob"], "2026-11-20 11:30:00.000000 UTC"),
                                ("carol", notebooks["alice"], "2026-11-20 14:00:00.000000 UTC")]:
        (ws.submit(student, ASSIGNMENT, nbs) / "timestamp.txt").write_text(stamp)
    first = run(ws, "autograder.commands.grade", ASSIGNMENT, "--workers", "2", "--timeout", "20", "--no-report")
    with Gradebook(ws.db_url, COURSE_ID) as gb:  # what an instructor gives in formgrader
        bob = gb.find_submission(ASSIGNMENT, "bob")
        # the written answers (markdown, 2 points each) await a grader: not failed tests
        failed = [g for nb in bob.notebooks for g in nb.grades if g.score < g.max_score and g.cell_type == "code"]
        assert len(failed) == 1, [(g.name, g.score) for nb in bob.notebooks for g in nb.grades]
        failed[0].manual_score, manual = failed[0].max_score, failed[0].name
        alice = gb.find_grade("test_softmax", ASSIGNMENT, ASSIGNMENT, "alice")
        alice.extra_credit = 0.5
        gb.db.commit()
    # grades no one: the table
    again = run(ws, "autograder.commands.grade", ASSIGNMENT, "--workers", "1", "--no-report")
    run(ws, "autograder.report.write", ASSIGNMENT)
    run(ws, "nbgrader", "export", "--to=exported.csv")  # nbgrader's own command, the course's configuration
    run(ws, "nbgrader", "export", "--exporter=autograder.gradebook.lms_canvas.CanvasExportPlugin", "--to=canvas.csv")
    run(ws, "nbgrader", "export", "--exporter=autograder.gradebook.lms_moodle.MoodleExportPlugin", "--to=moodle.csv")
    return ws, first, again, manual


def test_the_batch_table_shows_the_gradebook(graded):
    ws, first, again, manual = graded
    # right after grading: carol's late penalty is already in the table, and said
    assert re.search(r"carol\s+0/12\s+all tests passed.*\(late by 2h 00m: penalty 8\)", first.stdout), first.stdout
    assert re.search(rf"bob\s+5/12\s+failed {manual}", first.stdout), first.stdout
    # after the manual grades, a run that grades no one prints the gradebook's scores
    assert "0 to grade" in again.stderr
    assert re.search(r"alice\s+8\.5/12\s+all tests passed", again.stdout), again.stdout
    assert re.search(r"bob\s+8/12\s+all tests passed", again.stdout), again.stdout


def test_every_file_has_the_gradebooks_scores(graded):
    ws, _, _, manual = graded
    folder = ws.root / "reports" / ASSIGNMENT
    assert not (folder / "grades.csv").exists()  # one grades.csv only: nbgrader's, in the course directory
    assert (ws.root / "exported.csv").read_text() == (ws.root / "grades.csv").read_text()
    grades = {r["student_id"]: r for r in csv.DictReader(open(ws.root / "grades.csv"))}
    cells = {r["student_id"]: r for r in csv.DictReader(open(folder / "cell-scores.csv"))}
    canvas, moodle = read_csv(ws.root / "canvas.csv"), read_csv(ws.root / "moodle.csv")
    report = ReportTable()
    report.feed((folder / "report.html").read_text())
    head, *body = report.rows
    in_report = {r[0]: r for r in body}

    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", ASSIGNMENT]
    assert canvas[1] == ["Points Possible", "", "", "", "", "12"]
    by_login = {r[3]: r for r in canvas[2:]}
    assert moodle[0] == ["First name", "Last name", "ID number", "Username", "Email address", ASSIGNMENT]
    by_email = {r[4]: r for r in moodle[1:]}
    for person in ROSTER:
        s, want = person["id"], EXPECTED[person["id"]]
        assert float(grades[s]["score"]) == want, (s, grades[s])
        assert float(cells[s]["score"]) == want, (s, cells[s])
        assert float(by_login[s][5]) == want and by_login[s][1] == person["lms_user_id"], by_login[s]
        assert by_login[s][0] == f"{person['last_name']}, {person['first_name']}"
        assert float(by_email[person["email"]][5]) == want and by_email[person["email"]][3] == s
        assert in_report[s][head.index("score")] == f"{want:g} / 12", in_report[s]
    # the per-test CSV: a column per graded cell, the manual grade and the extra credit in theirs
    assert list(cells["bob"])[-6:] == ["test_softmax", "test_rnn_cell_forward", "test_rnn_forward", "q_saturation",
                                       "q_radius", "reason"]
    assert cells["bob"]["q_saturation"] == "" and "await manual grading" in cells["bob"]["reason"]  # pending
    assert cells["bob"][manual] == "3" and cells["alice"]["test_softmax"] == "2.5"
    assert in_report["bob"][head.index(f"{manual} (3)")] == "3"
    assert (cells["carol"]["raw_score"], cells["carol"]["late_submission_penalty"]) == ("8", "8")
    assert (cells["carol"]["status"], cells["carol"]["seconds_late"]) == ("pending manual grading", "7200")
    assert (grades["carol"]["raw_score"], grades["carol"]["late_submission_penalty"]) == ("8.0", "8.0")
    # the student who never handed in: in every file, as missing
    assert cells["dave"]["status"] == "missing" and cells["dave"]["test_softmax"] == ""
    assert in_report["dave"][head.index("status")] == "missing"
    assert in_report["carol"][head.index("late")] == "2h 00m" and in_report["carol"][head.index("penalty")] == "8"


def test_the_report_has_a_policy_that_runs_its_own_script_only(graded):
    ws, _, _, _ = graded
    page = (ws.root / "reports" / ASSIGNMENT / "report.html").read_text()
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "script-src 'sha256-" in policy and "default-src 'none'" in policy
    assert "http" not in page.split("<body>")[0].replace('http-equiv', '')  # nothing loaded from a network


def test_grades_csv_is_nbgraders_own_format_quoted(graded):
    ws, _, _, _ = graded
    run(ws, "nbgrader", "export", "--exporter=nbgrader.plugins.CsvExportPlugin", "--to=nbgraders.csv")
    ours = read_csv(ws.root / "grades.csv")
    theirs = (ws.root / "nbgraders.csv").read_text().splitlines()
    # the same text field by field, but where nbgrader's unquoted commas broke bob's row into 12 fields
    assert [",".join(row) for row in ours if "Baker, Jr." not in row] == [t for t in theirs if "Baker" not in t]
    assert len(next(r for r in read_csv(ws.root / "nbgraders.csv") if "bob" in r)) == 12
    assert len(next(r for r in ours if "bob" in r)) == 11
