"""An honest slip costs at most the cells it touched: a submission whose nbgrader flags were changed by
accident is graded (autograder/restore.py), and a student who changes them on purpose gains nothing."""
import copy
import re

import nbformat
import pytest
from test_batch import ASSIGNMENT, grade

from autograder.samples import sample_submissions
from autograder.workspace import Workspace


def cell_of(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def slipped(nb, cell_id, **changes):
    """A copy of `nb` whose cell `cell_id` has its nbgrader metadata changed (None: the key deleted)."""
    nb = copy.deepcopy(nb)
    meta = cell_of(nb, cell_id).metadata.nbgrader
    for key, value in changes.items():
        if value is None:
            del meta[key]
        else:
            meta[key] = value
    return nb


def with_stranger_cells(nb):
    """A markdown cell and a code cell that gained nbgrader metadata of cells the assignment does not have."""
    nb = copy.deepcopy(nb)
    meta = {"grade": True, "grade_id": "my_notes", "locked": False, "points": 5, "schema_version": 3,
            "solution": True, "task": False}
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("My notes", metadata={"nbgrader": meta}))
    nb.cells.insert(2, nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": {**meta, "grade_id": "bonus\nline"}}))
    return nb


FULL = {"test_softmax": 2, "test_rnn_cell_forward": 3, "test_rnn_forward": 3}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    ws = Workspace.create(tmp_path_factory.mktemp("slips") / "course", [ASSIGNMENT])
    ws.generate(ASSIGNMENT)
    samples = sample_submissions(ws, ASSIGNMENT, ["alice", "bob"])
    alice, bob = samples["alice"][ASSIGNMENT], samples["bob"][ASSIGNMENT]
    no_meta = copy.deepcopy(alice)
    del cell_of(no_meta, "test_rnn_forward").metadata["nbgrader"]
    forged = copy.deepcopy(alice)  # notes of its own, as if the grader had written them
    forged.metadata["autograder"] = {"restored": ["all tests passed with 100 bonus points"]}
    edited = slipped(alice, "test_rnn_forward", locked=False)
    cell_of(edited, "test_rnn_forward").source = "pass  # the test, deleted"
    forger = copy.deepcopy(alice)  # errors named as the grader's stops, raised by the student's own code
    for grade_id, code in [("softmax", "class CellTimeoutError(Exception):\n    pass\nraise CellTimeoutError('60 s')"),
                           ("rnn_cell_forward", "raise MemoryError()"),
                           ("rnn_forward", "class DeadKernelError(Exception):\n    pass\nraise DeadKernelError()")]:
        cell_of(forger, grade_id).source += "\n" + code
    # student: (the notebook, {test: points it must get}, words its reason must contain)
    students = {
        "grade_off": (slipped(alice, "test_softmax", grade=False), FULL,
                      "cell test_softmax's nbgrader metadata was restored from the assignment (its `grade` flag "
                      "had been changed)"),
        "solution_off": (slipped(alice, "softmax", solution=False), FULL, "(its `solution` flag had been changed)"),
        "imports_unlocked": (slipped(alice, "imports", locked=False), FULL, "cell imports's nbgrader metadata"),
        "test_unlocked": (edited, FULL, "cell test_rnn_forward's nbgrader metadata"),
        "id_deleted": (slipped(alice, "test_softmax", grade_id=None), FULL, "(its grade id had been deleted)"),
        "meta_deleted": (no_meta, FULL, "(its nbgrader metadata had been deleted)"),
        "solution_graded": (slipped(alice, "softmax", grade=True, points=2), FULL,
                            "(its `grade` flag had been changed)"),
        "strangers": (with_stranger_cells(alice), FULL, "cell my_notes is not a cell of the assignment"),
        "forged_note": (forged, FULL, "all tests passed"),
        "forger": (forger, FULL, "all tests passed"),
        # cheat twins of bob, whose rnn_cell_forward is wrong (5/8): flags changed to gain points
        "bob": (bob, {**FULL, "test_rnn_cell_forward": 0}, "failed test_rnn_cell_forward"),
        "bob_ungraded": (slipped(bob, "test_rnn_cell_forward", grade=False), {**FULL, "test_rnn_cell_forward": 0},
                         "failed test_rnn_cell_forward"),
        "bob_self_graded": (slipped(bob, "rnn_cell_forward", grade=True, points=10, solution=False),
                            {**FULL, "test_rnn_cell_forward": 0}, "failed test_rnn_cell_forward"),
    }
    for student, (nb, _, _) in students.items():
        ws.submit(student, ASSIGNMENT, {ASSIGNMENT: nb})
    proc = grade(ws, "--no-report")
    return ws, students, proc


def test_a_changed_flag_costs_at_most_its_cell_and_the_reason_says_what_was_restored(graded):
    ws, students, proc = graded
    scores = ws.scores(ASSIGNMENT)
    table = {line.split()[0]: line for line in proc.stdout.splitlines()[1:] if line.split()}
    for student, (_, expected, says) in students.items():
        got = {test: auto for test, (auto, _) in scores[student].items()}
        assert got == expected, (student, table[student])
        assert {test: most for test, (_, most) in scores[student].items()} == FULL, student  # nothing to gain
        assert says in table[student], table[student]
    assert "restored" not in table["bob"], table["bob"]
    assert "bonus" not in table["forged_note"], table["forged_note"]
    # stops are named from what the grader saw, not from the names of the errors in a cell's outputs
    assert re.fullmatch(r"forger +8/8 +all tests passed \(cell rnn_cell_forward raised MemoryError \(memory cap: "
                        r"\d+ MB\)\)", table["forger"]), table["forger"]
    assert "odd grade id" in table["strangers"], table["strangers"]


def test_plain_nbgrader_autograde_restores_the_flags_too(graded):
    ws, _, _ = graded
    proc = ws.autograde(ASSIGNMENT, "--student", "grade_off")
    assert "test_softmax's nbgrader metadata was restored" in proc.stderr + proc.stdout
    assert sum(auto for auto, _ in ws.scores(ASSIGNMENT)["grade_off"].values()) == 8
