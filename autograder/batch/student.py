"""A worker of autograder.batch.grade: a process that grades one student at a time with nbgrader's autograde
and describes each outcome (score, problems, diagnoses) for the batch.

Workers are forked from the batch's fork server (autograder.batch.preload), which has imported this module and
taken the first-time costs of grading (warm()), so every worker starts warm.
"""
import contextlib
import copy
import logging
import os
import resource
import select
import signal
import threading
import time
import warnings

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from nbgrader.apps.api import NbGraderAPI, temp_attrs  # temp_attrs: nbgrader's one-off CourseDirectory settings
from nbgrader.converters import GenerateFeedback
from nbgrader.coursedir import CourseDirectory
from nbgrader.utils import rmtree
from sqlalchemy.exc import SAWarning
from sqlalchemy.orm import configure_mappers

from autograder.batch.autograded import error_line, failure_reason, inspect_autograded, recorded_by
from autograder.batch.copied import ignore_patterns, not_copied, reasons
from autograder.batch.handed_in import check_files, copied_cells
from autograder.batch.outcomes import outcomes_dir
from autograder.batch.stand_in_pages import drop_handed_in_pages, failure_feedback, releasable, unrendered_feedback
from autograder.core.errors import TrustedGradingError
from autograder.core.records import BatchLimits, Outcome
from autograder.core.submitted import fingerprint, unsafe_entry
from autograder.gradebook.config import load_config
from autograder.gradebook.engines import serialize_sqlite_writes, share_engines
from autograder.gradebook.manual import kept_grades, manual_digest, manual_states, restore_grades
from autograder.gradebook.scores import gradebook_scores, zero_submission
from autograder.sandbox import ahead
from autograder.steps.feedback import FeedbackExporter


def rmtree_if_exists(path):
    # nbgrader's rmtree makes read-only files and folders (nbgrader's) writable first
    if path.exists():
        rmtree(str(path))


def grade_student(api, course, assignment, student, layout, limits: BatchLimits,
                  tell=lambda phase: None) -> Outcome:
    """Autograde one student with nbgrader and describe the outcome (a dict, see summarize()); tell(phase):
    what it starts next, for the batch's reason if it is stopped (autograder.batch.grade STOPPED_WHILE)."""
    folder = course / "submitted" / student / assignment
    started = time.monotonic()
    outcome: Outcome = {"student": student, "fingerprint": fingerprint(folder), "problems": [], "diagnoses": {},
                        "failed": False}
    bad, good = check_files(folder, layout)
    outcome["problems"] += list(bad.values()) + copied_cells(folder, good)

    refused = not_copied(folder, api.coursedir.ignore) if not unsafe_entry(folder) else {}
    outcome["problems"] += reasons(refused)
    with ignoring(api.coursedir, ignore_patterns(refused)):
        return _grade(api, course, assignment, student, layout, limits, folder, started, outcome, bad, good,
                      tell)


@contextlib.contextmanager
def ignoring(coursedir, patterns):
    """nbgrader's CourseDirectory.ignore, extended by `patterns` for one student, whatever happens."""
    before = coursedir.ignore
    coursedir.ignore = list(before) + list(patterns)
    try:
        yield
    finally:
        coursedir.ignore = before


def _grade(api, course, assignment, student, layout, limits, folder, started, outcome, bad, good, tell):
    db_url, course_id = api.coursedir.db_url, api.coursedir.course_id
    TrustedGradingError.raised.clear()
    # Manual grades of written answers, as the last grading's notebooks hold them: nbgrader's autograde flags
    # every one for grading again, restore_grades unflags those whose text is unchanged (autograder.gradebook.manual).
    kept = kept_grades(db_url, course_id, course, assignment, student)
    if good and not bad:
        runs = [api.autograde(assignment, student, force=True, create=True)]
    else:
        # No autograded copy of a notebook that cannot be graded may survive from an earlier run.
        rmtree_if_exists(course / "autograded" / student / assignment)
        runs = []
        for name in good:  # one by one: nbgrader fails a student as a whole when one notebook fails
            with temp_attrs(api.coursedir, notebook_id=name):
                runs.append(api.autograde(assignment, student, force=True, create=True))
    failed_run = next((r for r in runs if not r["success"]), None)
    if failed_run:
        if TrustedGradingError.raised:  # nothing is recorded: the student is graded again once the grader is fixed
            return {**outcome, "failed": True, "grader_error": TrustedGradingError.raised[-1]}
        reason = failure_reason(failed_run.get("log", "") + failed_run.get("error", ""), limits,
                                (outcomes_dir(course, assignment) / f"{student}.json").relative_to(course))
        outcome["problems"].append(reason)
        outcome["log"] = (failed_run.get("log", "") + failed_run.get("error", ""))[-4000:]
        bad.update({n: reason for n in good})
        good = []

    zero = [n for n in layout if n in bad]
    if zero:
        zero_submission(db_url, course_id, assignment, student, zero)
    if good:
        restore_grades(db_url, course_id, course, assignment, student,
                       {n: answers for n, answers in kept.items() if n in good})
    for name in good:
        problems, diagnoses = inspect_autograded(course / "autograded" / student / assignment / f"{name}.ipynb", limits,
                                                 recorded_by(api.config))
        outcome["problems"] += problems
        outcome["diagnoses"].update(diagnoses)
    scores = gradebook_scores(db_url, course_id, assignment, student)
    unwritten = []
    if good:
        tell("feedback")
        fb = api.generate_feedback(assignment, student, force=True)
        if not fb["success"]:
            why = error_line(fb.get("error", "") + "\n" + fb.get("log", "")) or "see the log of nbgrader"
            try:  # what the notebook makes nbgrader fail on would fail on every run: its scores stand in, once
                unrendered_feedback(course, assignment, student, good, why, scores)
                outcome["problems"].append(f"its feedback page could not be made ({why}): a page of its scores "
                                           "stands in")
            except OSError:  # not the notebook's doing (a full disk, a file where the folder goes)
                unwritten.append(why)
    if zero:
        try:
            failure_feedback(course, assignment, student, zero, "; ".join(bad[n] for n in zero), scores)
        except OSError as exc:
            unwritten.append(f"{type(exc).__name__}: {exc}")
    drop_handed_in_pages(course, assignment, student, layout)
    outcome["problems"] += releasable(course / "feedback" / student / assignment, folder)
    if unwritten:  # the grade stands, but the student is graded again (and the page written) next run
        outcome["problems"].append(f"its feedback could not be written ({'; '.join(unwritten)})")
        outcome["fingerprint"] = None
    outcome.update(failed=not good, scores=scores, seconds=round(time.monotonic() - started, 2),
                   manual=manual_states(db_url, course_id, assignment, student),
                   manual_digest=manual_digest(db_url, course_id, assignment, student))
    return outcome


def limit_memory(megabytes):
    """Cap this process's address space; the kernels (and sandboxes) it starts inherit the cap."""
    if megabytes:
        cap = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def nbgrader_api(config):
    """nbgrader's API on the course `config` configures, logging into a logger of its own, for each call's
    result (the batch's outcome), not onto the terminal."""
    log = logging.getLogger(f"autograder.batch.grade.worker{os.getpid()}")
    log.propagate = False  # nbgrader's log goes into each outcome, not onto the progress line
    log.setLevel(logging.INFO)
    # The batch never uses the exchange, but NbGraderAPI checks it when made and logs an error when it is
    # missing ("Unwritable directory, please contact your instructor"), as on any machine without one.
    log.disabled = True
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config, log=log)
    log.disabled = False
    return api


def refresh_feedback(course, assignment, digests, everyone=False):
    """After manual grading in formgrader: rewrite the feedback of every student of `digests` ({student: the
    autograder.gradebook.manual.manual_digest their page was written under}) whose manual grades changed since (all
    of them: everyone), with nbgrader's generate_feedback --force. Returns {student: what their outcome
    takes from the gradebook now: scores, manual, manual_digest, and "rewritten" (bool) and "problems"}."""
    warnings.filterwarnings("ignore", category=SAWarning, module=r"nbgrader\.api")
    serialize_sqlite_writes()  # formgrader may be writing to the same gradebook
    os.chdir(course)
    config = load_config(course)
    db_url, course_id = config.CourseDirectory.db_url, config.CourseDirectory.course_id
    api, out = None, {}
    for student, digest in digests.items():
        now = manual_digest(db_url, course_id, assignment, student)
        entry = {"scores": gradebook_scores(db_url, course_id, assignment, student), "manual_digest": now,
                 "manual": manual_states(db_url, course_id, assignment, student), "rewritten": False, "problems": []}
        if everyone or now != digest:
            api = api or nbgrader_api(config)
            result = api.generate_feedback(assignment, student, force=True)
            notebooks = [p.stem for p in (course / "autograded" / student / assignment).glob("*.ipynb")]
            drop_handed_in_pages(course, assignment, student, notebooks)
            entry["problems"] += releasable(course / "feedback" / student / assignment,
                                            course / "submitted" / student / assignment)
            entry["rewritten"] = result["success"]
            if not result["success"]:
                why = error_line(result.get("error", "") + "\n" + result.get("log", "")) or "see nbgrader's log"
                entry["problems"].append(f"its feedback page could not be rewritten ({why}): the last one stands")
                entry["manual_digest"] = digest  # tried again next time
        out[student] = entry
    return out


def die_with_batch(batch_pid):
    """Kill this worker, and so the sandbox it runs (bwrap's --die-with-parent), as soon as the batch's own
    process ends, however it ends (kill -9, the OOM killer). The lock on the student it grades ends with the
    batch; grading on would let another batch grade the same student at once. (The fork server outlives the
    batch as long as a worker lives, so a signal on the parent's death would not come.)"""
    def watch():
        try:
            ended = os.pidfd_open(batch_pid)  # readable when that process has ended (Linux 5.3)
            select.select([ended], [], [])
        except (AttributeError, OSError):  # an older kernel, or already gone
            while True:
                try:
                    os.kill(batch_pid, 0)
                except ProcessLookupError:
                    break
                except PermissionError:
                    pass
                time.sleep(1)
        os.kill(os.getpid(), signal.SIGKILL)
    threading.Thread(target=watch, name="die-with-batch", daemon=True).start()


def worker_main(conn, course, limits, log_path, batch_pid):
    """A grading process: receives (assignment, student, layout), sends back outcomes, until None."""
    die_with_batch(batch_pid)
    # Kernels and nbgrader write warnings to stderr; keep them in a log, off the progress line.
    log_file = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log_file, 1)
    os.dup2(log_file, 2)
    os.chdir(course)
    # nbgrader's gradebook code sets off SQLAlchemy's autoflush warnings ("Object of type
    # <SubmittedAssignment> not in session, add operation ... will not proceed") for most students: six
    # lines each about nbgrader's use of its ORM, none about the student.
    warnings.filterwarnings("ignore", category=SAWarning, module=r"nbgrader\.api")
    limit_memory(limits["memory_mb"])
    serialize_sqlite_writes()
    share_engines()
    config = load_config(course)
    if limits.get("timeout_override"):
        config.Execute.timeout = config.GradingLimits.cell_timeout = limits["timeout"]  # nbgrader's Execute's too
    if limits.get("redraw"):
        config.TrustedExecute.redraw = True
    api = nbgrader_api(config)
    ahead.on_claim = lambda pid: conn.send({"sandbox": pid})  # killed with this process (GradingProcess.kill)
    while True:
        task = conn.recv()
        if task is None:
            return
        assignment, student, layout = task
        # Whatever this student's grading writes to the log follows this line.
        os.write(2, f"{time.strftime('%Y-%m-%d %H:%M:%S')} worker {os.getpid()}: {assignment} of {student}\n".encode())
        try:
            outcome = grade_student(api, course, assignment, student, layout, limits,
                                    tell=lambda phase: conn.send({"phase": phase}))
        except Exception as exc:  # a bug or a broken environment must not take the whole batch down
            import traceback
            outcome = {"student": student, "failed": True, "scores": {}, "diagnoses": {}, "retry": True,
                       "problems": [f"the grader itself failed: {type(exc).__name__}: {exc}"],
                       "log": traceback.format_exc()[-4000:], "fingerprint": None}
        conn.send(outcome)


# What nbgrader's GetGrades puts in a feedback page's resources
GRADED = {"nbgrader": {"notebook": "warm-up", "score": 1.0, "max_score": 2.0, "late_penalty": 0.0}}


def warm():
    """Take once, in the fork server, what grading otherwise costs each worker on its first student
    (about 1 s of CPU): compiling the feedback templates, building nbformat's validator, configuring
    nbgrader's ORM mappers. Forked workers inherit the result."""
    nb = new_notebook(cells=[
        new_markdown_cell("# A heading\n\nText with $x^2$, *emphasis* and `code`."),
        new_code_cell("print(1)\n1", outputs=[
            new_output("stream", name="stdout", text="1\n"),
            new_output("execute_result", data={"text/plain": "1"}, execution_count=1),
            new_output("error", ename="Error", evalue="", traceback=["\x1b[31mError\x1b[0m"]),
            new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})]),
    ], metadata={"language_info": {"name": "python", "pygments_lexer": "ipython3"}})
    nbformat.validate(nb)
    feedback = GenerateFeedback()  # the feedback templates, configured as nbgrader's generate_feedback does
    FeedbackExporter(parent=feedback, config=feedback.config).from_notebook_node(nb, resources=copy.deepcopy(GRADED))
    configure_mappers()
