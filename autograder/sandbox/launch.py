"""How a sandbox is started: bubblewrap's command line (what is hidden, what is bound back, the fonts and the
course's bytecode it needs) and the limits set before it runs."""
import atexit
import compileall
import functools
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder.core.paths import AUTOGRADER, COURSE_PACKAGE, COURSE_ROOT
from autograder.sandbox import syscalls

WORKER = Path(__file__).resolve().parent / "worker.py"  # copied into the sandbox: it runs there


NOBODY = 65534


TMP = Path("/tmp")


INSIDE_WORKER = "/tmp/.grader/worker.py"


INSIDE_FONT_CACHE = "/tmp/.grader/mpl"




# argv: FD, then a command: wait until FD is readable (30 s at most), close it, and become the command.
WAIT_THEN_EXEC = ("import os, select, sys; fd = int(sys.argv[1]); select.select([fd], [], [], 30); os.close(fd); "
                  "os.execv(sys.argv[2], sys.argv[2:])")


def capped(kind, value):
    """value, never above a cap set on the grader itself (e.g. by autograder.batch.grade --memory-mb)."""
    hard = resource.getrlimit(kind)[1]
    return value if hard == resource.RLIM_INFINITY else min(value, hard)


def limits_in_child(address_space, drop_to_nobody, group, processes):
    """Limits set in the child before it runs bwrap; the sandboxed process inherits them."""
    def cap(kind, value):
        value = capped(kind, value)
        resource.setrlimit(kind, (value, value))

    def apply():
        cap(resource.RLIMIT_AS, address_space)
        cap(resource.RLIMIT_CORE, 0)
        cap(resource.RLIMIT_FSIZE, 256 << 20)
        if group is not None:
            group.enter()
        elif drop_to_nobody:  # counts every process of uid nobody, so a fork bomb stops there
            cap(resource.RLIMIT_NPROC, processes)
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


def bwrap_command(hidden, fd_in, fd_out, seccomp_fd, processes):
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
        cmd += ["--unshare-all", "--setenv", "GRADER_MAX_PROCESSES", str(processes)]
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


def seccomp_fd():
    """autograder.sandbox.syscalls.filter_fd(), or SandboxError where libseccomp cannot build the filter."""
    try:
        return syscalls.filter_fd()
    except (ImportError, RuntimeError, OSError) as exc:
        raise SandboxError(f"trusted grading filters the sandbox's system calls with libseccomp, which failed ({exc}). "
                           "Install it (Debian/Ubuntu: sudo apt-get install libseccomp2) and grade again.") from None


class SandboxError(Exception):
    """The sandbox cannot be used at all (missing bubblewrap, a broken setup): grading must stop."""
