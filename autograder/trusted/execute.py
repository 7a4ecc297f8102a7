"""Trusted grading: nbgrader preprocessors whose test verdicts the graded code cannot reach.

nbgrader's Execute runs the student's code and the tests in one kernel and reads the verdict from the
test cell's output, so a submission can forge it. TrustedExecute replaces Execute in
`c.Autograde.autograde_preprocessors`:

  1. the notebook's code cells, except the graded test cells, run in order in one isolated process
     (autograder/sandbox/box.py: bubblewrap, no network, grading code and gradebook hidden, limits), which
     records each cell's outputs for the autograded notebook and the feedback;
  2. after the last cell, this process, which never runs student code, sends the cases (autograder/key/cases.py)
     of each graded test cell (grade_id "test_<function>") to the student's function in the sandbox (every
     function's visible cases before any hidden one), compares what comes back (plain arrays only) with
     course.checking.check_case, and writes the cell's output itself: a pass line, or a SelfCheckFailed
     error holding the diagnosis. nbgrader's SaveAutoGrades then scores the cell as usual (an error output
     is 0 points);
  3. any other graded test cell, an instructor's own (asserts, partial credit), runs in this process between
     the visible and the hidden checks, on stand-ins of the names it reads from the student's notebook
     (autograder/trusted/standins.py: plain values as they were at the cell, functions called in the sandbox), and its
     outputs are made as a kernel would make them (autograder/trusted/instructor_tests.py); nbgrader scores them.

While a function is graded, the student functions it calls (course.signatures.DEPENDENCIES) are answered
by the reference in this process (an "oracle"), so one mistake costs only its own test; the reference
never enters the sandbox. The reference is loaded from bytes whose digest is verified first, so nothing a
submission did to the file (or to its cached bytecode) changes anyone's grade.
"""
import os
import time
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor
from sqlalchemy.exc import SQLAlchemyError
from traitlets import Bool, List, Unicode

from autograder.core.errors import TrustedGradingError, UnsafeSubmission
from autograder.core.limits import GradingLimits
from autograder.core.submitted import unsafe_entry
from autograder.gradebook.layout import assignment_cells
from autograder.key.verified import verified_reference
from autograder.sandbox.launch import SandboxError
from autograder.trusted import course_checks, draws
from autograder.trusted.case_sets import grade_case_sets
from autograder.trusted.notebook_run import NotebookRun
from autograder.trusted.secret import course_secret, draw_name, hidden_seed, notebook_code
from autograder.trusted.standins import (
    student_bound,
)
from autograder.trusted.test_cells import (
    GRADERS_NAMES,
    bound_names,
    graded_function,
    instructor_phase,
    is_test_cell,
    prepare_test,
    run_tests,
)

# --- the reference, by a verified path ---------------------------------------------------------------


# --- one notebook in one sandbox -----------------------------------------------------------------------


# --- grading a test cell -------------------------------------------------------------------------------


STOPPED_KEY = "autograder"  # cell metadata: {"stopped": "timeout" | "memory" | "died" | "output"}


class TrustedExecute(NbGraderPreprocessor):
    """Runs the notebook in a sandbox and computes every graded test cell's verdict outside it."""

    hidden_paths = List(Unicode(), help=(
        "More directories the student's code must not see (copies of the course, other classes' submissions); "
        "the course and nbgrader directories, the gradebook's directory and the grader's home always are.")
    ).tag(config=True)
    redraw = Bool(False, help="Grade afresh a notebook whose same code was graded before by the same grading "
                               "code, instead of replaying that grading's verdicts (after a stop that the "
                               "machine's load caused, say). Its hidden cases are then drawn afresh: no sandbox is "
                               "handed a draw another sandbox had (autograder/trusted/draws.py).").tag(config=True)
    reference_sha256 = Unicode("", help="digest that autograder/key/reference/ must have (python -m "
                                        "autograder.key.verified prints it); empty: the committed "
                                        "version (git HEAD).").tag(config=True)

    def _hidden_dirs(self, resources):
        """The nbgrader course directory (gradebook, submitted/, autograded/, source/, feedback/) and the
        directory of a SQLite gradebook, wherever they are."""
        root = self.config.CourseDirectory.get("root") or os.getcwd()  # nbgrader runs in the course directory
        dirs = [Path(root).resolve(), Path(resources.get("metadata", {}).get("path") or root).resolve(),
                *(Path(p) for p in self.hidden_paths)]
        db_url = str(self.config.CourseDirectory.get("db_url") or "")
        if db_url.startswith("sqlite:///"):
            dirs.append(Path(db_url[len("sqlite:///"):]).resolve().parent)
        return dirs

    def _gradebook(self, resources):
        """(db_url, course_id) of the gradebook, where the course secret, the draws and the test cells are."""
        db_url = resources.get("nbgrader", {}).get("db_url") or self.config.CourseDirectory.get("db_url")
        return db_url, self.config.CourseDirectory.get("course_id") or "default_course"

    def _draw(self, nb, resources, timeout, redraw=False):
        """(draw name, seed of its hidden cases, verdicts kept from its finished grading or None): see
        autograder/trusted/draws.py. The course secret and the draws are kept in the gradebook."""
        ids = resources.get("nbgrader", {})
        db_url, course_id = self._gradebook(resources)
        if not db_url:
            raise TrustedGradingError("trusted grading needs the gradebook (CourseDirectory.db_url), where the "
                                      "course secret that draws each student's hidden cases is kept")
        who = (str(ids.get("assignment", "")), str(ids.get("student", "")), notebook_code(nb))
        grading = draws.grading(timeout, GradingLimits.of(self.config).sandbox_memory_mb)
        try:
            secret = course_secret(db_url, course_id)
            name = draw_name(secret, *who, grading)
            started, kept = draws.start(db_url, course_id, name, self.redraw or redraw)
        except SQLAlchemyError as exc:  # the grader's trouble, not the student's: stop, score no one
            raise TrustedGradingError(f"could not read or store the course secret or the draw in the gradebook "
                                      f"({type(exc).__name__}: {str(exc).splitlines()[0][:300]})") from None
        return name, hidden_seed(secret, *who, grading, started), kept

    def _draw_or_replay(self, nb, resources, timeout):
        """(draw name, seed, whether the kept verdicts were written into `nb`). Verdicts that do not fit the
        notebook were kept for other code: it is graded on a draw of its own, never on theirs."""
        draw, seed, kept = self._draw(nb, resources, timeout)
        if kept is not None and not self._replay(nb, kept):
            draw, seed, kept = self._draw(nb, resources, timeout, redraw=True)
        return draw, seed, kept is not None

    def _keep(self, nb, resources, name):
        """Keep what this grading wrote into the code cells, for a later grading of the same draw to replay."""
        db_url, course_id = self._gradebook(resources)
        verdicts = [{"count": cell.get("execution_count"), "outputs": cell.outputs,
                     "stopped": cell.metadata.get(STOPPED_KEY)} for cell in nb.cells if cell.cell_type == "code"]
        try:
            draws.finish(db_url, course_id, name, verdicts)
        except SQLAlchemyError as exc:  # not kept: the next grading draws afresh, so nothing is lost
            self.log.warning("could not keep the verdicts of %s in the gradebook (%s)",
                             resources.get("unique_key", "notebook"), type(exc).__name__)

    @staticmethod
    def _replay(nb, verdicts):
        """Write the kept `verdicts` into the code cells; False (nothing written) when they do not fit."""
        cells = [cell for cell in nb.cells if cell.cell_type == "code"]
        if len(cells) != len(verdicts):
            return False
        for cell, kept in zip(cells, verdicts):
            cell.execution_count = kept["count"]
            cell.outputs = [nbformat.from_dict(o) for o in kept["outputs"]]
            cell.metadata.pop(STOPPED_KEY, None)
            if kept["stopped"]:
                cell.metadata[STOPPED_KEY] = kept["stopped"]
        return True

    def _test_sources(self, resources):
        """{grade id: source} of the notebook's cells in the gradebook (hidden tests included): the only code
        this process runs. A graded cell that is not one of them (a notebook the gradebook does not know, in
        which nothing restored the cells) is never run."""
        ids = resources.get("nbgrader", {})
        db_url, _ = self._gradebook(resources)
        try:
            with Gradebook(db_url) as gradebook:
                cells = assignment_cells(gradebook, str(ids.get("notebook", "")), str(ids.get("assignment", "")))
        except SQLAlchemyError as exc:
            raise TrustedGradingError(f"could not read the test cells from the gradebook "
                                      f"({type(exc).__name__}: {str(exc).splitlines()[0][:300]})") from None
        return {name: cell["source"] for name, cell in cells.items() if cell["meta"]["grade"]}

    def _check_submission(self, resources):
        """Plain `nbgrader autograde` copies a submission following its links before this step runs (a link
        to the source notebook was graded 8/8); refusing here makes nbgrader drop what it copied.
        autograder.batch.grade refuses such a submission before nbgrader sees it."""
        ids = resources.get("nbgrader", {})
        root = self.config.CourseDirectory.get("root") or os.getcwd()
        folder = (Path(root) / (self.config.CourseDirectory.get("submitted_directory") or "submitted")
                  / str(ids.get("student", "")) / str(ids.get("assignment", "")))
        unsafe = unsafe_entry(folder) if ids.get("student") and folder.is_dir() else None
        if unsafe:
            raise UnsafeSubmission(f"{folder}: {unsafe}; not graded")

    def preprocess(self, nb, resources):
        self._check_submission(resources)
        reference = verified_reference(self.reference_sha256)
        limits = GradingLimits.of(self.config)
        timeout = limits.cell_timeout
        draw, seed, replayed = self._draw_or_replay(nb, resources, timeout)
        if replayed:
            self.log.info("%s: the same code was graded to the end before, by the same grading code: its verdicts "
                          "are replayed (no sandbox is handed the same hidden cases twice)",
                          resources.get("unique_key", "notebook"))
            return nb, resources
        started = time.monotonic()
        run = NotebookRun(self._hidden_dirs(resources), limits.sandbox_memory_mb << 20, timeout,
                          limits.sandbox_processes)
        try:
            # Every cell runs first; graded functions are kept as they are at their test cells and called
            # only after the last cell, so no student code runs after hidden inputs entered the sandbox
            # (a later cell could otherwise print them into the feedback).
            tests, course_tests, instructor_tests, snapshots = [], [], [], 0
            sources = self._test_sources(resources) if any(map(is_test_cell, nb.cells)) else {}
            count, bound_by_tests, student_names = 0, set(), set()
            for cell in nb.cells:
                # The grader's record of how it stopped a cell (autograder.batch.student names the stops from
                # it): set here only, whatever the submission holds, never read from the cell's outputs,
                # which the student's code can make look like any stop (an exception class of any name).
                cell.metadata.pop(STOPPED_KEY, None)
                if cell.cell_type != "code":
                    continue
                count += 1
                cell.execution_count = count
                if not is_test_cell(cell):
                    student_names |= student_bound(cell.source)
                    cell.outputs = run.run_cell(cell.source, count)
                    if run.stopped:
                        cell.metadata[STOPPED_KEY] = {"stopped": run.stopped}
                    continue
                graded = graded_function(cell)
                if graded is None:  # what an earlier test cell bound is the test's, not the student's
                    instructor_tests.append(prepare_test(run, cell, snapshots, sources,
                                                          bound_by_tests | {"hidden_rng"},
                                                          student_names=student_names))
                    bound_by_tests |= bound_names(cell.source)
                else:
                    run.keep(graded[0])
                    tests.append((cell, *graded))
                    course_tests.append(prepare_test(run, cell, snapshots, sources, GRADERS_NAMES, graded[0],
                                                      student_names))
                snapshots += 1
            verdicts = grade_case_sets(run, reference, tests, seed,
                                       between=lambda: instructor_phase(run, instructor_tests, seed))
            run_tests(run, course_tests, course_checks.helpers(verdicts))
        except SandboxError as exc:
            raise TrustedGradingError(str(exc)) from None
        finally:
            run.close()
        self._keep(nb, resources, draw)
        self.log.info("Trusted grading of %s took %.1f s", resources.get("unique_key", "notebook"),
                      time.monotonic() - started)
        return nb, resources
