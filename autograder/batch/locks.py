"""The locks that let several batches share one course directory, on one machine or on several (NFS).

Two runs that grade one student at once rewrite each other's autograded/ and feedback/ folders; two runs of
different students do not. So the locks are as fine as that, all in reports/<assignment>/locks/:
  - a student's (`students/<student>.lock`), held by the batch from the moment it hands the student to a worker
    until the outcome is written: another batch that reaches that student skips it. In a folder of their own:
    a student id is a user name, which a student may pick, and one named "assignment" or "slice-1-of-2" beside
    the runs' locks was never graded while another slice ran, and freed its own run's lock (attack round 12);
  - a slice's (`slice-<i>-of-<k>.lock`, `all.lock` without --slice), held for the whole run: the same slice
    started twice is refused at once, naming the run that holds it;
  - the assignment's (`assignment.lock`): shared by every grading run, taken alone by --feedback-only, which
    rewrites the feedback pages that grading writes.
They are POSIX record locks (fcntl), which NFS carries between machines (NFSv4, or v3 with its lock
manager), and the kernel drops them when the holding process ends, however it ends: a lock never outlives
its run. Each file says who holds it (process, host, since when), for the message of whoever finds it held.
"""
import fcntl
import os
import socket
import sys
import time
from pathlib import Path


def locks_dir(course, assignment):
    return Path(course) / "reports" / assignment / "locks"


def holder_line(what):
    return f"pid {os.getpid()} on {socket.gethostname()}, {what} since {time.strftime('%Y-%m-%d %H:%M:%S')}"


class Lock:
    """A held lock on a file; `release()` (or the end of this process) lets it go."""

    def __init__(self, path, fd, remove):
        self.path, self.fd, self.remove = path, fd, remove

    def release(self):
        if self.fd is None:
            return
        if self.remove:  # unlinked while still held, so that no one locks this file after it is gone
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass
        os.close(self.fd)  # closing drops the lock
        self.fd = None


def try_lock(path, what, shared=False, remove=False):
    """Lock `path` (exclusive, or shared with other shared holders) without waiting: a Lock, or the text
    of who holds it (a string) when it is held. `remove`: the file goes with the lock (a student's: one file
    per student would otherwise stay behind for each)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.lockf(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except OSError:  # EAGAIN or EACCES, as the system says it
            holder = os.pread(fd, 500, 0).decode(errors="replace").strip() or "another run"
            os.close(fd)
            return holder
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # its holder removed the file after this opened it: lock the one there now
    if not shared:
        os.ftruncate(fd, 0)
        os.pwrite(fd, (holder_line(what) + "\n").encode(), 0)
    return Lock(path, fd, remove)


def hold_run(course, assignment, part=None):
    """The locks of one grading run: the assignment's (shared) and its slice's, or exit naming who holds
    them. Returns something to close() when the run ends."""
    folder = locks_dir(course, assignment)
    name = f"slice-{part[0]}-of-{part[1]}" if part else "all"
    shown = f"slice {part[0]}/{part[1]} of {assignment}" if part else assignment
    try:
        assignment_lock = try_lock(folder / "assignment.lock", f"grading {assignment}", shared=True)
        if isinstance(assignment_lock, str):
            sys.exit(f"grade: {assignment} in {course} is having its feedback rewritten ({assignment_lock}, "
                     "./run grade --feedback-only): wait for that to end, then run this again.")
        slice_lock = try_lock(folder / f"{name}.lock", f"grading {shown}")
    except OSError as exc:
        sys.exit(f"grade: cannot write in the course directory {course}: {exc.strerror} ({exc.filename})")
    if isinstance(slice_lock, str):
        assignment_lock.release()
        sys.exit(f"grade: {shown} in {course} is being graded already ({slice_lock}). Two runs of one slice would "
                 "only wait on each other's students: wait for that run to end (or stop it), then run this again.")
    return Held([slice_lock, assignment_lock])


def hold_assignment(course, assignment):
    """The assignment's lock alone (--feedback-only), or exit naming the grading runs that hold it."""
    folder = locks_dir(course, assignment)
    try:
        lock = try_lock(folder / "assignment.lock", f"rewriting the feedback of {assignment}")
    except OSError as exc:
        sys.exit(f"grade: cannot write in the course directory {course}: {exc.strerror} ({exc.filename})")
    if isinstance(lock, str):
        runs = [held for p in sorted(folder.glob("*.lock")) if p.name != "assignment.lock"
                and isinstance(held := held_by(p), str)]
        sys.exit(f"grade: {assignment} in {course} is being graded ({'; '.join(runs) or lock}), and --feedback-only "
                 "rewrites the feedback pages grading writes: wait for the grading to end, then run this again.")
    return Held([lock])


def held_by(path):
    """Who holds `path` (a string), or None when no one does. Never for a lock this process holds: closing
    any descriptor of a file drops the POSIX locks this process has on it."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return None
    except OSError:
        return os.pread(fd, 500, 0).decode(errors="replace").strip() or "another run"
    finally:
        os.close(fd)


class Held:
    """Several locks, released together."""

    def __init__(self, locks):
        self.locks = locks

    def close(self):
        for lock in self.locks:
            lock.release()


def try_student(course, assignment, student):
    """The student's lock (a Lock), or who holds it (a string)."""
    return try_lock(locks_dir(course, assignment) / "students" / f"{student}.lock", f"grading {student}", remove=True)
