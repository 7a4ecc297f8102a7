"""Restore the nbgrader metadata of a submission's cells from the assignment, so one flag changed by accident
costs at most the cells it touched, never the whole notebook.

JupyterLab lets a student change a cell's nbgrader flags (its "Create Assignment" toolbar, the metadata
editor, a paste). nbgrader's OverwriteCells then restores only `locked`, `points` and the locked cells'
sources, and fails the notebook on the rest: a test cell whose `grade` was switched off fails with
"Inconsistent checksums", a solution cell switched to graded with MissingEntry, a cell without its grade id
with a KeyError, an unknown grade id with corrupted metadata. The gradebook knows every cell of the
assignment (generate_assignment records them), so the flags need not be trusted at all: they are taken
from it by grade id. A student therefore cannot gain anything by setting them either.
"""
import re

from nbformat import NotebookNode
from nbgrader.api import Gradebook
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor

from autograder.gradebook.layout import assignment_cells

FLAGS = ("grade", "solution", "locked", "task")


def restore(nb, cells):
    """Give every cell of `nb` with a grade id of the assignment `cells` (assignment_cells()) that cell's
    nbgrader metadata, and every locked one its source; make cells with unknown grade ids plain cells.
    Returns a note for each cell that was changed, for the student's reason."""
    notes = []
    for cell in nb.cells:  # nbgrader metadata that is not even a dict (nbformat's schema allows it) says nothing
        if "nbgrader" in cell.metadata and not isinstance(cell.metadata["nbgrader"], dict):
            cell.metadata["nbgrader"] = {"grade_id": None}
    present = {_grade_id(c) for c in nb.cells} - {None}
    missing = [name for name in cells if name not in present]
    idless = sum(1 for c in nb.cells if c.metadata.get("nbgrader") and _grade_id(c) is None)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader") == {}:  # what nbgrader's DeduplicateIds leaves: no cell of the assignment
            del cell.metadata["nbgrader"]
        meta = cell.metadata.get("nbgrader")
        grade_id = _grade_id(cell)
        if grade_id is None:
            # A cell that lost its grade id (or all its nbgrader metadata) is found again by its source,
            # which a locked cell keeps; a cell without nbgrader metadata that matches nothing is just a cell.
            name = next((n for n in missing if cells[n]["meta"]["locked"] and cells[n]["meta"]["cell_type"] ==
                         cell.cell_type and cells[n]["released"].strip() == cell.source.strip()), None)
            if name is None and meta is not None and len(missing) == 1 and idless == 1 \
                    and cells[missing[0]]["meta"]["cell_type"] == cell.cell_type:
                name = missing[0]  # the only cell of the assignment without its grade id: that is it
            if name is not None:
                missing.remove(name)
                _restore_cell(cell, cells[name])
                notes.append(f"cell {name}'s nbgrader metadata was restored from the assignment (its "
                             f"{'grade id' if meta is not None else 'nbgrader metadata'} had been deleted)")
            elif meta is not None:
                del cell.metadata["nbgrader"]
                notes.append("a cell with nbgrader flags but no grade id was graded as a plain cell")
        elif grade_id not in cells:
            # No cell of the assignment has this id: nothing it says can be checked, and nbgrader fails the
            # notebook on it (OverwriteCells deletes only the id, CheckCellMetadata then refuses the rest).
            del cell.metadata["nbgrader"]
            notes.append(f"{_shown(grade_id)} is not a cell of the assignment: its nbgrader metadata was "
                         "removed and it was graded as a plain cell")
        else:
            expected = cells[grade_id]["meta"]
            changed = [flag for flag in FLAGS if _flag(meta, flag) != _flag(expected, flag)]
            if not changed and _points(meta) != _points(expected):  # points of a cell graded either way
                changed.append("points")
            _restore_cell(cell, cells[grade_id])
            if changed:
                flags = " and ".join(f"`{flag}`" for flag in changed)
                noun = "" if changed == ["points"] else " flag" if len(changed) == 1 else " flags"
                notes.append(f"cell {grade_id}'s nbgrader metadata was restored from the assignment (its "
                             f"{flags}{noun} had been changed)")
    return notes


def _grade_id(cell):
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    return grade_id if isinstance(grade_id, str) and grade_id else None


def _flag(meta, flag):
    return bool(meta.get(flag, False))


def _points(meta):
    try:
        return float(meta.get("points", 0))
    except (TypeError, ValueError):
        return None


def _restore_cell(cell, expected):
    """Set the assignment's nbgrader metadata (and a locked cell's source); the cell type is left to
    OverwriteCells, which also converts the cell."""
    cell.metadata["nbgrader"] = dict(expected["meta"])
    if expected["meta"]["locked"] and cell.source != expected["source"]:
        cell.source = expected["source"]


def _shown(grade_id):
    """A grade id the student typed, as it may appear in the reason: a plain name, else a placeholder."""
    return f"cell {grade_id}" if re.fullmatch(r"[\w.-]{1,60}", grade_id) else "a cell with an odd grade id"


class RestoreCellMetadata(NbGraderPreprocessor):
    """Sanitize step: the nbgrader metadata of every cell of the assignment comes from the gradebook
    (before KeepLastOfEachGradeId, so a copied cell with changed flags is still seen as a copy, and before
    OverwriteCells and CheckCellMetadata, which fail a notebook on changed flags). What was restored is
    logged and kept in the notebook's metadata (`autograder.restored`) for the student's reason."""

    def preprocess(self, nb, resources):
        ids = resources["nbgrader"]
        self._hider = ClearHiddenTests(parent=self)
        with Gradebook(ids["db_url"]) as gradebook:
            cells = assignment_cells(gradebook, ids["notebook"], ids["assignment"], self._released)
        notes = restore(nb, cells) if cells else []
        for note in notes:
            self.log.warning("%s: %s", ids["notebook"], note)
        # Set whole, every time: the submission's own metadata must not add notes of its own.
        nb.metadata["autograder"] = {"restored": notes}
        return nb, resources

    def _released(self, source):
        """The source without its hidden tests, cut as generate_assignment cuts them (ClearHiddenTests,
        with this course's delimiters)."""
        cell = NotebookNode(source=source, cell_type="code", metadata={})
        try:
            self._hider._remove_hidden_test_region(cell)
        except RuntimeError:  # unbalanced delimiters: generate_assignment would have refused the cell
            return source
        return cell.source
