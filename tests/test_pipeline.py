"""The nbgrader pipeline on the course directory: release/ is current, sources validate,
the instructor's solution earns full marks and an untouched release earns zero."""
import pytest

from autograder.submissions import fill, read, solution_code
from autograder.workspace import COURSE_ROOT, Workspace
from conftest import ASSIGNMENTS


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
    assert notebooks(committed) == notebooks(fresh), "run ./run python -m autograder.release"
    for name in notebooks(fresh):
        assert essence(read(committed / name)) == essence(read(fresh / name)), (
            f"release/{assignment}/{name} is stale: run ./run python -m autograder.release")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_notebooks_validate(workspace, assignment):
    for name in notebooks(COURSE_ROOT / "source" / assignment):
        proc = workspace.nbgrader("validate", str(COURSE_ROOT / "source" / assignment / name), check=False)
        assert "Success! Your notebook passes all the tests." in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_full_marks_and_release_zero(workspace, assignment):
    release = workspace.root / "release" / assignment
    solved = {n[:-6]: fill(read(release / n), solution_code(read(COURSE_ROOT / "source" / assignment / n)))
              for n in notebooks(release)}
    untouched = {n[:-6]: read(release / n) for n in notebooks(release)}
    workspace.submit("instructor", assignment, solved)
    workspace.submit("untouched", assignment, untouched)
    workspace.autograde(assignment)
    scores = workspace.scores(assignment)
    assert scores["instructor"] and all(s == m for s, m in scores["instructor"].values()), scores["instructor"]
    assert all(s == 0 for s, _ in scores["untouched"].values()), scores["untouched"]
