"""nbgrader configuration of the course; this directory is the course directory."""
import os

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearHiddenTests,
    ClearMarkScheme,
    ClearOutput,
    ClearSolutions,
    ComputeChecksums,
    GetGrades,
    IgnorePattern,
    IncludeHeaderFooter,
    InstantiateTests,
    LimitOutput,
    LockCells,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
    SaveCells,
)
from nbgrader.validator import Validator

from autograder.core.safe_html import EscapeStudentHtml
from autograder.steps.check_test_cells import CheckTestCells
from autograder.steps.deduplicate import KeepLastOfEachGradeId
from autograder.steps.feedback import FeedbackExporter
from autograder.steps.mark_pending import MarkPendingGrades
from autograder.steps.restore import RestoreCellMetadata
from autograder.trusted.execute import TrustedExecute

c = get_config()  # noqa: F821 (nbgrader provides get_config when it reads this file)

c.CourseDirectory.course_id = "rnn-from-scratch"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.db_url = os.environ.get(
    "RNN_COURSE_DB_URL", "sqlite:///" + os.path.join(c.CourseDirectory.root, "gradebook.db"))
c.CourseDirectory.assignment_id = ""

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Trusted grading (autograder/trusted/execute.py): TrustedExecute takes the place of nbgrader's Execute. It runs the
# student's cells in a bubblewrap sandbox and computes each test cell's verdict outside it, so submitted code
# cannot forge a pass; EscapeStudentHtml shows the HTML of the student's markdown as text (formgrader renders
# it as it is: a <script> in a written answer ran as the instructor); the steps after it are nbgrader's
# defaults. To grade with plain nbgrader instead (the hidden tests then run in the student's kernel, see
# autograder/key/hidden.py), delete this setting.
c.Autograde.autograde_preprocessors = [
    TrustedExecute, EscapeStudentHtml, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
    AssignLatePenalties, CheckCellMetadata]
# nbgrader's defaults, but neither a changed nbgrader flag nor a copied graded cell (same grade id twice) fails
# the whole notebook: every cell's flags come from the gradebook (autograder/steps/restore.py; first, so that the
# steps after it see the assignment's flags), and the last copy of a cell is graded (autograder/steps/deduplicate.py).
c.Autograde.sanitize_preprocessors = [
    ClearOutput, RestoreCellMetadata, KeepLastOfEachGradeId, OverwriteKernelspec, OverwriteCells, CheckCellMetadata]
# The reference must be the committed autograder/key/reference/; outside git, give its digest instead
# (python -m autograder.key.verified prints it).
c.TrustedExecute.reference_sha256 = os.environ.get("RNN_REFERENCE_SHA256", "")

# nbgrader's release steps, and first of all a refusal of any test cell that trusted grading cannot grade
# (autograder/steps/check_test_cells.py), so an instructor learns it at release, not while grading a class.
c.GenerateAssignment.preprocessors = [
    IncludeHeaderFooter, InstantiateTests, CheckTestCells, LockCells, ClearSolutions, ClearOutput, CheckCellMetadata,
    ComputeChecksums, SaveCells, ClearHiddenTests, ClearMarkScheme, ComputeChecksums, CheckCellMetadata]

# `nbgrader validate` refuses such a cell too (on a source notebook, before any release). nbgrader's Validator
# has no setting for its steps, so the check goes first into its default list.
_validate_steps = Validator.class_traits()["preprocessors"].default_args[0]
if CheckTestCells not in _validate_steps:
    _validate_steps.insert(0, CheckTestCells)

# Feedback must never show hidden-test source; nbgrader 0.9 keeps it unless told otherwise. A written answer that
# awaits manual grading is shown as such, not as "Score: 0.0 / 2.0" (autograder/steps/mark_pending.py).
c.GenerateFeedback.preprocessors = [GetGrades, MarkPendingGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
c.ClearHiddenTests.enforce_metadata = False
# nbconvert's pages, without its repeated work per student (autograder/steps/feedback.py).
c.GenerateFeedback.exporter_class = FeedbackExporter

# `nbgrader export` writes grades.csv with nbgrader's columns, quoted where a field holds a comma
# (autograder/gradebook/grades_csv.py); other formats:
# --exporter=autograder.gradebook.lms_canvas.CanvasExportPlugin (Canvas),
# --exporter=autograder.gradebook.lms_moodle.MoodleExportPlugin (Moodle).
c.ExportApp.plugin_class = "autograder.gradebook.grades_csv.GradesCsvExportPlugin"

# Seconds per cell, for nbgrader's own Execute too; TrustedExecute uses it for each cell and each graded call.
c.Execute.timeout = 60
# The sandbox's other limits (autograder/core/limits.py has each with its default), for example:
# c.GradingLimits.sandbox_memory_mb = 2048  # memory of the sandboxed notebook
# c.GradingLimits.sandbox_processes = 256  # its processes and threads

# `nbgrader collect` records a submission at the time its files show, not only the time the student's own
# `nbgrader submit` wrote (which the student can rewrite): late penalties hold (autograder/steps/collect.py).
c.ExchangeFactory.collect = "autograder.steps.collect.CollectAtFileTimes"
