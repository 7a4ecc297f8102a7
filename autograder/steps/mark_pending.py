"""An autograde step: written answers awaiting a grader are marked pending, not scored 0."""
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor


class MarkPendingGrades(NbGraderPreprocessor):
    """GenerateFeedback step, after GetGrades: the cells that await manual grading and their points,
    {grade_id: points} in resources["nbgrader"]["pending"], for the page to say so
    (autograder.steps.feedback.pending_marked) instead of "Score: 0.0 / 2.0"."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:  # as nbgrader's GetGrades opens it
            try:
                notebook = gb.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
            except MissingEntry:
                return nb, resources
            pending = {g.name: g.max_score for g in notebook.grades if g.needs_manual_grade}
        present = {cell.metadata.nbgrader.get("grade_id") for cell in nb.cells
                   if isinstance(cell.get("metadata", {}).get("nbgrader"), dict)}
        info["pending"] = {gid: points for gid, points in pending.items() if gid in present}
        return nb, resources
