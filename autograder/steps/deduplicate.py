"""nbgrader's DeduplicateIds, mended: a notebook with a copied graded cell is graded, not failed.

A student who copies a cell in JupyterLab copies its nbgrader metadata, grade id included. nbgrader's
autograde keeps the last cell of each grade id and should make the others plain cells, but it sets their
metadata to {} instead of removing it; CheckCellMetadata then reads {} as metadata of schema version 0 and
fails the whole notebook with "Outdated schema version: 0 (expected 3)" and advice to run `nbgrader update`
(jupyter/nbgrader#1083, open). Removing the metadata is what DeduplicateIds means to do.
"""
from nbgrader import utils
from nbgrader.preprocessors import DeduplicateIds


class KeepLastOfEachGradeId(DeduplicateIds):
    """DeduplicateIds (it runs over the cells in reverse order), with every earlier copy of a grade id's
    cell made a plain cell."""

    def preprocess_cell(self, cell, resources, cell_index):
        if utils.is_grade(cell) or utils.is_solution(cell) or utils.is_locked(cell):
            grade_id = cell.metadata.nbgrader["grade_id"]
            if grade_id in self.grade_ids:
                self.log.warning("Cell with id '%s' exists multiple times: the last one is graded", grade_id)
                del cell.metadata["nbgrader"]
            else:
                self.grade_ids.add(grade_id)
        return cell, resources

