"""The nbgrader pipeline on the course directory: release/ is current, sources validate,
the instructor's solution earns full marks and an untouched release earns zero."""
import json
import os
import shutil
import subprocess

import pytest
from ipykernel.ipkernel import IPythonKernel

from autograder.commands.answers import fill, read, solution
from autograder.commands.workspace import Workspace
from autograder.core.paths import COURSE_ROOT
from conftest import ASSIGNMENTS

pytestmark = pytest.mark.slow  # every test here takes about 5 s or more


def notebooks(folder):
    return sorted(p.name for p in folder.glob("*.ipynb"))


def essence(nb):
    """What must agree between a regenerated and a committed release: cell types, sources, nbgrader metadata."""
    return [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in nb.cells]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    ws = Workspace.create(tmp_path_factory.mktemp("course"), ASSIGNMENTS)
    for a in ASSIGNMENTS:
        ws.generate(a)
    return ws


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_release_equals_regenerated(workspace, assignment):
    fresh, committed = workspace.root / "release" / assignment, COURSE_ROOT / "release" / assignment
    assert notebooks(committed) == notebooks(fresh), "run ./run python -m autograder.commands.release"
    for name in notebooks(fresh):
        assert essence(read(committed / name)) == essence(read(fresh / name)), (
            f"release/{assignment}/{name} is stale: run ./run python -m autograder.commands.release")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_notebooks_validate(workspace, assignment):
    for name in notebooks(COURSE_ROOT / "source" / assignment):
        proc = workspace.nbgrader("validate", str(COURSE_ROOT / "source" / assignment / name), check=False)
        assert "Success! Your notebook passes all the tests." in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_full_marks_and_release_zero(workspace, assignment):
    release = workspace.root / "release" / assignment
    solved = {n[:-6]: fill(read(release / n), solution(read(COURSE_ROOT / "source" / assignment / n)))
              for n in notebooks(release)}
    untouched = {n[:-6]: read(release / n) for n in notebooks(release)}
    workspace.submit("instructor", assignment, solved)
    workspace.submit("untouched", assignment, untouched)
    workspace.autograde(assignment)
    scores = workspace.scores(assignment)
    assert scores["instructor"] and all(s == m for s, m in scores["instructor"].values()), scores["instructor"]
    assert all(s == 0 for s, _ in scores["untouched"].values()), scores["untouched"]
    # the written answers: the instructor's await a grader (no automatic score), the untouched ones score 0
    written = {student: {gid: s for gid, (s, _) in got.items() if gid.startswith("q_")}
               for student, got in workspace.scores(assignment, written=True).items()}
    assert written["instructor"] and set(written["instructor"].values()) == {None}, written
    assert set(written["untouched"].values()) == {0}, written


def test_lab_opens_copies_of_the_release_and_never_overwrites_them(tmp_path):
    # ./run works in the directory it lives in: a copy of it, with this environment and release/
    for name in ("run", "pyproject.toml", "constraints.txt"):
        shutil.copy2(COURSE_ROOT / name, tmp_path / name)
    (tmp_path / ".venv").symlink_to(COURSE_ROOT / ".venv")
    shutil.copytree(COURSE_ROOT / "release", tmp_path / "release")
    answered = tmp_path / "work" / "bptt" / "bptt.ipynb"
    answered.parent.mkdir(parents=True)
    answered.write_text("my answers")

    def lab(*args):
        return subprocess.run([str(tmp_path / "run"), "lab", *args, "--version"], capture_output=True, text=True,
                              check=True, env={**os.environ, "PATH": "/usr/bin:/bin"})

    lab(f"--notebook-dir={tmp_path}")  # a folder of the user's choosing is opened as it is
    assert [p.name for p in (tmp_path / "work").iterdir()] == ["bptt"]
    first = lab()
    assert answered.read_text() == "my answers"
    for assignment in ASSIGNMENTS:
        copy = tmp_path / "work" / assignment / f"{assignment}.ipynb"
        if assignment != "bptt":
            # the release as it is, with the language_info the kernel reports: JupyterLab writes that into a
            # notebook on opening, and a copy that lacked it showed as modified before the student typed anything
            copied, released = (json.loads(p.read_text()) for p in (copy, COURSE_ROOT / "release" / assignment /
                                                                   copy.name))
            assert copied["metadata"].pop("language_info") == IPythonKernel.language_info
            released["metadata"].pop("language_info")
            assert copied == released
            assert f"copied release/{assignment}/{copy.name} to work/{assignment}/{copy.name}" in first.stderr
    assert "bptt" not in first.stderr
    assert "copied" not in lab().stderr  # nothing left to copy (the exchange note may be there)
