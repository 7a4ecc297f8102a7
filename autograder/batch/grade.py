"""Grade a whole class: every submission of an assignment, several students at once, every failure a grade.

    ./run grade ASSIGNMENT [STUDENT ...] [--workers N] [--timeout S] [--memory-mb M] [--force] [--slice I/K]

Each student is graded by nbgrader's own autograde (whatever pipeline nbgrader_config.py configures) in
a long-lived worker process, so plain nbgrader commands keep working on the same course directory and
gradebook. What this adds around nbgrader:
  - parallel workers with a progress line (students done, not graded, time left);
  - resuming: a student whose submission is unchanged since it was graded is not graded again
    (--force regrades); outcomes are kept in reports/<assignment>/outcomes/<student>.json;
  - every failure is a graded outcome with a reason: a missing, renamed or invalid notebook, a kernel that
    dies, a cell stopped by the per-cell timeout, memory exhausted under the per-process cap, huge output,
    a worker that hangs or dies. What could not be graded scores zero; the batch goes on;
  - safe parallel gradebook writes: SQLite transactions take the write lock when they begin (so waiting
    writers queue instead of failing with "database is locked"); PostgreSQL needs nothing extra;
  - feedback for every student (nbgrader's, or a page giving the reason), nbgrader's CSV export, a report.

This module is the batch's own process; it never imports nbgrader (it asks a process forked from the fork
server whenever it needs the gradebook, see in_server). The rest:
autograder.batch.student (a worker, one student at a time), autograder.batch.preload (the fork server the
workers come from), autograder.gradebook (config and gradebook), autograder.batch.outcomes (per-student files),
autograder.core.submitted (what a submission folder holds).
"""
import difflib
import sys
from pathlib import Path

from autograder.batch.claims import Claims
from autograder.batch.cpus import usable_cpus
from autograder.batch.locks import hold_assignment, hold_run
from autograder.batch.outcomes import load_outcomes, save_outcome, workers_log
from autograder.batch.plan import in_slice, longest_first, to_grade
from autograder.batch.pool import GradingStopped, in_server, run_workers, worker_context
from autograder.batch.progress import Progress, counted, printable
from autograder.batch.stand_in_pages import failure_feedback, releasable
from autograder.core.limits import PROCESS_MEMORY_MB
from autograder.core.records import GRADED, PENDING, UNANSWERED, BatchLimits
from autograder.core.submitted import fingerprint
from autograder.gradebook.sheet import lateness, number
from autograder.key.verified import unverifiable_reference
from autograder.sandbox import cgroups


def summarize(outcome, layout):
    """Score, maximum and a one-line reason of an outcome."""
    scores = outcome["scores"]
    points = {gid: m for cells in layout.values() for gid, m in cells}
    manual = outcome.get("manual", {})  # written answers, graded by hand (autograder.gradebook.manual)
    tests = [gid for gid in points if gid not in manual]
    score = sum(scores.get(g, (0, 0))[0] for g in points)
    max_score = sum(points.values())
    failed_tests = [g for g in tests if scores.get(g, (0, 0))[0] < scores.get(g, (0, 1))[1]]
    if outcome["failed"]:
        # retry: nothing was recorded for the student (the grader failed, not the submission)
        reason = ("not graded yet, graded again next run: " if outcome.get("retry") else "not graded, scored 0: ") \
            + "; ".join(outcome["problems"])
    elif not failed_tests:
        reason = "all tests passed"
    elif len(failed_tests) <= 3:
        reason = f"failed {', '.join(failed_tests)}"
    else:
        reason = f"failed {len(failed_tests)} of {len(tests)} tests ({', '.join(failed_tests[:2])}, ...)"
    if not outcome["failed"] and outcome["problems"]:
        reason += " (" + "; ".join(outcome["problems"]) + ")"
    if not outcome["failed"]:
        reason += written_answers_note(manual, points)
    return score, max_score, reason


def standing(outcome, row, layout):
    """The outcome as the gradebook has it now (row: the student's in autograder.gradebook.sheet.read_sheet): its
    scores, after manual grading, extra credit and the late penalty, and the reason recomputed from them.
    What the outcome file holds is the autograde's, written once; the gradebook changes after it."""
    if row is None or not row["submitted"]:  # nothing in the gradebook (a grading that recorded nothing)
        return outcome
    scores = {gid: (row["cells"].get(gid) or 0.0, points) for cells in layout.values() for gid, points in cells}
    # pending: the cells the gradebook says still need a manual grade (scored 0 in scores until graded)
    manual = {gid: state if state == UNANSWERED else PENDING if gid in row["pending"] else GRADED
              for gid, state in outcome.get("manual", {}).items()}  # graded by hand since the outcome was written
    current = dict(outcome, scores=scores, pending=list(row["pending"]), manual=manual)
    reason = summarize(current, layout)[2]
    if row["seconds_late"] > 0:
        reason += f" (late by {lateness(row['seconds_late'])}" + (
            f": penalty {number(row['penalty'])})" if row["penalty"] else ")")
    current.update(score=row["score"], max_score=row["max_score"], reason=reason)
    return current


def written_answers_note(manual, points):
    """What the reason adds about the answers graded by hand (manual: autograder.gradebook.manual.manual_states): those
    left unanswered, and the points that await manual grading, never as failed tests."""
    unanswered = [g for g, state in manual.items() if state == UNANSWERED]
    pending = [g for g, state in manual.items() if state == PENDING]
    note = f"; no answer to {', '.join(unanswered)}" if unanswered else ""
    if pending:
        waiting = sum(points.get(g, 0) for g in pending)
        note += f"; {waiting:g} point{'' if waiting == 1 else 's'} await{'s' if waiting == 1 else ''} manual grading " \
                f"({', '.join(pending)})"
    return note


# --- workers -------------------------------------------------------------------------------------


# --- the batch -----------------------------------------------------------------------------------


def grade(course, assignment, students=None, workers=None, force=False, timeout=None, memory_mb=PROCESS_MEMORY_MB,
          student_timeout=None, progress_stream=sys.stderr, part=None, redraw=False, new_grading_code=False):
    """Grade an assignment; returns {student: outcome} for every selected student (graded now or before).
    part: (i, k) grades only slice i of k (in_slice). redraw: grade afresh, on new hidden cases, even what
    the same grading code graded before (TrustedExecute.redraw); implies force. new_grading_code: this
    machine's grading code becomes the one the assignment is graded with (autograder.trusted.grading_code)."""
    course = Path(course).resolve()
    lock = hold_run(course, assignment, part) if course.is_dir() else None  # else batch_settings says what is wrong
    try:
        return _grade(course, assignment, students, workers, force or redraw, timeout, memory_mb, student_timeout,
                      progress_stream, part, redraw, new_grading_code)
    finally:
        if lock:
            lock.close()


def _grade(course, assignment, students, workers, force, timeout, memory_mb, student_timeout, progress_stream,
           part, redraw, new_grading_code):
    submitted = sorted(p.parent.name for p in (course / "submitted").glob(f"*/{assignment}") if p.is_dir())
    workers = workers or usable_cpus()
    # A sandbox per worker, started while the server imports; any no worker claims are discarded at the end.
    ahead = min(workers, len(students or submitted))
    ctx = worker_context({"count": ahead, "hide": [str(course)], "memory_cap_mb": memory_mb})
    settings = in_server(ctx, "autograder.gradebook.config.batch_settings", course, assignment)
    db_url, course_id, layout = settings["db_url"], settings["course_id"], settings["layout"]

    if students:
        unknown = sorted(set(students) - set(submitted))
        if unknown:
            close = {s: difflib.get_close_matches(s, submitted, n=1) for s in unknown}
            sys.exit(f"grade: no submission of {assignment} in submitted/ for: "
                     + ", ".join(s + (f" (did you mean {close[s][0]}?)" if close[s] else "") for s in unknown)
                     + ". Nobody was graded.")
    selected = list(students or submitted)
    if not selected:
        sys.exit(f"grade: nothing to grade: submitted/<student>/{assignment}/ does not exist for any student")
    if part:
        selected = [s for s in selected if in_slice(s, *part)]
        print(f"slice {part[0]}/{part[1]}: {counted(len(selected), 'student')}", file=progress_stream)
        if not selected:
            return {}

    cell_timeout = timeout or settings["cell_timeout"]
    n_cells = sum(len(cells) for cells in layout.values())
    limits: BatchLimits = {
        "timeout": cell_timeout, "timeout_override": bool(timeout), "memory_mb": memory_mb, "redraw": redraw,
        # every cell may take the whole per-cell limit; kernel start-up and nbgrader get 2 minutes
        "student_timeout": student_timeout or 120 + cell_timeout * (4 * n_cells + 4)}

    outcomes = load_outcomes(course, assignment)
    todo = longest_first(to_grade(course, assignment, selected, outcomes, settings["graded"], layout, force,
                                  limits["student_timeout"]), outcomes)
    # every machine grades with the same code, or this one grades no one (exits naming what differs)
    code_note = in_server(ctx, "autograder.trusted.grading_code.check_grading_code", course, assignment,
                          new_grading_code) if todo or new_grading_code else None
    skipped = len(selected) - len(todo)
    if force:  # until it is graded again, each keeps its outcome (the report shows it), marked out of date
        for s in todo:
            if s in outcomes and not outcomes[s].get("regrade"):
                outcomes[s]["regrade"] = True
                save_outcome(course, assignment, outcomes[s])
    print(f"grade {assignment}: {counted(len(selected), 'student')}, {len(todo)} to grade"
          + (f", {skipped} already graded (--force regrades them)" if skipped else "")
          + (f", {counted(min(workers, len(todo)), 'worker')}" if todo else ""),
          file=progress_stream)
    if code_note:
        print(f"note: {code_note}", file=progress_stream)
    unverifiable = unverifiable_reference(settings["reference_sha256"])
    if todo and unverifiable:
        print(f"note: {unverifiable}", file=progress_stream)
    if todo and cgroups.unavailable():
        print(f"note: {cgroups.unavailable()}, so each sandboxed process has its own memory and process limits, "
              "not each sandbox as a whole", file=progress_stream)

    progress = Progress(len(todo), progress_stream, workers=min(workers, len(todo)) or 1,
                        limit=limits["student_timeout"])

    def on_outcome(outcome):
        if outcome.get("grader_error"):
            raise GradingStopped(outcome["grader_error"])
        if outcome.get("scores") is None:  # the worker died before it could record anything
            student = outcome["student"]
            outcome["scores"] = in_server(ctx, "autograder.gradebook.scores.zero_lost_submission", db_url, course_id,
                                          assignment, student, list(layout))
            outcome["fingerprint"] = fingerprint(course / "submitted" / student / assignment)
            try:  # what the student handed in must not stop the batch here, where no worker stands between
                failure_feedback(course, assignment, student, list(layout), outcome["problems"][0], outcome["scores"])
                outcome["problems"] += releasable(course / "feedback" / student / assignment,
                                                  course / "submitted" / student / assignment)
            except OSError as exc:
                outcome["problems"].append(f"its feedback could not be written ({type(exc).__name__}: {exc})")
                outcome["fingerprint"] = None  # graded again next run, and the page written then
        score, max_score, reason = summarize(outcome, layout)
        outcome.update(score=score, max_score=max_score, reason=reason)
        outcome.pop("lost", None)
        outcomes[outcome["student"]] = outcome
        save_outcome(course, assignment, outcome)
        progress.end(outcome["student"], outcome["failed"])
        trouble = outcome["failed"] or outcome["problems"]
        progress.update(f"{outcome['student']}: {score:g}/{max_score:g}, {reason}" if trouble else "")
        claims.release(outcome["student"])  # only now: the outcome is written

    def up_to_date(student, outcome):
        return not to_grade(course, assignment, [student], {student: outcome}, {student}, layout, False,
                            limits["student_timeout"])

    claims = Claims(course, assignment, outcomes, up_to_date, progress)
    if todo:
        try:
            run_workers(ctx, course, assignment, todo, layout, limits, workers, on_outcome, progress,
                        workers_log(course, assignment, part), claims.claim)
        finally:
            claims.release_all()
        progress.finish()
    others = claims.left_to_others()
    if others:
        print(f"note: {others}", file=progress_stream)
    in_server(ctx, "autograder.sandbox.ahead.discard_ahead")  # those no worker claimed: fewer notebooks than workers
    in_server(ctx, "autograder.gradebook.scores.export_csv", db_url, course_id, course / "grades.csv")
    # the table shows the gradebook's scores, as grades.csv and the report do (manual grades, late penalties)
    sheet = in_server(ctx, "autograder.gradebook.sheet.class_sheet", db_url, course_id, assignment, course)["students"]
    return {s: standing(outcomes[s], sheet.get(s), layout) for s in selected if s in outcomes}


def refresh_feedback(course, assignment, students=None, everyone=False, progress_stream=sys.stderr):
    """After manual grading in formgrader: rewrite the feedback pages of the graded students whose manual
    grades (scores, comments, extra credit) changed since their page was written, or of all of them
    (everyone), and take their scores and what awaits grading from the gradebook into their outcomes (for
    the table and the report). Returns {student: outcome} of the students considered."""
    course = Path(course).resolve()
    lock = hold_assignment(course, assignment) if course.is_dir() else None
    try:
        ctx = worker_context()
        settings = in_server(ctx, "autograder.gradebook.config.batch_settings", course, assignment)
        layout = settings["layout"]
        outcomes = load_outcomes(course, assignment)
        unknown = sorted(set(students or []) - set(outcomes))
        if unknown:
            sys.exit(f"grade: {', '.join(unknown)} {'has' if len(unknown) == 1 else 'have'} not been graded on "
                     f"{assignment}: grade first (./run grade {assignment} {' '.join(unknown)})")
        chosen = [s for s in (students or sorted(outcomes)) if not outcomes[s]["failed"]]  # no page of nbgrader's
        fresh = in_server(ctx, "autograder.batch.student.refresh_feedback", course, assignment,
                          {s: outcomes[s].get("manual_digest") for s in chosen}, everyone)
        for student, now in fresh.items():
            for problem in now.pop("problems"):
                print(f"{printable(student)}: {printable(problem)}", file=progress_stream)
            outcome = outcomes[student]
            outcome.update({k: v for k, v in now.items() if k != "rewritten"})
            outcome.update(zip(("score", "max_score", "reason"), summarize(outcome, layout)))
            save_outcome(course, assignment, outcome)
        rewritten = sum(now["rewritten"] for now in fresh.values())
        print(f"feedback {assignment}: {counted(len(chosen), 'graded student')}, {rewritten} "
              f"page{'' if rewritten == 1 else 's'} rewritten ("
              + ("all, as asked" if everyone else "those whose manual grades changed") + ")", file=progress_stream)
        in_server(ctx, "autograder.gradebook.scores.export_csv", settings["db_url"], settings["course_id"],
                  course / "grades.csv")
        return {s: outcomes[s] for s in (students or sorted(outcomes))}
    finally:
        if lock:
            lock.close()


def grade_table(outcomes):
    """The grade table as text: student, score, reason."""
    width = max([len("student")] + [len(printable(s)) for s in outcomes]) + 2
    lines = [f"{'student':<{width}}{'score':>9}  reason"]
    for s, o in sorted(outcomes.items()):
        lines.append(f"{printable(s):<{width}}{o['score']:>5g}/{o['max_score']:<3g}  {printable(o['reason'])}")
    return "\n".join(lines)
