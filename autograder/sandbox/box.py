"""An isolated process for running one student's notebook: bubblewrap, no network, a read-only file
system in which the grading code, the gradebook and every other submission are hidden, limits on
memory and time, and two pipes as the only way out.

The trusted side (autograder/trusted/execute.py) talks to autograder/sandbox/worker.py inside through `Sandbox.request`.
Everything that comes back is untrusted: sizes are bounded before anything is decoded, and decoding is
course.plain's (no pickle, so no code runs and no ndarray subclass can arrive).
"""
import atexit
import compileall
import functools
import io
import json
import os
import resource
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

from autograder.core.paths import AUTOGRADER, COURSE_PACKAGE, COURSE_ROOT
from autograder.sandbox import cgroups, syscalls
from course import plain

WORKER = Path(__file__).resolve().parent / "worker.py"  # copied into the sandbox: it runs there
HEADER = struct.Struct(">Q")
MAX_REPLY = 64 << 20  # bytes of one message from the sandbox
MAX_ARRAYS = 10_000  # arrays in one message; a graded call's output and arguments hold a few hundred at most
NOBODY = 65534
TMP = Path("/tmp")
INSIDE_WORKER = "/tmp/.grader/worker.py"
INSIDE_FONT_CACHE = "/tmp/.grader/mpl"
# How the sandbox's start fails while the user it runs as (nobody, when root grades) has more processes than
# the sandbox's RLIMIT_NPROC, started by other software: it waits for them to end instead of failing the notebook.
BUSY = "Resource temporarily unavailable"
PROCESSES = 256  # processes and threads one sandbox may have
OUT_OF_MEMORY = "out of memory"  # WorkerGone's reason when the sandbox's group went over its memory limit
# Reference answers one request may ask for: a correct function asks a few per time step (the longest case has
# 9), and each costs the grader's CPU, outside the sandbox's limits (an endless loop of them took half a CPU).
MAX_ORACLE_REQUESTS = 1000
TOO_MANY_ORACLE_REQUESTS = "too many reference answers"  # WorkerGone's reason then
# WorkerGone's reason for a message past what the request or the sandbox's `room` allows: decoding costs the
# grader's CPU, outside the sandbox's share, so what one notebook may send is bounded (autograder.core.budget).
SENT_TOO_MUCH = "sent more than it may"
MEMORY = 2 << 30  # bytes a sandbox may use unless told otherwise (autograder.trusted.execute: memory_limit_mb)


# argv: FD, then a command: wait until FD is readable (30 s at most), close it, and become the command.
WAIT_THEN_EXEC = ("import os, select, sys; fd = int(sys.argv[1]); select.select([fd], [], [], 30); os.close(fd); "
                  "os.execv(sys.argv[2], sys.argv[2:])")


class SandboxError(Exception):
    """The sandbox cannot be used at all (missing bubblewrap, a broken setup): grading must stop."""


class WorkerGone(Exception):
    """The process in the sandbox ended, timed out or broke the protocol; `reason` says which, for a student."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def _capped(kind, value):
    """value, never above a cap set on the grader itself (e.g. by autograder.batch.grade --memory-mb)."""
    hard = resource.getrlimit(kind)[1]
    return value if hard == resource.RLIM_INFINITY else min(value, hard)


def _limits(address_space, drop_to_nobody, group):
    """Limits set in the child before it runs bwrap; the sandboxed process inherits them."""
    def cap(kind, value):
        value = _capped(kind, value)
        resource.setrlimit(kind, (value, value))

    def apply():
        cap(resource.RLIMIT_AS, address_space)
        cap(resource.RLIMIT_CORE, 0)
        cap(resource.RLIMIT_FSIZE, 256 << 20)
        if group is not None:
            group.enter()
        elif drop_to_nobody:  # counts every process of uid nobody, so a fork bomb stops there
            cap(resource.RLIMIT_NPROC, PROCESSES)
    return apply


# Every group's counters (processes, memory, the pids in it): a sandbox beside another could read them live.
CGROUPS = "/sys/fs/cgroup"
SYSTEM_DIRS = {"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc", "dev", "proc", "sys", "tmp"}


def hidden_paths(extra=()):
    """Directories the student's code must not see: the course (grading code, gradebook, submissions),
    the home directory of whoever grades, and `extra` (e.g. the nbgrader course directory)."""
    paths = {Path(p).resolve() for p in (COURSE_ROOT, Path.home(), *extra) if Path(p).exists()}
    # Every top-level directory but the system's: another checkout of the course (with its solutions and
    # reference), other courses' submissions, database files can live anywhere else on the machine.
    paths |= {p for p in Path("/").iterdir() if p.name not in SYSTEM_DIRS and p.is_dir() and not p.is_symlink()}
    # /tmp is a fresh tmpfs inside anyway: what is under it is hidden already. Keep only the outermost.
    paths = {p for p in paths if p != Path("/") and not _under(p, [TMP])}
    return sorted(p for p in paths if not any(q in p.parents for q in paths))


def _under(path, folders):
    return any(path == f or f in path.parents for f in folders)


def _bind_back(hidden):
    """Paths under hidden directories that the worker needs: the course package and the Python it runs on."""
    needed = [COURSE_PACKAGE, Path(sys.prefix), Path(sys.base_prefix)]
    out = []
    for p in needed:
        p = p.resolve()
        if p.exists() and _under(p, [*hidden, TMP]) and p not in out:
            out.append(p)
    return out


def sandbox_python():
    """sys.executable by a path that exists inside the sandbox: under the resolved sys.prefix, which
    _bind_back binds (a .venv that is itself a symlink would not be followed), but not resolved itself (a
    venv's python is a symlink to the base interpreter, which run by its own path would not see the venv)."""
    try:
        return str(Path(sys.prefix).resolve() / Path(sys.executable).relative_to(sys.prefix))
    except ValueError:  # an interpreter outside its prefix: nothing to translate
        return sys.executable


def _parents_to_make(binds, hidden):
    """The directories between a hidden directory (or /tmp) and each bound path, parents first."""
    tops = [*hidden, TMP]
    dirs = {a for p in binds for a in p.parents if _under(a, tops) and a not in tops}
    return sorted(dirs, key=lambda d: len(d.parts))


@functools.cache
def font_cache():
    """A directory holding matplotlib's font list, which the worker copies into its own writable config
    directory: without it every sandbox would rebuild the list (1.5 s per notebook). Built once per machine
    and matplotlib version, in the grader's cache directory, so grading processes started one after
    another (nbgrader runs, batch workers) do not rebuild it either."""
    from importlib.metadata import version

    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rnn-course"
    folder = cache / f"matplotlib-{version('matplotlib')}-fonts"
    if any(folder.glob("fontlist-*.json")):
        return str(folder)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        building = _build_font_list(tempfile.mkdtemp(prefix=".fonts-", dir=cache))
        try:
            building.rename(folder)  # whole or not at all
        except OSError:  # another grader finished first
            shutil.rmtree(building, ignore_errors=True)
        return str(folder)
    except OSError:  # a read-only home: a list for this process only
        building = _build_font_list(tempfile.mkdtemp(prefix="grader-mpl-"))
        atexit.register(shutil.rmtree, building, ignore_errors=True)
        return str(building)


@functools.cache
def compiled_course():
    """Compile the course package where it lies, once per grading process. The sandbox can only read it, so
    a module without its .pyc was compiled again in every notebook: 0.15-0.2 s of CPU each, for the
    modules that only notebooks import (explorers, self-checks). A read-only checkout stays as it is."""
    compileall.compile_dir(str(COURSE_PACKAGE), quiet=2)  # says nothing about files it cannot write


def _build_font_list(folder):
    """matplotlib's font list, made by a fresh interpreter in `folder`, readable by the sandbox's user."""
    folder = Path(folder)
    subprocess.run([sys.executable, "-I", "-c", "import matplotlib.font_manager"], cwd=folder, timeout=300,
                   env={"MPLCONFIGDIR": str(folder), "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for path in folder.iterdir():
        path.chmod(0o644)  # read by the sandbox's user (nobody); nothing secret in a font list
    folder.chmod(0o755)
    return folder


def bwrap_command(hidden, fd_in, fd_out, seccomp_fd):
    """The bwrap command line that runs the worker, its system calls filtered by the BPF program that bwrap
    reads from seccomp_fd (autograder.sandbox.syscalls.filter_fd)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxError("trusted grading needs bubblewrap to isolate student code, and `bwrap` is not "
                           "installed. Install it (Debian/Ubuntu: sudo apt-get install bubblewrap) and grade again.")
    cmd = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
           *(["--tmpfs", CGROUPS] if os.path.isdir(CGROUPS) else []),
           "--size", str(256 << 20), "--perms", "1777", "--tmpfs", "/tmp",
           "--die-with-parent", "--new-session", "--clearenv", "--seccomp", str(seccomp_fd)]
    as_root = os.geteuid() == 0
    if as_root:
        # uid 0 without capabilities still owns root's files (/etc/shadow, /root): run as nobody instead.
        # A user namespace would map nobody back to uid 0, so this case unshares every namespace but that
        # one and lets setpriv (below) drop to nobody, with no capabilities and no way back.
        cmd += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
                "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:  # the worker caps its processes itself (worker.cap_processes)
        cmd += ["--unshare-all", "--setenv", "GRADER_MAX_PROCESSES", str(PROCESSES)]
    for h in hidden:
        cmd += ["--tmpfs", str(h)]
    binds = _bind_back(hidden)
    # bwrap makes the missing parents of a mount point with mode 0700, which the unprivileged user inside
    # cannot cross (e.g. /root/.pyenv on the way to the Python install): make them 0755 first.
    for d in _parents_to_make(binds, hidden):
        cmd += ["--perms", "0755", "--dir", str(d)]
    for p in binds:
        cmd += ["--ro-bind", str(p), str(p)]
    if _under(AUTOGRADER, binds) or not _under(AUTOGRADER, [*hidden, TMP]):
        cmd += ["--tmpfs", str(AUTOGRADER)]  # installed where Python runs from (`pip install .`): hide it
    cmd += ["--perms", "0755", "--dir", str(Path(INSIDE_WORKER).parent), "--ro-bind", str(WORKER), INSIDE_WORKER,
            "--ro-bind", font_cache(), INSIDE_FONT_CACHE,
            "--perms", "0777", "--dir", "/tmp/work", "--chdir", "/tmp/work"]
    python = sandbox_python()
    env = {"PATH": f"{Path(python).parent}:/usr/bin:/bin", "HOME": "/tmp/work", "LANG": "C.UTF-8",
           "MPLBACKEND": "module://matplotlib_inline.backend_inline", "MPLCONFIGDIR": "/tmp/.mpl",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "GRADER_FONT_CACHE": INSIDE_FONT_CACHE, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    for k, v in env.items():
        cmd += ["--setenv", k, v]
    if as_root:
        cmd += [shutil.which("setpriv") or "/usr/bin/setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}",
                "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    return cmd + [python, "-I", INSIDE_WORKER, str(fd_in), str(fd_out)]


def _seccomp_fd():
    """autograder.sandbox.syscalls.filter_fd(), or SandboxError where libseccomp cannot build the filter."""
    try:
        return syscalls.filter_fd()
    except (ImportError, RuntimeError, OSError) as exc:
        raise SandboxError(f"trusted grading filters the sandbox's system calls with libseccomp, which failed ({exc}). "
                           "Install it (Debian/Ubuntu: sudo apt-get install libseccomp2) and grade again.") from None


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
    address_space: each process's RLIMIT_AS (default: memory_bytes, capped as this process is capped)."""

    def __init__(self, hide=(), memory_bytes=MEMORY, start_timeout=60, address_space=None):
        self.hidden = hidden_paths(hide)
        compiled_course()
        self.memory_bytes = memory_bytes
        self.address_space = address_space or _capped(resource.RLIMIT_AS, memory_bytes)
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
        filtered = _seccomp_fd()
        to_worker_r, self._to_worker = os.pipe()
        self._from_worker, from_worker_w = os.pipe()
        try:
            command = bwrap_command(self.hidden, to_worker_r, from_worker_w, filtered)
            if after is not None:
                command = [sys.executable, "-I", "-S", "-c", WAIT_THEN_EXEC, str(after), *command]
            self.group = cgroups.create(self.memory_bytes, PROCESSES)
            self.proc = subprocess.Popen(
                command, pass_fds=(to_worker_r, from_worker_w, filtered) + ((after,) if after is not None else ()),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
                preexec_fn=_limits(self.address_space, os.geteuid() == 0, self.group), cwd="/")
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
        if isinstance(self.proc, _StartedAhead):
            self.proc.close()
        if self.group is not None:
            self.group.remove()
            self.group = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()


# --- sandboxes started ahead of need ---------------------------------------------------------------------
# autograder.batch.grade's fork server starts one sandbox per worker before it imports nbgrader, which keeps one
# CPU busy for 2.5 s while the other would wait: each worker forked from it then claims one for its first
# notebook, already started and past its first imports. A sandbox serves one notebook, as any other does,
# and ran nothing of any student before it was claimed.

AHEAD = "AUTOGRADER_SANDBOXES_AHEAD"  # environment: JSON of start_ahead's arguments (start_ahead_from_environment)
_ahead = []  # the sandboxes started ahead, by this process or the one it was forked from
_claims = None  # read end of a pipe holding one byte per sandbox of _ahead: whoever reads a byte owns that one
# Called with the pid of each sandbox this process claims. It is a child of the process that started it,
# not of this one, so whoever kills this process with its children must be told (autograder.batch.student).
on_claim = None


class _StartedAhead:
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


def start_ahead(count, hide, memory_cap_mb=0):
    """Start `count` sandboxes as Sandbox(hide).start() would in a process capped at memory_cap_mb
    (autograder.batch.grade --memory-mb; 0: no cap), without waiting for them, for processes that this one forks
    later (claim_ahead)."""
    global _claims
    address_space = min(MEMORY, memory_cap_mb << 20) if memory_cap_mb else MEMORY
    try:
        for _ in range(min(count, 256)):  # a byte names each
            box = Sandbox(hide, MEMORY, address_space=address_space)
            # One after another: together they would take CPU from this process, whose imports come first.
            box._launch(after=_ahead[-1]._from_worker if _ahead else None)
            box.proc = _StartedAhead(box.proc)
            _ahead.append(box)
    finally:  # those started so far can be claimed, whatever stopped the others
        _claims, fill = os.pipe()
        os.write(fill, bytes(range(len(_ahead))))
        os.close(fill)
        os.set_blocking(_claims, False)


def start_ahead_from_environment():
    """start_ahead with the arguments autograder.batch.grade put in the environment for its fork server. Starting
    ahead only saves time: when it fails, each worker starts its own sandbox and says what is wrong."""
    arguments = os.environ.pop(AHEAD, None)
    if not arguments:
        return
    try:
        start_ahead(**json.loads(arguments))
    except (SandboxError, OSError):  # no bubblewrap, no cgroup: the workers say it, in their students' terms
        pass
    except Exception as exc:
        print(f"grade: starting sandboxes ahead failed ({type(exc).__name__}: {exc}); grading goes on",
              file=sys.stderr)


def _claim():
    if _claims is None:
        return None
    try:
        claimed = os.read(_claims, 1)
    except BlockingIOError:
        return None
    return _ahead[claimed[0]] if claimed else None


def claim_ahead(hide, memory_bytes):
    """A sandbox started ahead, started exactly as Sandbox(hide, memory_bytes).start() would start one in
    this process, and greeted; else None."""
    box = _claim()
    if box is None:
        return None
    wanted = Sandbox(hide, memory_bytes)
    if (box.hidden, box.memory_bytes, box.address_space) != (wanted.hidden, wanted.memory_bytes, wanted.address_space):
        box.close()
        return None
    if on_claim is not None:
        on_claim(box.proc.pid)
    try:
        return box._greeted()
    except SandboxError:  # closed; a sandbox started now says what is wrong, if anything still is
        return None


def discard_ahead():
    """Close the sandboxes started ahead that nobody claimed (a batch with fewer students than workers)."""
    while (box := _claim()) is not None:
        box.close()
