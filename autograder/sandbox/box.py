"""An isolated process for running one student's notebook: bubblewrap, no network, a read-only file
system in which the grading code, the gradebook and every other submission are hidden, limits on
memory and time, and two pipes as the only way out.

The trusted side (autograder/trusted/execute.py) talks to autograder/sandbox/worker.py inside through `Sandbox.request`.
Everything that comes back is untrusted: sizes are bounded before anything is decoded, and decoding is
course.plain's (no pickle, so no code runs and no ndarray subclass can arrive).
"""
import io
import os
import resource
import select
import signal
import struct
import subprocess
import sys
import threading
import time
import zipfile

from autograder.core.limits import DEFAULTS
from autograder.sandbox import cgroups
from autograder.sandbox.launch import (
    WAIT_THEN_EXEC,
    SandboxError,
    bwrap_command,
    capped,
    compiled_course,
    hidden_paths,
    limits_in_child,
    seccomp_fd,
)
from course import plain

HEADER = struct.Struct(">Q")
MAX_REPLY = 64 << 20  # bytes of one message from the sandbox
MAX_ARRAYS = 10_000  # arrays in one message; a graded call's output and arguments hold a few hundred at most
# How the sandbox's start fails while the user it runs as (nobody, when root grades) has more processes than
# the sandbox's RLIMIT_NPROC, started by other software: it waits for them to end instead of failing the notebook.
BUSY = "Resource temporarily unavailable"
OUT_OF_MEMORY = "out of memory"  # WorkerGone's reason when the sandbox's group went over its memory limit
# Reference answers one request may ask for: a correct function asks a few per time step (the longest case has
# 9), and each costs the grader's CPU, outside the sandbox's limits (an endless loop of them took half a CPU).
MAX_ORACLE_REQUESTS = 1000
TOO_MANY_ORACLE_REQUESTS = "too many reference answers"  # WorkerGone's reason then
# WorkerGone's reason for a message past what the request or the sandbox's `room` allows: decoding costs the
# grader's CPU, outside the sandbox's share, so what one notebook may send is bounded (autograder.core.budget).
SENT_TOO_MUCH = "sent more than it may"
MEMORY = DEFAULTS.sandbox_memory_mb << 20  # bytes a sandbox may use unless told otherwise (c.GradingLimits)


class WorkerGone(Exception):
    """The process in the sandbox ended, timed out or broke the protocol; `reason` says which, for a student."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def _check_archive(data, limit):
    """Refuse before decoding anything a stored .npz could not be: compression (a zip bomb) or more bytes
    than were sent."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        infos = z.infolist()
        if any(i.compress_type != zipfile.ZIP_STORED for i in infos) or sum(i.file_size for i in infos) > limit:
            raise ValueError("compressed or oversized archive")
        if len(infos) > MAX_ARRAYS:  # decoding 200,000 empty arrays took the grader 14 s
            raise ValueError(f"archive of {len(infos)} arrays")


def decode_untrusted(data, limit=MAX_REPLY):
    """course.plain data from bytes the student's process wrote; ValueError if they are anything else."""
    if len(data) > limit:
        raise ValueError(f"message of {len(data)} bytes")
    try:
        _check_archive(data, limit)
        return plain.loads(data)
    except Exception as exc:  # malformed bytes may raise anything while being parsed
        raise ValueError(f"malformed message ({type(exc).__name__})") from None


class Sandbox:
    """One isolated worker process; start it, send requests, close it. Not reusable across notebooks.
    address_space: each process's RLIMIT_AS (default: memory_bytes, capped as this process is capped).
    processes: how many processes and threads it may have."""

    def __init__(self, hide=(), memory_bytes=MEMORY, start_timeout=60, address_space=None,
                 processes=DEFAULTS.sandbox_processes):
        self.hidden = hidden_paths(hide)
        compiled_course()
        self.memory_bytes, self.processes = memory_bytes, processes
        self.address_space = address_space or capped(resource.RLIMIT_AS, memory_bytes)
        self.start_timeout = start_timeout
        self.proc = None
        self.group = None
        self.stderr_tail = b""
        self.room = None  # bytes it may still send, all its messages together; None: MAX_REPLY each
        self.greeted = False

    def start(self):
        """Start the worker and wait for its greeting; SandboxError if it cannot start within start_timeout."""
        give_up = time.monotonic() + self.start_timeout
        while True:
            try:
                self._launch()
                return self._greeted()
            except SandboxError as exc:
                if BUSY not in str(exc) or time.monotonic() > give_up:
                    raise
                time.sleep(1)

    def _launch(self, after=None):
        """Start the sandboxed process, without waiting for it; after: a file descriptor that must become
        readable (at most 30 s) before bwrap runs, waited for by a small process that then becomes bwrap."""
        self.stderr_tail = b""
        filtered = seccomp_fd()
        to_worker_r, self._to_worker = os.pipe()
        self._from_worker, from_worker_w = os.pipe()
        try:
            command = bwrap_command(self.hidden, to_worker_r, from_worker_w, filtered, self.processes)
            if after is not None:
                command = [sys.executable, "-I", "-S", "-c", WAIT_THEN_EXEC, str(after), *command]
            self.group = cgroups.create(self.memory_bytes, self.processes)
            self.proc = subprocess.Popen(
                command, pass_fds=(to_worker_r, from_worker_w, filtered) + ((after,) if after is not None else ()),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
                preexec_fn=limits_in_child(self.address_space, os.geteuid() == 0, self.group, self.processes), cwd="/")
        except BaseException:
            self.close()
            raise
        finally:
            os.close(to_worker_r)
            os.close(from_worker_w)
            os.close(filtered)

    def _greeted(self):
        """Wait for the started process's greeting; self, or SandboxError."""
        reader = self.stderr_reader = threading.Thread(target=self._drain_stderr, daemon=True)
        reader.start()
        try:
            hello = self._receive(time.monotonic() + self.start_timeout)
        except WorkerGone as gone:
            self.kill()
            reader.join(5)  # bwrap's last words (BUSY?) may still be in the pipe when its end is noticed
            self.close()
            raise SandboxError(f"the grading sandbox did not start ({gone.reason}); bwrap said: "
                               f"{self.stderr_tail.decode(errors='replace').strip() or 'nothing'}") from None
        if hello != {"op": "ready"}:
            self.close()
            raise SandboxError("the grading sandbox started but did not greet as expected")
        self.greeted = True
        return self

    def _drain_stderr(self):
        # Kept only for a startup error message, so only until the worker greets: the student's code can write
        # here too, and every byte read took the grader's CPU, outside the sandbox's share (105 GB in 40 s).
        # Only a tail is kept, read in chunks: reading lines held a 1.5 GB line without a newline in memory.
        stderr = self.proc.stderr
        try:
            while not self.greeted:
                if select.select([stderr], [], [], 0.2)[0]:
                    chunk = os.read(stderr.fileno(), 1 << 16)
                    if not chunk:
                        return
                    self.stderr_tail = (self.stderr_tail + chunk)[-4000:]
            stderr.close()  # what is written there from now on fails in the sandbox (EPIPE), at no cost here
        except (OSError, ValueError):  # closed by close()
            pass

    @property
    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def send(self, message, deadline):
        data = plain.dumps(message)
        view = memoryview(HEADER.pack(len(data)) + data)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([], [self._to_worker], [], remaining)[1]:
                self.kill()
                raise WorkerGone("timeout")
            try:
                view = view[os.write(self._to_worker, view[:1 << 16]):]
            except (BrokenPipeError, OSError):
                raise self._ended() from None

    def _read(self, n, deadline):
        chunks = []
        while n:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._from_worker], [], [], remaining)[0]:
                self.kill()
                raise WorkerGone("timeout")
            chunk = os.read(self._from_worker, min(n, 1 << 20))
            if not chunk:
                raise self._ended()
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def _receive(self, deadline, limit=MAX_REPLY):
        (n,) = HEADER.unpack(self._read(HEADER.size, deadline))
        if n > MAX_REPLY:
            self.kill()
            raise WorkerGone(f"sent a message of {n} bytes (the limit is {MAX_REPLY})")
        if n > limit or (self.room is not None and n > self.room):
            self.kill()
            raise WorkerGone(SENT_TOO_MUCH)
        if self.room is not None:
            self.room -= n
        try:
            return decode_untrusted(self._read(n, deadline), limit)
        except ValueError as exc:
            self.kill()
            raise WorkerGone(f"sent a {exc}") from None

    def request(self, message, timeout, on_oracle=None, limit=MAX_REPLY):
        """Send one request and return the worker's final reply (a dict). Oracle requests on the way are
        answered by on_oracle(message) -> reply dict, their time counted in `timeout`. limit: bytes of each
        message the worker sends meanwhile."""
        deadline = time.monotonic() + timeout
        self.send(message, deadline)
        for _ in range(MAX_ORACLE_REQUESTS + 1):
            reply = self._receive(deadline, limit)
            if type(reply) is not dict:
                self.kill()
                raise WorkerGone("sent a reply that is not a message")
            if reply.get("op") != "oracle":
                return reply
            if on_oracle is None:
                self.kill()
                raise WorkerGone("asked for a reference answer outside a graded call")
            self.send(on_oracle(reply), deadline)
        self.kill()
        raise WorkerGone(TOO_MANY_ORACLE_REQUESTS)

    def _ended(self):
        """WorkerGone for a process that ended by itself, or was killed by its group's memory limit."""
        self.kill()
        return WorkerGone(OUT_OF_MEMORY if self.group is not None and self.group.out_of_memory() else "ended")

    def kill(self):
        """Kill the whole process group (the pid namespace dies with its first process)."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()

    def close(self):
        # Killed, not asked to exit: nothing inside needs cleaning up (its /tmp dies with it), and the
        # interpreter's own shutdown took 0.2-0.5 s per notebook.
        self.kill()
        for fd in (getattr(self, "_to_worker", None), getattr(self, "_from_worker", None)):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._to_worker = self._from_worker = None
        if self.proc is not None and self.proc.stderr:
            self.proc.stderr.close()
        if isinstance(self.proc, StartedAhead):
            self.proc.close()
        if self.group is not None:
            self.group.remove()
            self.group = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()


class StartedAhead:
    """The part of a Popen that Sandbox uses, for a sandbox started by the process this one was forked from.
    Only that process can reap it, so it is watched through a pidfd opened there at once: by the time a pid
    is looked at here, it could name another process."""

    def __init__(self, popen):
        self._popen, self.pid, self.stderr, self.returncode = popen, popen.pid, popen.stderr, None
        self._pidfd = os.pidfd_open(popen.pid)

    def poll(self):
        if self.returncode is None and select.select([self._pidfd], [], [], 0)[0]:
            self.returncode = -signal.SIGKILL  # it has ended; how is for its parent to learn
        return self.returncode

    def wait(self):
        select.select([self._pidfd], [], [])
        return self.poll()

    def close(self):
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None
