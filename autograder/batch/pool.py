"""The grading processes of a batch: forked from one fork server, each given one student at a time, killed with
everything they started when a student overruns."""
import importlib
import json
import multiprocessing
import multiprocessing.forkserver
import multiprocessing.resource_tracker
import os
import signal
import sys
import time
import traceback
from multiprocessing.connection import wait

from autograder.batch.outcomes import forget_outcome


def worker_context(sandboxes_ahead=None):
    """Workers are forked from a server process (multiprocessing's "forkserver") that has imported the
    grading code and taken its first-time costs once (autograder.batch.preload): fresh like "spawn" (no
    gradebook connection or pipe of the batch crosses a fork), but no worker pays the imports (2-3 s of CPU
    each) or the warm-up again. sandboxes_ahead: autograder.sandbox.ahead.start_ahead's arguments, for the server
    to start those first, if this call starts it (one server serves every batch of a process)."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["autograder.batch.preload"])
    from autograder.sandbox.ahead import AHEAD
    if sandboxes_ahead:
        os.environ[AHEAD] = json.dumps(sandboxes_ahead)
    # Ctrl-C or SIGTERM to the batch's process group while the server's interpreter starts would end it with a
    # "Fatal Python error" and a traceback: it starts with them blocked, and preload unblocks them once it
    # ignores them. This process takes one that came meanwhile when the block ends here. multiprocessing's
    # resource tracker, which the server needs, starts first: starting, it unblocks both in this process.
    multiprocessing.resource_tracker.ensure_running()
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        os.environ.pop(AHEAD, None)
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
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


class GradingProcess:
    """A process forked from the fork server that grades one student at a time (autograder.batch.student), seen
    from the batch: its pipe, who it grades since when, and the sandboxes it took."""

    def __init__(self, ctx, course, limits, log_path):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=run_named, daemon=True, args=(
            "autograder.batch.student.worker_main", dict(os.environ), child, course, limits, log_path, os.getpid()))
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


def run_workers(ctx, course, assignment, students, layout, limits, workers, on_outcome, progress, log_path,
                claim=lambda student: True):
    """Grade `students` on `workers` processes of `ctx` (worker_context()); a worker that hangs past the
    student limit or dies is replaced, and its student gets a failed outcome. claim(student): whether this
    batch grades the student after all (another batch sharing the course directory may have it), asked
    just before the student is handed to a worker."""
    queue, pool = list(students), []
    try:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        pool = [GradingProcess(ctx, course, limits, log_path) for _ in range(min(workers, len(queue)))]

        def give_next(w):
            while queue:
                student = queue.pop(0)
                if not claim(student):
                    continue
                # Only now: if the batch is stopped, students not yet started keep their last outcome.
                forget_outcome(course, assignment, student)
                w.give((assignment, student, layout))
                progress.begin(student)
                return

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
                    if "phase" in outcome:  # not an outcome: the worker moved on (autograder.batch.student)
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
                        pool[i] = GradingProcess(ctx, course, limits, log_path)
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


# What a worker stopped at the student limit was doing, from what it said last (autograder.batch.student.grade_student's
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
