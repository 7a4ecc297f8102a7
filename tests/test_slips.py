"""An honest slip costs at most the cells it touched: a submission whose nbgrader flags were changed by
accident is graded (autograder/steps/restore.py), and a student who changes them on purpose gains nothing."""
import copy
import re

import nbformat
import pytest
from test_batch import ASSIGNMENT, grade

from autograder.commands.samples import sample_submissions
from autograder.commands.workspace import Workspace


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
    hidden_test = copy.deepcopy(bob)  # the failing test made a plain cell that checks nothing
    del cell_of(hidden_test, "test_rnn_cell_forward").metadata["nbgrader"]
    next(c for c in hidden_test.cells if c.source == 'check("rnn_cell_forward", rnn_cell_forward)').source = "pass"
    forger = copy.deepcopy(alice)  # errors named as the grader's stops, raised by the student's own code
    for grade_id, code in [("softmax", "class CellTimeoutError(Exception):\n    pass\nraise CellTimeoutError('60 s')"),
                           ("rnn_cell_forward", "raise MemoryError()"),
                           ("rnn_forward", "class DeadKernelError(Exception):\n    pass\nraise DeadKernelError()")]:
        cell_of(forger, grade_id).source += "\n" + code
    cell_of(forger, "imports").metadata["autograder"] = {"stopped": "timeout"}  # the grader's record, forged
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
        "bob_hid_the_test": (hidden_test, {**FULL, "test_rnn_cell_forward": None}, "failed test_rnn_cell_forward"),
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
    assert re.fullmatch(r"forger +8/12 +all tests passed \(cell rnn_cell_forward raised MemoryError \(memory cap: "
                        r"\d+ MB\)\); 4 points await manual grading \(q_saturation, q_radius\)",
                        table["forger"]), table["forger"]
    assert "a cell with an odd grade id is not a cell of the assignment" in table["strangers"], table["strangers"]


def test_plain_nbgrader_autograde_restores_the_flags_too(graded):
    ws, _, _ = graded
    proc = ws.autograde(ASSIGNMENT, "--student", "grade_off")
    assert "test_softmax's nbgrader metadata was restored" in proc.stderr + proc.stdout
    assert sum(auto for auto, _ in ws.scores(ASSIGNMENT)["grade_off"].values()) == 8


def _assignment():
    """assignment_cells() of a made-up notebook: a locked cell, an answer cell and its test cell."""
    def meta(grade_id, grade, solution, locked, points=None):
        m = {"grade": grade, "grade_id": grade_id, "locked": locked, "solution": solution, "task": False,
             "schema_version": 3, "cell_type": "code", "checksum": "0"}
        return {**m, "points": points} if points is not None else m
    return {"imports": {"meta": meta("imports", False, False, True), "source": "import numpy as np",
                        "released": "import numpy as np"},
            "f": {"meta": meta("f", False, True, False), "source": "", "released": ""},
            "test_f": {"meta": meta("test_f", True, False, True, 2), "source": "### BEGIN HIDDEN TESTS\nhidden()\n"
                       "### END HIDDEN TESTS\ncheck(f)", "released": "check(f)"}}


def test_restore_says_what_it_changed_and_nothing_when_nothing_changed():
    from autograder.steps.restore import restore

    cells = _assignment()
    def notebook(*metas, sources=("import numpy as np", "def f(): pass", "check(f)")):
        return nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_code_cell(src, metadata={"nbgrader": dict(m)} if m is not None else {})
            for src, m in zip(sources, metas)])
    metas = [dict(c["meta"]) for c in cells.values()]
    assert restore(notebook(*metas), cells) == []
    assert restore(notebook(metas[0], metas[1], {**metas[2], "points": 200}), cells) == [
        "cell test_f's nbgrader metadata was restored from the assignment (its `points` had been changed)"]
    nb = notebook(metas[0], {}, None)  # DeduplicateIds' leftover {}; a test cell without its metadata
    assert restore(nb, cells) == [
        "cell test_f's nbgrader metadata was restored from the assignment (its nbgrader metadata had been deleted)"]
    assert "nbgrader" not in nb.cells[1].metadata and nb.cells[2].metadata.nbgrader["grade"]
    assert "hidden()" in nb.cells[2].source  # the test as the gradebook has it, as OverwriteCells restores it
    # the one cell that lost its grade id is the one cell of the assignment missing, if it is of its type
    nb = notebook(metas[0], metas[1], {**metas[2], "grade_id": ""}, sources=("import numpy as np", "", "edited"))
    assert restore(nb, cells) == [
        "cell test_f's nbgrader metadata was restored from the assignment (its grade id had been deleted)"]
    nb = notebook(metas[0], metas[1])
    nb.cells.append(nbformat.v4.new_markdown_cell("notes", metadata={"nbgrader": {"grade": True, "points": 9}}))
    assert restore(nb, cells) == ["a cell with nbgrader flags but no grade id was graded as a plain cell"]
    assert "nbgrader" not in nb.cells[2].metadata


def test_the_graders_records_are_read_only_from_a_pipeline_that_writes_them(tmp_path):
    # Without RestoreCellMetadata or TrustedExecute in the pipeline, the same metadata is the submission's own.
    from traitlets.config import Config

    from autograder.batch.autograded import inspect_autograded, recorded_by
    from autograder.core.paths import COURSE_ROOT
    from autograder.gradebook.config import load_config

    cell = nbformat.v4.new_code_cell("x", metadata={"autograder": {"stopped": "timeout"}})
    nb = nbformat.v4.new_notebook(cells=[cell], metadata={"autograder": {"restored": ["100 bonus points"]}})
    nbformat.write(nb, str(tmp_path / "nb.ipynb"))
    limits = {"timeout": 5, "memory_mb": 100}
    assert recorded_by(load_config(COURSE_ROOT)) == {"restored": True, "stops": True}
    assert inspect_autograded(tmp_path / "nb.ipynb", limits, recorded_by(load_config(COURSE_ROOT)))[0] == [
        "100 bonus points", "cell 1 was stopped after the 5 s per-cell limit"]
    assert inspect_autograded(tmp_path / "nb.ipynb", limits, recorded_by(Config())) == ([], {})
