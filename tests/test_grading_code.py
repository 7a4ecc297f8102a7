"""Every machine grades an assignment with the same grading code (autograder.trusted.grading_code): another
machine's copy of the course with an uncommitted edit to a case builder, another nbgrader_config.py or another
gradebook is refused, naming what differs, and grades no one."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from autograder.commands.workspace import Workspace
from autograder.core.paths import COURSE_ROOT

ASSIGNMENT = "rnn_forward"
CASES = "autograder/key/rnn_forward/cases.py"
pytestmark = pytest.mark.slow  # each case starts a batch


def another_machine(tmp_path):
    """A copy of this repository's grading code as another machine has it: a git checkout of its own (whose
    HEAD is this working tree), with an uncommitted edit to rnn_forward's case builders."""
    copy = tmp_path / "other machine"
    for name in ("autograder", "course"):
        shutil.copytree(COURSE_ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    git = ["git", "-C", str(copy), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(git + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-qm", "as on the other machine"], check=True)
    with open(copy / CASES, "a") as f:
        f.write("\n# an edit on one machine only\n")
    return copy


def grade(ws, *args, code=None, db_url=None):
    """./run grade from this checkout, or from the grading code in `code`."""
    env = dict(os.environ, RNN_COURSE_DB_URL=db_url or ws.db_url,
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
    if code:
        env["PYTHONPATH"] = str(code)
    return subprocess.run([sys.executable, "-m", "autograder.commands.grade", ASSIGNMENT, "--course", str(ws.root),
                           "--no-report", "--workers", "1", *args], env=env, capture_output=True, text=True,
                          cwd=code or COURSE_ROOT, timeout=300)


def outcomes(ws):
    return sorted(p.stem for p in (ws.root / "reports" / ASSIGNMENT / "outcomes").glob("*.json"))


def test_another_machines_code_config_or_gradebook_is_refused_naming_what_differs(tmp_path):
    ws = Workspace.create(tmp_path / "course dir", [ASSIGNMENT])
    ws.generate(ASSIGNMENT)
    for student in ("alice", "bob", "carol", "dave"):
        ws.submit(student, ASSIGNMENT, {ASSIGNMENT: b"{"})  # not valid JSON: scored at once, no sandbox
    first = grade(ws, "alice")
    assert first.returncode == 0, first.stderr
    kept = json.loads((ws.root / "reports" / ASSIGNMENT / "grading-code.json").read_text())
    assert kept["manifest"][CASES] and kept["manifest"]["nbgrader_config.py of the course directory"]
    with create_engine(ws.db_url).connect() as db:
        assert db.execute(text("select digest from rnn_course_graded_with")).scalar() == kept["digest"]

    other = another_machine(tmp_path)
    refused = grade(ws, "bob", code=other)
    assert refused.returncode == 1, refused.stderr
    assert f"{CASES} differs (uncommitted changes here)" in refused.stderr, refused.stderr
    assert "is not the code rnn_forward is graded with (recorded by " in refused.stderr
    assert "--new-grading-code" in refused.stderr and "Traceback" not in refused.stderr
    assert outcomes(ws) == ["alice"]  # no one graded

    config = ws.root / "nbgrader_config.py"
    saved = config.read_text()
    config.write_text(saved + "\nc.Execute.timeout = 30\n")
    refused = grade(ws, "bob")
    assert refused.returncode == 1 and "nbgrader_config.py of the course directory differs: copy the course's " \
        "nbgrader_config.py to every machine" in refused.stderr, refused.stderr
    config.write_text(saved)

    # a machine pointed at another gradebook draws other hidden cases: the course directory's record says so
    elsewhere = f"sqlite:///{tmp_path / 'other gradebook.db'}"
    Workspace(ws.root, elsewhere).generate(ASSIGNMENT)
    refused = grade(ws, "bob", db_url=elsewhere)
    assert refused.returncode == 1, refused.stderr
    assert "the course secret (its digest) differs: is this machine's gradebook the class's? (RNN_COURSE_DB_URL)" \
        in refused.stderr and "in reports/rnn_forward/grading-code.json" in refused.stderr, refused.stderr
    assert outcomes(ws) == ["alice"]

    # changed on purpose: that machine's code becomes the assignment's, and this checkout's is refused
    renewed = grade(ws, "bob", "--new-grading-code", code=other)
    assert renewed.returncode == 0, renewed.stderr
    assert f"note: grading with uncommitted changes to {CASES}" in renewed.stderr, renewed.stderr
    refused = grade(ws, "carol")
    assert refused.returncode == 1 and f"{CASES} differs" in refused.stderr, refused.stderr
    assert outcomes(ws) == ["alice", "bob"]
    nothing_to_do = grade(ws, "alice")  # grading no one compares nothing
    assert nothing_to_do.returncode == 0 and "0 to grade" in nothing_to_do.stderr, nothing_to_do.stderr
