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
autograder.batch_worker (a worker, one student at a time), autograder.preload (the fork server the
workers come from), autograder.gradebook (config and gradebook), autograder.outcomes (per-student files),
autograder.submitted (what a submission folder holds).
"""
import argparse
import difflib
import fcntl
import hashlib
import importlib
import json
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import socket
import sys
import time
import traceback
import unicodedata
from multiprocessing.connection import wait
from pathlib import Path
from statistics import median

from autograder import cgroups
from autograder.outcomes import (
    GRADED,
    PENDING,
    UNANSWERED,
    failure_feedback,
    forget_outcome,
    load_outcomes,
    outcomes_dir,
    releasable,
    save_outcome,
)
from autograder.sheet import lateness, number
from autograder.submitted import fingerprint


def summarize(outcome, layout):
    """Score, maximum and a one-line reason of an outcome."""
    scores = outcome["scores"]
    points = {gid: m for cells in layout.values() for gid, m in cells}
    manual = outcome.get("manual", {})  # written answers, graded by hand (autograder.manual)
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
    """The outcome as the gradebook has it now (row: the student's in autograder.sheet.read_sheet): its
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
    """What the reason adds about the answers graded by hand (manual: autograder.manual.manual_states): those
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

def worker_context(sandboxes_ahead=None):
    """Workers are forked from a server process (multiprocessing's "forkserver") that has imported the
    grading code and taken its first-time costs once (autograder.preload): fresh like "spawn" (no
    gradebook connection or pipe of the batch crosses a fork), but no worker pays the imports (2-3 s of CPU
    each) or the warm-up again. sandboxes_ahead: autograder.sandbox.start_ahead's arguments, for the server
    to start those first, if this call starts it (one server serves every batch of a process)."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["autograder.preload"])
    from autograder.sandbox import AHEAD  # numpy: not before it is needed (./run grade --help)
    if sandboxes_ahead:
        os.environ[AHEAD] = json.dumps(sandboxes_ahead)
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        os.environ.pop(AHEAD, None)
    return ctx


def run_named(target, environ, *args):
    """In a process forked from the fork server: take the batch's environment (the server keeps the one it
    started with), then call the function `target` names ("module.function", imported there already)."""
    os.environ.clear()
    os.environ.update(environ)
    module, name = target.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)(*args)


def _answer(conn, target, environ, args):
    try:
        answer = ("ok", run_named(target, environ, *args))
    except SystemExit as exc:  # a clear "grade: ..." message for the instructor
        answer = ("exit", exc.code)
    except KeyboardInterrupt:  # Ctrl-C reaches every process of the batch; its own process reports it
        return
    except BaseException:
        answer = ("error", traceback.format_exc())
    try:
        conn.send(answer)
    except BrokenPipeError:  # the batch's process is gone (Ctrl-C): nobody is waiting for the answer
        pass


def in_server(ctx, target, *args):
    """target(*args) in a process forked from the fork server, which has nbgrader imported and warm, so
    that this process never imports it (1.8 s of CPU, which it would spend while the workers need both
    CPUs). For the gradebook before, after, and when a worker dies: a few times per batch."""
    answer, conn = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_answer, args=(conn, target, dict(os.environ), args), daemon=True)
    process.start()
    conn.close()
    try:
        kind, value = answer.recv()
    except EOFError:
        kind, value = "died", None
    finally:
        answer.close()
        process.join()
    if kind == "died":
        raise RuntimeError(f"{target}: its process ended without an answer (exit code {process.exitcode})")
    if kind == "exit":
        sys.exit(value)
    if kind == "error":
        raise RuntimeError(f"{target} failed: {value}")
    return value


class GradingStopped(Exception):
    """The grader itself cannot grade (a changed reference, no sandbox): no student is scored for it."""


class Worker:
    def __init__(self, ctx, course, limits, log_path):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=run_named, daemon=True, args=(
            "autograder.batch_worker.worker_main", dict(os.environ), child, course, limits, log_path))
        self.process.start()
        child.close()
        self.student, self.started, self.phase = None, None, None  # phase: what it said it does (STOPPED_WHILE)
        self.sandboxes = []  # sandboxes it took from the fork server: not among its children

    def took(self, pid):
        import psutil
        try:
            self.sandboxes.append(psutil.Process(pid))  # remembers the start time: a reused pid is not it
        except psutil.NoSuchProcess:
            pass

    def give(self, task):
        self.student, self.started, self.phase = task[1], time.monotonic(), "autograde"
        self.conn.send(task)

    def kill(self):
        """End the worker and everything it started (kernels run in sessions of their own)."""
        import psutil
        try:
            tree = psutil.Process(self.process.pid)
            procs = tree.children(recursive=True) + [tree]
        except psutil.NoSuchProcess:
            procs = []
        for p in procs:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        for box in self.sandboxes:  # its whole process group, as Sandbox.kill does
            try:
                if box.is_running():
                    os.killpg(box.pid, signal.SIGKILL)
            except (ProcessLookupError, psutil.NoSuchProcess):
                pass
        psutil.wait_procs(procs, timeout=10)
        self.process.join(5)


class Progress:
    """One line: a bar, students done and not graded, time left; above it, a line for each student that
    needs one (graded with trouble, or slow)."""

    SLOW_AFTER = 10  # seconds; and 3x the median: a student this slow gets a line of its own

    def __init__(self, total, stream=sys.stderr, workers=1, limit=None, clock=time.monotonic):
        self.total, self.done, self.failed, self.stream, self.workers = total, 0, 0, stream, workers
        self.limit, self.clock = limit, clock  # limit: seconds after which a student is stopped
        self.start, self.tty = clock(), stream.isatty()
        self.running, self.took, self.told_slow = {}, [], set()  # {student: since}, seconds of each done

    def begin(self, student):
        self.running[student] = self.clock()

    def end(self, student, failed):
        self.took.append(self.clock() - self.running.pop(student))
        self.done += 1
        self.failed += bool(failed)

    def slow(self):
        """{student: seconds so far} of the running students that take far longer than most."""
        now = self.clock()
        after = max(self.SLOW_AFTER, 3 * median(self.took)) if self.took else self.SLOW_AFTER
        return {s: now - since for s, since in self.running.items() if now - since > after}

    def left(self):
        """The time left, from the mean time per student so far (the slow ones included, once they end) and
        the workers' number; with a student running slow, a range that ends when it would be stopped."""
        if not self.took:
            return "estimating"
        now, mean, slow = self.clock(), sum(self.took) / len(self.took), self.slow()
        queued = self.total - self.done - len(self.running)
        soon = (queued * mean + sum(max(mean - (now - since), 0) for since in self.running.values())) / self.workers
        if not (slow and self.limit):
            return f"{_duration(soon)} left"
        latest = _duration(max(soon, self.limit - min(slow.values())))
        return f"up to {latest} left" if soon < 0.5 else f"{_duration(soon)} to {latest} left"

    def line(self):
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        return (f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} done, {self.failed} not graded, "
                f"{len(self.running)} grading, {self.left()}")

    def slow_notes(self):
        """A line for each student that has just become slow, once."""
        notes = []
        for student, seconds in self.slow().items():
            if student not in self.told_slow:
                self.told_slow.add(student)
                typical = f" (most take {_duration(median(self.took))})" if self.took else ""
                stop = f"; it is stopped at {_duration(self.limit)}" if self.limit else ""
                notes.append(f"{student}: still grading after {_duration(seconds)}{typical}{stop}")
        return notes

    def update(self, note=None):
        """Redraw the line (a terminal), or write it when a student is done (a log file: one line for each).
        `note`: about the student just done ("" for none). A student turning slow gets a line of its own."""
        note, slow = printable(note) if note else note, [printable(n) for n in self.slow_notes()]
        if self.tty:
            for n in ([note] if note else []) + slow:
                self.stream.write("\r\x1b[K" + n + "\n")
            self.stream.write("\r\x1b[K" + self.line())
        else:
            if note is not None:
                self.stream.write(self.line() + (f"  {note}" if note else "") + "\n")
            self.stream.writelines(n + "\n" for n in slow)
        self.stream.flush()

    def finish(self):
        if self.tty:
            self.stream.write("\n")
        self.stream.write(f"{_count(self.done, 'student')} in {_duration(self.clock() - self.start)}: "
                          f"{self.done - self.failed} graded, {self.failed} not graded\n")
        self.stream.flush()


def printable(text):
    """`text` with control and format characters (terminal escapes, bidirectional overrides) written as
    escapes: names of students and of the files they hand in reach the instructor's terminal, where
    "\x1b[1A" would move the cursor up and let a file name draw a false grade table."""
    return "".join(c.encode("unicode_escape").decode() if unicodedata.category(c) in INVISIBLE else c for c in text)


INVISIBLE = {"Cc", "Cf", "Zl", "Zp"}


def _count(n, noun):
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _duration(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def run_workers(ctx, course, assignment, students, layout, limits, workers, on_outcome, progress):
    """Grade `students` on `workers` processes of `ctx` (worker_context()); a worker that hangs past the
    student limit or dies is replaced, and its student gets a failed outcome."""
    queue, pool = list(students), []
    try:
        log_path = outcomes_dir(course, assignment).parent / f"workers-{socket.gethostname()}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        pool = [Worker(ctx, course, limits, log_path) for _ in range(min(workers, len(queue)))]

        def give_next(w):
            if queue:
                student = queue.pop(0)
                # Only now: if the batch is stopped, students not yet started keep their last outcome.
                forget_outcome(course, assignment, student)
                w.give((assignment, student, layout))
                progress.begin(student)

        for w in pool:
            give_next(w)
        while any(w.student for w in pool):
            busy = [w for w in pool if w.student]
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=1.0)
            for i, w in enumerate(pool):
                if w.student is None:
                    continue
                outcome = None
                if w.conn in ready:
                    try:
                        outcome = w.conn.recv()
                    except (EOFError, OSError):
                        outcome = lost(w, "the grading process died (killed by the system?)")
                    if "sandbox" in outcome:  # not an outcome: the worker took a sandbox started ahead
                        w.took(outcome["sandbox"])
                        continue
                    if "phase" in outcome:  # not an outcome: the worker moved on (autograder.batch_worker)
                        w.phase = outcome["phase"]
                        continue
                elif w.process.sentinel in ready or not w.process.is_alive():
                    outcome = lost(w, "the grading process died (killed by the system?)")
                elif time.monotonic() - w.started > limits["student_timeout"]:
                    outcome = lost(w, f"grading took longer than the {limits['student_timeout']} s allowed for "
                                   f"one student and was stopped {STOPPED_WHILE.get(w.phase, '')}".rstrip())
                    outcome["stopped_at"] = limits["student_timeout"]  # a higher limit grades it again
                if outcome is None:
                    continue
                if outcome.get("lost"):
                    w.kill()
                    if queue:  # a fresh worker for the students left
                        pool[i] = Worker(ctx, course, limits, log_path)
                w.student = None
                give_next(pool[i])  # before the outcome is recorded: the worker need not wait for it
                on_outcome(outcome)
            progress.update()
    finally:
        for w in pool:
            if w.student is not None:  # stopped mid-student (Ctrl-C, a grader error): graded again next run
                w.kill()
            elif w.process.is_alive():
                try:
                    w.conn.send(None)
                except OSError:
                    pass
        for w in pool:
            w.process.join(10)
            if w.process.is_alive():
                w.kill()


# What a worker stopped at the student limit was doing, from what it said last (batch_worker.grade_student's
# `tell`): only while the notebooks were graded can a cell of the student's have taken the time.
STOPPED_WHILE = {
    "autograde": "while its notebooks were graded (a cell that does not stop at the per-cell limit?)",
    "feedback": "while its feedback page was written (the time went into rendering the feedback, not into "
                "the student's cells)",
}


def lost(worker, reason):
    """The outcome of the student `worker` was grading when it died or was stopped. Its fingerprint is added
    when it is recorded: like any outcome, it stands until the submission changes or --force (a notebook
    that hangs the grader would otherwise cost the whole student limit on every run)."""
    return {"student": worker.student, "failed": True, "lost": True, "scores": None, "diagnoses": {},
            "problems": [reason], "seconds": round(time.monotonic() - worker.started, 2)}


# --- the batch -----------------------------------------------------------------------------------

def to_grade(course, assignment, students, outcomes, graded_in_gradebook, layout, force, student_timeout):
    """The students that need grading: all with --force, else those without an up-to-date outcome (one
    stopped at a lower student limit than this run's is out of date, and so is one that a forced run
    stopped before it reached)."""
    if force:
        return list(students)
    todo = []
    for s in students:
        previous = outcomes.get(s)
        feedback = all((course / "feedback" / s / assignment / f"{n}.html").exists() for n in layout)
        fresh = (previous and not previous.get("regrade")
                 and previous.get("fingerprint") == fingerprint(course / "submitted" / s / assignment)
                 and previous.get("stopped_at", student_timeout) >= student_timeout)
        if not (fresh and s in graded_in_gradebook and feedback):
            todo.append(s)
    return todo


def longest_first(students, outcomes):
    """`students` ordered by how long each took when last graded, longest first (those never graded
    first of all): the batch then ends on short students, so no worker finishes a long one alone while
    the others wait. Ties keep their order."""
    def last_seconds(s):
        return outcomes.get(s, {}).get("seconds") or float("inf")
    return sorted(students, key=last_seconds, reverse=True)


def in_slice(student, part, parts):
    """Whether `student` is in slice `part` (1..parts) of a class split over `parts` machines. Decided by the
    student's name alone, so every student is in exactly one slice even when machines see different lists
    (a late submission collected between two machines' runs)."""
    digest = hashlib.sha256(student.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % parts == part - 1


LOCK_FILE = ".grading.lock"


def hold_course(course, assignment):
    """The course directory's lock, held until the returned file is closed (or this process ends), or exit
    naming the run that holds it. Two runs at once would each delete and rewrite the autograded/ folders
    the other is grading in, and a resumed run would then keep the failures that this caused."""
    try:
        lock = open(course / LOCK_FILE, "a+")
    except OSError as exc:
        sys.exit(f"grade: cannot write in the course directory {course}: {exc.strerror}")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        holder = lock.read().strip() or "another process"
        lock.close()
        sys.exit(f"grade: {course} is being graded already ({holder}). Two runs at once would overwrite each "
                 "other's autograded notebooks: wait for that run to end (or stop it), then run this again.")
    lock.seek(0)
    lock.truncate()
    lock.write(f"pid {os.getpid()}, grading {assignment} since {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
    lock.flush()
    return lock


def grade(course, assignment, students=None, workers=None, force=False, timeout=None, memory_mb=2048,
          student_timeout=None, progress_stream=sys.stderr, part=None, redraw=False):
    """Grade an assignment; returns {student: outcome} for every selected student (graded now or before).
    part: (i, k) grades only slice i of k (in_slice). redraw: grade afresh, on new hidden cases, even what
    the same grading code graded before (TrustedExecute.redraw); implies force."""
    course = Path(course).resolve()
    lock = hold_course(course, assignment) if course.is_dir() else None  # else batch_settings says what is wrong
    try:
        return _grade(course, assignment, students, workers, force or redraw, timeout, memory_mb, student_timeout,
                      progress_stream, part, redraw)
    finally:
        if lock:
            lock.close()


def _grade(course, assignment, students, workers, force, timeout, memory_mb, student_timeout, progress_stream,
           part, redraw):
    submitted = sorted(p.parent.name for p in (course / "submitted").glob(f"*/{assignment}") if p.is_dir())
    workers = workers or os.cpu_count() or 1
    # A sandbox per worker, started while the server imports; any no worker claims are discarded at the end.
    ahead = min(workers, len(students or submitted))
    ctx = worker_context({"count": ahead, "hide": [str(course)], "memory_cap_mb": memory_mb})
    settings = in_server(ctx, "autograder.gradebook.batch_settings", course, assignment)
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
        print(f"slice {part[0]}/{part[1]}: {_count(len(selected), 'student')}", file=progress_stream)
        if not selected:
            return {}

    cell_timeout = timeout or settings["cell_timeout"]
    n_cells = sum(len(cells) for cells in layout.values())
    limits = {"timeout": cell_timeout, "timeout_override": bool(timeout), "memory_mb": memory_mb, "redraw": redraw,
              # every cell may take the whole per-cell limit; kernel start-up and nbgrader get 2 minutes
              "student_timeout": student_timeout or 120 + cell_timeout * (4 * n_cells + 4)}

    outcomes = load_outcomes(course, assignment)
    todo = longest_first(to_grade(course, assignment, selected, outcomes, settings["graded"], layout, force,
                                  limits["student_timeout"]), outcomes)
    skipped = len(selected) - len(todo)
    if force:  # until it is graded again, each keeps its outcome (the report shows it), marked out of date
        for s in todo:
            if s in outcomes and not outcomes[s].get("regrade"):
                outcomes[s]["regrade"] = True
                save_outcome(course, assignment, outcomes[s])
    print(f"grade {assignment}: {_count(len(selected), 'student')}, {len(todo)} to grade"
          + (f", {skipped} already graded (--force regrades them)" if skipped else "")
          + (f", {_count(min(workers, len(todo)), 'worker')}" if todo else ""),
          file=progress_stream)
    if todo and settings["unverifiable"]:
        print(f"note: {settings['unverifiable']}", file=progress_stream)
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
            outcome["scores"] = in_server(ctx, "autograder.gradebook.zero_lost_submission", db_url, course_id,
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

    if todo:
        run_workers(ctx, course, assignment, todo, layout, limits, workers, on_outcome, progress)
        progress.finish()
    in_server(ctx, "autograder.sandbox.discard_ahead")  # those no worker claimed: fewer notebooks than workers
    in_server(ctx, "autograder.gradebook.export_csv", db_url, course_id, course / "grades.csv")
    # the table shows the gradebook's scores, as grades.csv and the report do (manual grades, late penalties)
    sheet = in_server(ctx, "autograder.sheet.class_sheet", db_url, course_id, assignment, course)["students"]
    return {s: standing(outcomes[s], sheet.get(s), layout) for s in selected if s in outcomes}


def refresh_feedback(course, assignment, students=None, everyone=False, progress_stream=sys.stderr):
    """After manual grading in formgrader: rewrite the feedback pages of the graded students whose manual
    grades (scores, comments, extra credit) changed since their page was written, or of all of them
    (everyone), and take their scores and what awaits grading from the gradebook into their outcomes (for
    the table and the report). Returns {student: outcome} of the students considered."""
    course = Path(course).resolve()
    lock = hold_course(course, assignment) if course.is_dir() else None
    try:
        ctx = worker_context()
        settings = in_server(ctx, "autograder.gradebook.batch_settings", course, assignment)
        layout = settings["layout"]
        outcomes = load_outcomes(course, assignment)
        unknown = sorted(set(students or []) - set(outcomes))
        if unknown:
            sys.exit(f"grade: {', '.join(unknown)} {'has' if len(unknown) == 1 else 'have'} not been graded on "
                     f"{assignment}: grade first (./run grade {assignment} {' '.join(unknown)})")
        chosen = [s for s in (students or sorted(outcomes)) if not outcomes[s]["failed"]]  # no page of nbgrader's
        fresh = in_server(ctx, "autograder.batch_worker.refresh_feedback", course, assignment,
                          {s: outcomes[s].get("manual_digest") for s in chosen}, everyone)
        for student, now in fresh.items():
            for problem in now.pop("problems"):
                print(f"{printable(student)}: {printable(problem)}", file=progress_stream)
            outcome = outcomes[student]
            outcome.update({k: v for k, v in now.items() if k != "rewritten"})
            outcome.update(zip(("score", "max_score", "reason"), summarize(outcome, layout)))
            save_outcome(course, assignment, outcome)
        rewritten = sum(now["rewritten"] for now in fresh.values())
        print(f"feedback {assignment}: {_count(len(chosen), 'graded student')}, {rewritten} "
              f"page{'' if rewritten == 1 else 's'} rewritten ("
              + ("all, as asked" if everyone else "those whose manual grades changed") + ")", file=progress_stream)
        in_server(ctx, "autograder.gradebook.export_csv", settings["db_url"], settings["course_id"],
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


def slice_of(text):
    """--slice I/K as (I, K)."""
    try:
        part, parts = (int(n) for n in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not I/K, for example 2/3 (the second of 3 machines)") from None
    if not 1 <= part <= parts:
        raise argparse.ArgumentTypeError(f"{text!r}: I must be from 1 to K")
    return part, parts


def main(argv=None):
    parser = argparse.ArgumentParser(prog="./run grade", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assignment")
    parser.add_argument("students", nargs="*", default=[],  # a default: argparse then calls them optional
                        help="grade only these students (default: all in submitted/)")
    parser.add_argument("--workers", type=int, default=os.cpu_count(),
                        help="students graded at once (default: CPU count)")
    parser.add_argument("--force", "--regrade", action="store_true", help="regrade students already graded (a "
                        "notebook whose same code the same grading code graded before keeps its verdicts)")
    parser.add_argument("--redraw", action="store_true", help="regrade on freshly drawn hidden cases, even the "
                        "notebooks --force would replay (after stops the machine's load caused); implies --force")
    parser.add_argument("--timeout", type=int,
                        help="seconds one cell may run (default: Execute.timeout of nbgrader_config.py)")
    parser.add_argument("--memory-mb", type=int, default=2048,
                        help="address-space cap of each grading process and each process it starts "
                        "(default: 2048; 0: none)")
    parser.add_argument("--student-timeout", type=int,
                        help="seconds one student may take before the worker is killed (default: 120 s plus the "
                        "per-cell limit for every cell, four times over)")
    parser.add_argument("--slice", metavar="I/K", type=slice_of,
                        help="grade only slice I of K (1 <= I <= K), for K machines sharing one class; each "
                        "student is in exactly one slice")
    parser.add_argument("--course", default=".", help="the nbgrader course directory (default: here)")
    parser.add_argument("--no-report", action="store_true", help="skip the HTML/PNG report")
    parser.add_argument("--feedback-only", action="store_true", help="grade nobody: after manual grading in "
                        "formgrader, rewrite the feedback of the students whose manual grades changed (with "
                        "--force: of every student), then the grade table, grades.csv and the report")
    args = parser.parse_intermixed_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.timeout is not None and args.timeout < 1:
        parser.error("--timeout must be at least 1 (seconds one cell may run)")
    if args.student_timeout is not None and args.student_timeout < 1:
        parser.error("--student-timeout must be at least 1 (seconds one student may take)")
    if args.memory_mb != 0 and args.memory_mb < 256:  # below 256 MB not even the notebook's imports fit
        parser.error("--memory-mb must be 0 (no cap) or at least 256")
    args.students = [s.rstrip("/") for s in args.students]  # a shell's completion of submitted/<student>/
    args.assignment = args.assignment.rstrip("/")

    again = "run the same command again (--force is not needed) to grade the students left"
    if args.feedback_only:
        outcomes = refresh_feedback(args.course, args.assignment, args.students, everyone=args.force)
        return report_on(args, outcomes)
    try:
        outcomes = grade(args.course, args.assignment, args.students, args.workers, args.force, args.timeout,
                         args.memory_mb, args.student_timeout, part=args.slice, redraw=args.redraw)
    except GradingStopped as stop:
        sys.exit(f"\ngrade: grading stopped, because the grader cannot grade correctly: {stop}\n"
                 f"No student was scored for this; students graded before it are kept. Fix it and {again}.")
    except KeyboardInterrupt:
        print(f"\ngrade: interrupted. Students graded so far are kept; {again}.", file=sys.stderr)
        sys.exit(130)
    report_on(args, outcomes)


def report_on(args, outcomes):
    """Print the grade table and where feedback, grades and report are; write the report."""
    print("\n" + grade_table(outcomes))
    course = Path(args.course).resolve()
    print(f"\nfeedback: {course / 'feedback'}/<student>/{args.assignment}/\ngrades:   {course / 'grades.csv'}")
    if not args.no_report:
        from autograder.report import write_report
        page = write_report(course, args.assignment)
        print(f"report:   {page}")


if __name__ == "__main__":
    main()
    # Everything is written and closed; skip tearing down nbgrader's module graph (0.4 s of CPU).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
