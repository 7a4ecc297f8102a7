"""Grade a whole class: every submission of an assignment, several students at once, every failure a grade.

    ./run grade ASSIGNMENT [STUDENT ...] [--workers N] [--timeout S] [--memory-mb M] [--force]

Each student is graded by nbgrader's own autograde (whatever pipeline nbgrader_config.py configures) in
a long-lived worker process, so plain nbgrader commands keep working on the same course directory and
gradebook. What this adds around nbgrader:
  - parallel workers with a progress line (students done, failed, time left);
  - resuming: a student whose submission is unchanged since it was graded is not graded again
    (--force regrades); outcomes are kept in reports/<assignment>/outcomes/<student>.json;
  - every failure is a graded outcome with a reason: a missing, renamed or invalid notebook, a kernel that
    dies, a cell stopped by the per-cell timeout, memory exhausted under the per-process cap, huge output,
    a worker that hangs or dies. What could not be graded scores zero; the batch goes on;
  - safe parallel gradebook writes: SQLite transactions take the write lock when they begin (so waiting
    writers queue instead of failing with "database is locked"); PostgreSQL needs nothing extra;
  - feedback for every student (nbgrader's, or a page giving the reason), nbgrader's CSV export, a report.
"""
import argparse
import hashlib
import html
import json
import multiprocessing
import multiprocessing.forkserver
import os
import re
import resource
import socket
import sqlite3
import sys
import time
from multiprocessing.connection import wait
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy import Engine, event
from traitlets.config import PyFileConfigLoader

OUTPUT_LIMIT = 1_000_000        # characters one cell may print before its output counts as huge
OUTPUT_KEEP = 10_000            # characters of a huge output kept in the autograded notebook
ANSI = re.compile(r"\x1b\[[0-9;]*m")
HINT = re.compile(r"Hint: (.+)")


# --- the gradebook -------------------------------------------------------------------------------

def serialize_sqlite_writes():
    """Make every SQLite transaction in this process BEGIN IMMEDIATE and wait up to 5 minutes for the lock.

    pysqlite starts transactions lazily, so two workers that both read and then write can each hold a read
    lock the other needs, and SQLite answers "database is locked" at once instead of waiting. Taking the
    write lock at BEGIN makes writers queue behind each other (SQLAlchemy's documented pysqlite recipe).
    nbgrader opens the gradebook only briefly (never while a notebook runs), so the queue is short."""
    if getattr(serialize_sqlite_writes, "done", False):
        return

    @event.listens_for(Engine, "connect")
    def _connect(dbapi_connection, _record):
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.isolation_level = None  # let the "begin" hook below issue BEGIN itself
            dbapi_connection.execute("PRAGMA busy_timeout = 300000")

    @event.listens_for(Engine, "begin")
    def _begin(conn):
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    serialize_sqlite_writes.done = True


def load_config(course):
    """The course's nbgrader configuration (nbgrader_config.py in the course directory)."""
    if not (course / "nbgrader_config.py").exists():
        sys.exit(f"grade: {course} has no nbgrader_config.py; run from the course directory or pass --course")
    return PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()


def assignment_layout(db_url, course_id, assignment, course):
    """{notebook: [(grade_id, max points)]} of an assignment, test cells in notebook order."""
    with Gradebook(db_url, course_id) as gb:
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            sys.exit(f"grade: the gradebook has no assignment '{assignment}'. Release it first: "
                     f"nbgrader generate_assignment {assignment}")
        layout = {nb.name: {c.name: c.max_score for c in nb.grade_cells} for nb in found.notebooks}
    for name, cells in layout.items():  # the gradebook keeps no order; the source notebook does
        source = course / "source" / assignment / f"{name}.ipynb"
        order = [c.metadata.get("nbgrader", {}).get("grade_id") for c in read_notebook(source).cells] \
            if source.exists() else []
        layout[name] = sorted(cells.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 1e9)
    return layout


def read_notebook(path):
    return nbformat.read(str(path), as_version=4)


def zero_submission(db_url, course_id, assignment, student, notebooks):
    """Score zero on every test of `notebooks` (creating the submission if needed), as nbgrader itself
    does for a missing notebook; without this a failed regrade would leave the previous run's scores."""
    with Gradebook(db_url, course_id) as gb:
        gb.update_or_create_student(student)
        submission = gb.update_or_create_submission(assignment, student)
        for nb in submission.notebooks:
            if nb.name in notebooks:
                for grade in nb.grades:
                    grade.auto_score, grade.needs_manual_grade = 0, False
        gb.db.commit()


def gradebook_scores(db_url, course_id, assignment, student):
    """{grade_id: (score, max score)} of one submission."""
    with Gradebook(db_url, course_id) as gb:
        submission = gb.find_submission(assignment, student)
        return {g.name: (g.score or 0.0, g.max_score) for nb in submission.notebooks for g in nb.grades}


# --- one student (runs in a worker) ------------------------------------------------------------------

def fingerprint(folder):
    """A hash of every file of a submission: a resubmission has a new one and is graded again."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def check_files(folder, expected):
    """({notebook: reason} for expected notebooks that cannot be graded, names that can)."""
    bad = {}
    extra = sorted(p.name for p in folder.glob("*.ipynb") if p.stem not in expected)
    for name in expected:
        path = folder / f"{name}.ipynb"
        if not path.exists():
            found = f" (found {', '.join(extra)}: renamed? hand it in as {name}.ipynb)" if extra else ""
            bad[name] = f"{name}.ipynb is missing{found}"
            continue
        try:
            json.loads(path.read_bytes())
        except ValueError as exc:
            bad[name] = f"{name}.ipynb is not valid JSON ({exc}): was it cut off while saving?"
            continue
        try:
            nbformat.validate(read_notebook(path))
        except Exception as exc:  # an old format, missing fields, nbgrader metadata it cannot read
            first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
            bad[name] = f"{name}.ipynb is not a valid notebook ({first})"
    return bad, [n for n in expected if n not in bad]


def failure_reason(text, limits):
    """What went wrong, from nbgrader's log and traceback of a failed autograde."""
    if "DeadKernelError" in text or "Kernel died" in text:
        return ("the kernel died while the notebook ran (os._exit, a crash, or more memory than the "
                f"{limits['memory_mb']} MB cap)")
    if "UnresponsiveKernelError" in text or "CellTimeoutError" in text or "TimeoutError" in text:
        return f"a cell ran longer than the {limits['timeout']} s limit and could not be stopped"
    if "MemoryError" in text:
        return f"grading ran out of memory (cap: {limits['memory_mb']} MB per grading process)"
    if "NotJSONError" in text or "JSONDecodeError" in text or "ValidationError" in text:
        return "a notebook is not valid JSON/nbformat"
    errors = [line for line in text.splitlines() if re.match(r"^\w*(Error|Exception)\b", line)]
    return "nbgrader could not grade it: " + (errors[-1][:200] if errors else "see the autograde log")


def output_text(output):
    if output.get("output_type") == "stream":
        return output.get("text", "")
    if output.get("output_type") == "error":
        return "\n".join([output.get("evalue", "")] + output.get("traceback", []))
    return json.dumps(output.get("data", {}))


def inspect_autograded(path, limits):
    """(problems, {grade_id: diagnosis}) of an autograded notebook; shortens huge outputs in place.

    A diagnosis is the first "Hint: ..." of a failing test cell's error output, else its first listed
    problem ("  - ..." in course.checking's reports), else its first line."""
    nb = read_notebook(path)
    problems, diagnoses, shortened = [], {}, False
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        where = meta.get("grade_id") or f"cell {i + 1}"
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                # A pipeline that survives these (a sandbox that restarts, nbclient's interrupt) records
                # them as the cell's error; the rest of the notebook was graded.
                if out.get("ename") == "CellTimeoutError":
                    problems.append(f"{where} was stopped after the {limits['timeout']} s per-cell limit")
                elif out.get("ename") == "MemoryError":
                    problems.append(f"{where} ran out of memory ({limits['memory_mb']} MB cap)")
                elif out.get("ename") == "DeadKernelError":
                    problems.append(f"{where}: the kernel died while it ran (os._exit, a crash, or the memory cap)")
                if meta.get("grade"):
                    text = ANSI.sub("", output_text(out))
                    hint = HINT.search(text)
                    lines = [s.strip() for s in text.splitlines() if s.strip()]
                    first = next((s[2:] for s in lines if s.startswith("- ")),
                                 lines[0] if lines else out.get("ename", "error"))
                    diagnoses[meta["grade_id"]] = (f"Hint: {hint.group(1).strip()}" if hint else first)[:300]
        size = sum(len(output_text(o)) for o in cell.get("outputs", []))
        if size > OUTPUT_LIMIT:
            problems.append(f"{where} printed {size / 1e6:.1f} MB of output (shortened to {OUTPUT_KEEP} characters)")
            for out in cell.outputs:
                if out.get("output_type") == "stream" and len(out.text) > OUTPUT_KEEP:
                    cut = len(out.text) - OUTPUT_KEEP
                    out.text = out.text[:OUTPUT_KEEP] + f"\n... [{cut} characters cut by the grader]\n"
                elif out.get("output_type") == "execute_result":
                    out.data = {"text/plain": "[a huge result, cut by the grader]"}
            shortened = True
    if shortened:  # nbgrader leaves autograded notebooks read-only
        mode = path.stat().st_mode
        path.chmod(mode | 0o200)
        nbformat.write(nb, str(path))
        path.chmod(mode)
    return problems, diagnoses


def failure_feedback(course, assignment, student, notebooks, reason, scores):
    """A feedback page for a notebook nbgrader could not grade (nbgrader writes none for it)."""
    folder = course / "feedback" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    earned, total = sum(s for s, _ in scores.values()), sum(m for _, m in scores.values())
    for name in notebooks:
        (folder / f"{name}.html").write_text(
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(name)}</title></head>"
            f"<body><h1>{html.escape(assignment)}: {html.escape(name)}.ipynb</h1>"
            f"<p><b>This notebook could not be graded:</b> {html.escape(reason)}.</p>"
            f"<p>It scores 0. Your total for {html.escape(assignment)} is {earned:g} / {total:g}.</p>"
            f"<p>Fix the problem and hand the assignment in again, or ask your instructor.</p></body></html>")


def rmtree_if_exists(path):
    from nbgrader.utils import rmtree  # makes read-only files and folders (nbgrader's) writable first

    if path.exists():
        rmtree(str(path))


def grade_student(api, course, assignment, student, layout, limits):
    """Autograde one student with nbgrader and describe the outcome (a dict, see summarize())."""
    from nbgrader.apps.api import temp_attrs  # nbgrader's own helper for one-off CourseDirectory settings

    db_url, course_id = api.coursedir.db_url, api.coursedir.course_id
    folder = course / "submitted" / student / assignment
    started = time.monotonic()
    outcome = {"student": student, "fingerprint": fingerprint(folder), "problems": [], "diagnoses": {},
               "failed": False}
    bad, good = check_files(folder, list(layout))
    outcome["problems"] += list(bad.values())

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
        reason = failure_reason(failed_run.get("log", "") + failed_run.get("error", ""), limits)
        outcome["problems"].append(reason)
        outcome["log"] = (failed_run.get("log", "") + failed_run.get("error", ""))[-4000:]
        bad.update({n: reason for n in good})
        good = []

    zero = [n for n in layout if n in bad]
    if zero:
        zero_submission(db_url, course_id, assignment, student, zero)
    for name in good:
        problems, diagnoses = inspect_autograded(course / "autograded" / student / assignment / f"{name}.ipynb", limits)
        outcome["problems"] += problems
        outcome["diagnoses"].update(diagnoses)
    scores = gradebook_scores(db_url, course_id, assignment, student)
    if good:
        fb = api.generate_feedback(assignment, student, force=True)
        if not fb["success"]:
            outcome["problems"].append("nbgrader could not write feedback: " + fb.get("error", "")[-200:])
    if zero:
        failure_feedback(course, assignment, student, zero, "; ".join(bad[n] for n in zero), scores)
    outcome.update(failed=not good, scores=scores, seconds=round(time.monotonic() - started, 2))
    return outcome


def summarize(outcome, layout):
    """Score, maximum and a one-line reason of an outcome."""
    scores = outcome["scores"]
    tests = [gid for cells in layout.values() for gid, _ in cells]
    score = sum(scores.get(g, (0, 0))[0] for g in tests)
    max_score = sum(m for cells in layout.values() for _, m in cells)
    failed_tests = [g for g in tests if scores.get(g, (0, 0))[0] < scores.get(g, (0, 1))[1]]
    if outcome["failed"]:
        reason = "not graded, scored 0: " + "; ".join(outcome["problems"])
    elif not failed_tests:
        reason = "all tests passed"
    elif len(failed_tests) <= 3:
        reason = f"failed {', '.join(failed_tests)}"
    else:
        reason = f"failed {len(failed_tests)} of {len(tests)} tests ({', '.join(failed_tests[:2])}, ...)"
    if not outcome["failed"] and outcome["problems"]:
        reason += " (" + "; ".join(outcome["problems"]) + ")"
    return score, max_score, reason


# --- workers -------------------------------------------------------------------------------------

def limit_memory(megabytes):
    """Cap this process's address space; the kernels (and sandboxes) it starts inherit the cap."""
    if megabytes:
        cap = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def worker_main(conn, course, limits, log_path, environ):
    """A grading process: receives (assignment, student, layout), sends back outcomes, until None.
    `environ` is the batch's environment now (the fork server's is the one it had when it started)."""
    import logging

    # Kernels and nbgrader write warnings to stderr; keep them in a log, off the progress line.
    log_file = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log_file, 1)
    os.dup2(log_file, 2)

    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    os.environ.clear()
    os.environ.update(environ)
    os.chdir(course)
    limit_memory(limits["memory_mb"])
    serialize_sqlite_writes()
    config = load_config(course)
    if limits.get("timeout_override"):
        config.Execute.timeout = limits["timeout"]  # subclasses of Execute (e.g. a sandboxed one) inherit it
    log = logging.getLogger(f"autograder.batch.worker{os.getpid()}")
    log.propagate = False  # nbgrader's log goes into each outcome, not onto the progress line
    log.setLevel(logging.INFO)
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config, log=log)
    while True:
        task = conn.recv()
        if task is None:
            return
        assignment, student, layout = task
        try:
            outcome = grade_student(api, course, assignment, student, layout, limits)
        except Exception as exc:  # a bug or a broken environment must not take the whole batch down
            import traceback
            outcome = {"student": student, "failed": True, "scores": {}, "diagnoses": {},
                       "problems": [f"the grader itself failed: {type(exc).__name__}: {exc}"],
                       "log": traceback.format_exc()[-4000:], "fingerprint": None}
        conn.send(outcome)


# What a worker imports; not autograder.batch itself, which runs as __main__ under `python -m` and is then
# imported by each worker under that name (multiprocessing warns if it is in sys.modules already).
WORKER_MODULES = ["autograder.feedback", "autograder.trusted", "nbgrader.apps.api"]


def worker_context():
    """Workers are forked from a server process that has imported the grading code once (multiprocessing's
    "forkserver"): fresh like "spawn" (no gradebook connection or pipe of the batch crosses a fork), but no
    worker pays the imports again (2-3 s of CPU each). Started at once, so that the server imports while
    the batch reads the gradebook."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(WORKER_MODULES)
    multiprocessing.forkserver.ensure_running()
    return ctx


class Worker:
    def __init__(self, ctx, course, limits, log_path):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=worker_main, args=(child, course, limits, log_path, dict(os.environ)),
                                   daemon=True)
        self.process.start()
        child.close()
        self.student, self.started = None, None

    def give(self, task):
        self.student, self.started = task[1], time.monotonic()
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
        psutil.wait_procs(procs, timeout=10)
        self.process.join(5)


class Progress:
    """One line: a bar, students done and failed, time left (estimated from the throughput so far)."""

    def __init__(self, total, stream=sys.stderr):
        self.total, self.done, self.failed, self.running, self.stream = total, 0, 0, 0, stream
        self.start, self.tty = time.monotonic(), stream.isatty()

    def line(self, running=0):
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        elapsed = time.monotonic() - self.start
        left = f"{_duration(elapsed / self.done * (self.total - self.done))} left" if self.done else "estimating"
        return (f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} done, {self.failed} failed, "
                f"{running} grading, {left}")

    def update(self, running, note=None):
        """Redraw the line (a terminal), or write it when a student is done (a log file)."""
        if self.tty:
            if note:
                self.stream.write("\r\x1b[K" + note + "\n")
            self.stream.write("\r\x1b[K" + self.line(running))
        elif note is not None:
            self.stream.write(self.line(running) + (f"  {note}" if note else "") + "\n")
        self.stream.flush()

    def finish(self):
        if self.tty:
            self.stream.write("\n")
        self.stream.write(f"graded {self.done} students in {_duration(time.monotonic() - self.start)}, "
                          f"{self.failed} could not be graded\n")
        self.stream.flush()


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
        while queue or any(w.student for w in pool):
            for w in pool:
                if w.student is None and queue:
                    w.give((assignment, queue.pop(0), layout))
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
                        outcome = lost(w.student, "the grading process died (killed by the system?)")
                elif w.process.sentinel in ready or not w.process.is_alive():
                    outcome = lost(w.student, "the grading process died (killed by the system?)")
                elif time.monotonic() - w.started > limits["student_timeout"]:
                    outcome = lost(w.student, f"grading took longer than {limits['student_timeout']} s "
                                              "(a cell that ignores the timeout?); the grader stopped it")
                if outcome is None:
                    continue
                if outcome.get("lost"):
                    w.kill()
                    pool[i] = Worker(ctx, course, limits, log_path)
                else:
                    w.student = None
                progress.running = sum(1 for w in pool if w.student)
                on_outcome(outcome)
            progress.running = sum(1 for w in pool if w.student)
            progress.update(progress.running)
    finally:
        for w in pool:
            if w.student is None and w.process.is_alive():
                try:
                    w.conn.send(None)
                except OSError:
                    pass
        for w in pool:
            w.process.join(10)
            if w.process.is_alive():
                w.kill()


def lost(student, reason):
    return {"student": student, "failed": True, "lost": True, "scores": None, "diagnoses": {},
            "problems": [reason], "fingerprint": None}


# --- the batch -----------------------------------------------------------------------------------

def outcomes_dir(course, assignment):
    """One file per student, so that several grading machines sharing the course directory never write
    the same file."""
    return course / "reports" / assignment / "outcomes"


def load_outcomes(course, assignment):
    """{student: outcome} of every student graded so far."""
    return {p.stem: json.loads(p.read_text()) for p in sorted(outcomes_dir(course, assignment).glob("*.json"))}


def save_outcome(course, assignment, outcome):
    folder = outcomes_dir(course, assignment)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{outcome['student']}.json"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(outcome, indent=1, sort_keys=True))
    os.replace(tmp, path)  # a crash mid-write leaves the previous outcome, never half of one


def to_grade(course, assignment, students, outcomes, graded_in_gradebook, layout, force):
    """The students that need grading: all with --force, else those without an up-to-date outcome."""
    if force:
        return list(students)
    todo = []
    for s in students:
        previous = outcomes.get(s)
        feedback = all((course / "feedback" / s / assignment / f"{n}.html").exists() for n in layout)
        fresh = (previous and previous.get("fingerprint") == fingerprint(course / "submitted" / s / assignment))
        if not (fresh and s in graded_in_gradebook and feedback):
            todo.append(s)
    return todo


def export_csv(db_url, course_id, path):
    """nbgrader's own CSV export (what `nbgrader export` writes), of the whole gradebook."""
    from nbgrader.plugins import CsvExportPlugin

    with Gradebook(db_url, course_id) as gb:
        CsvExportPlugin(to=str(path)).export(gb)


def grade(course, assignment, students=None, workers=None, force=False, timeout=None, memory_mb=2048,
          student_timeout=None, progress_stream=sys.stderr):
    """Grade an assignment; returns {student: outcome} for every selected student (graded now or before)."""
    course = Path(course).resolve()
    ctx = worker_context()
    config = load_config(course)
    db_url, course_id = config.CourseDirectory.db_url, config.CourseDirectory.course_id
    serialize_sqlite_writes()
    layout = assignment_layout(db_url, course_id, assignment, course)

    submitted = sorted(p.parent.name for p in (course / "submitted").glob(f"*/{assignment}") if p.is_dir())
    if students:
        unknown = sorted(set(students) - set(submitted))
        if unknown:
            sys.exit(f"grade: no submission of {assignment} in submitted/ for: {', '.join(unknown)}")
    selected = list(students or submitted)
    if not selected:
        sys.exit(f"grade: nothing to grade: submitted/<student>/{assignment}/ does not exist for any student")

    cell_timeout = timeout or (config.Execute.timeout if "timeout" in config.Execute else 30)
    n_cells = sum(len(cells) for cells in layout.values())
    limits = {"timeout": cell_timeout, "timeout_override": bool(timeout), "memory_mb": memory_mb,
              # every cell may take the whole per-cell limit; kernel start-up and nbgrader get 2 minutes
              "student_timeout": student_timeout or 120 + cell_timeout * (4 * n_cells + 4)}

    with Gradebook(db_url, course_id) as gb:
        graded_before = {s.student.id for s in gb.assignment_submissions(assignment)}
    outcomes = load_outcomes(course, assignment)
    todo = to_grade(course, assignment, selected, outcomes, graded_before, layout, force)
    skipped = len(selected) - len(todo)
    print(f"grade {assignment}: {len(selected)} students, {len(todo)} to grade"
          + (f", {skipped} already graded (--force regrades them)" if skipped else "")
          + (f", {min(workers or os.cpu_count(), len(todo))} workers" if todo else ""), file=progress_stream)

    progress = Progress(len(todo), progress_stream)

    def on_outcome(outcome):
        if outcome.get("scores") is None:  # the worker died before it could record anything
            zero_submission(db_url, course_id, assignment, outcome["student"], list(layout))
            outcome["scores"] = gradebook_scores(db_url, course_id, assignment, outcome["student"])
            failure_feedback(course, assignment, outcome["student"], list(layout), outcome["problems"][0],
                             outcome["scores"])
        score, max_score, reason = summarize(outcome, layout)
        outcome.update(score=score, max_score=max_score, reason=reason)
        outcome.pop("lost", None)
        outcomes[outcome["student"]] = outcome
        save_outcome(course, assignment, outcome)
        progress.done += 1
        progress.failed += outcome["failed"]
        trouble = outcome["failed"] or outcome["problems"]
        progress.update(progress.running, f"{outcome['student']}: {score:g}/{max_score:g}, {reason}" if trouble else "")

    if todo:
        run_workers(ctx, course, assignment, todo, layout, limits, workers or os.cpu_count() or 1, on_outcome,
                    progress)
        progress.finish()
    export_csv(db_url, course_id, course / "grades.csv")
    return {s: outcomes[s] for s in selected if s in outcomes}


def grade_table(outcomes):
    """The grade table as text: student, score, reason."""
    width = max([len("student")] + [len(s) for s in outcomes]) + 2
    lines = [f"{'student':<{width}}{'score':>9}  reason"]
    for s, o in sorted(outcomes.items()):
        lines.append(f"{s:<{width}}{o['score']:>5g}/{o['max_score']:<3g}  {o['reason']}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="./run grade", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assignment")
    parser.add_argument("students", nargs="*", help="grade only these students (default: all in submitted/)")
    parser.add_argument("--workers", type=int, default=os.cpu_count(),
                        help="students graded at once (default: CPU count)")
    parser.add_argument("--force", "--regrade", action="store_true", help="regrade students already graded")
    parser.add_argument("--timeout", type=int,
                        help="seconds one cell may run (default: Execute.timeout of nbgrader_config.py)")
    parser.add_argument("--memory-mb", type=int, default=2048,
                        help="address-space cap of each grading process and its kernel (0: none)")
    parser.add_argument("--student-timeout", type=int, help="seconds one student may take before the worker is killed")
    parser.add_argument("--course", default=".", help="the nbgrader course directory (default: here)")
    parser.add_argument("--no-report", action="store_true", help="skip the HTML/PNG report")
    args = parser.parse_intermixed_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")

    outcomes = grade(args.course, args.assignment, args.students, args.workers, args.force, args.timeout,
                     args.memory_mb, args.student_timeout)
    print("\n" + grade_table(outcomes))
    course = Path(args.course).resolve()
    print(f"\nfeedback: {course / 'feedback'}/<student>/{args.assignment}/\ngrades:   {course / 'grades.csv'}")
    if not args.no_report:
        from autograder.report import write_report
        page = write_report(course, args.assignment)
        print(f"report:   {page}")


if __name__ == "__main__":
    main()
