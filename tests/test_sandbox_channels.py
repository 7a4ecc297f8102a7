"""Nothing one sandbox leaves behind reaches another. A notebook marks every channel it can write to (kernel
keyrings, SysV and POSIX IPC, /dev/shm, abstract unix sockets, every writable directory); a sandbox running
beside it and one started after it must find no mark, whether root grades (sandboxes run as nobody in the
host's user namespace) or an ordinary user does (each sandbox in a user namespace of its own). And the calls
the seccomp filter denies (autograder/sandbox/syscalls.py) fail inside with a plain OSError."""
import json
import platform
import uuid

import pytest
from test_trusted import as_ordinary_user, course_with_a_gradebook, run

from autograder.sandbox import syscalls
from autograder.sandbox.box import Sandbox
from autograder.sandbox.launch import SandboxError

# The system calls without a Python wrapper, by architecture: add_key, keyctl, clone, clone3, unshare.
SYSCALL_NUMBERS = {"x86_64": (248, 250, 56, 435, 272), "aarch64": (217, 219, 220, 435, 97)}
pytestmark = pytest.mark.skipif(platform.machine() not in SYSCALL_NUMBERS, reason="system call numbers unknown")

PRELUDE = """
import ctypes, json, os, socket
libc = ctypes.CDLL(None, use_errno=True)
SYS_ADD_KEY, SYS_KEYCTL, SYS_CLONE, SYS_CLONE3, SYS_UNSHARE = {numbers}
MARK = {mark!r}
IPC_KEY = {ipc_key}
KEYRINGS = {{"process": -2, "session": -3, "user": -4, "user session": -5}}
KEYCTL_SET_TIMEOUT, KEYCTL_SEARCH, KEYCTL_GET_PERSISTENT = 15, 10, 22

def call(function, *args):
    result = function(*args)
    return -ctypes.get_errno() if result == -1 else result

def add_key(keyring):
    key = call(libc.syscall, SYS_ADD_KEY, b"user", MARK.encode(), b"answers", 7, keyring)
    if key > 0:  # on a machine without the filter, gone in 5 minutes rather than at reboot
        libc.syscall(SYS_KEYCTL, KEYCTL_SET_TIMEOUT, key, 300)
    return key
"""

LEAVE = """
left = []
for name, keyring in KEYRINGS.items():
    if add_key(keyring) > 0:
        left.append(f"{{name}} keyring")
persistent = call(libc.syscall, SYS_KEYCTL, KEYCTL_GET_PERSISTENT, -1, -4)
if persistent > 0 and add_key(persistent) > 0:
    left.append("persistent keyring")
IPC_CREAT = 0o1000
if libc.shmget(IPC_KEY, 4096, IPC_CREAT | 0o666) >= 0:
    left.append("SysV shared memory")
if libc.semget(IPC_KEY, 1, IPC_CREAT | 0o666) >= 0:
    left.append("SysV semaphores")
if libc.msgget(IPC_KEY, IPC_CREAT | 0o666) >= 0:
    left.append("SysV message queue")
if libc.mq_open(f"/{{MARK}}".encode(), os.O_CREAT | os.O_RDWR, 0o666, None) >= 0:
    left.append("POSIX message queue")
listening = socket.socket(socket.AF_UNIX)  # kept open as long as this sandbox lives
try:
    listening.bind("\\0" + MARK)
    listening.listen()
    left.append("abstract socket")
except OSError:
    pass
writable_sysctls = []
for top, dirs, files in os.walk("/"):
    if top == "/proc":  # this sandbox's own procfs (its own pid namespace) but for /proc/sys, the kernel's
        dirs[:] = ["sys"]
        continue
    try:
        os.close(os.open(os.path.join(top, MARK), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        left.append(os.path.join(top, MARK))
    except OSError:
        pass
    if top.startswith("/proc/sys"):
        for name in files:
            try:
                os.close(os.open(os.path.join(top, name), os.O_WRONLY))
                writable_sysctls.append(os.path.join(top, name))
            except OSError:
                pass
print(json.dumps([left, writable_sysctls]))
"""

LOOK = """
found = []
for name, keyring in KEYRINGS.items():
    if call(libc.syscall, SYS_KEYCTL, KEYCTL_SEARCH, keyring, b"user", MARK.encode(), 0) > 0:
        found.append(f"{{name}} keyring")
with open("/proc/keys") as keys:
    if MARK in keys.read():
        found.append("/proc/keys")
if libc.shmget(IPC_KEY, 0, 0) >= 0:
    found.append("SysV shared memory")
if libc.semget(IPC_KEY, 0, 0) >= 0:
    found.append("SysV semaphores")
if libc.msgget(IPC_KEY, 0) >= 0:
    found.append("SysV message queue")
if libc.mq_open(f"/{{MARK}}".encode(), os.O_RDONLY) >= 0:
    found.append("POSIX message queue")
try:
    socket.socket(socket.AF_UNIX).connect("\\0" + MARK)
    found.append("abstract socket")
except OSError:
    pass
found += [path for path in {paths!r} if os.path.lexists(path)]
print(json.dumps(found))
"""


def _cell(code, mark, **fields):
    """A cell: PRELUDE for this mark, then `code` filled in with `fields`."""
    numbers = SYSCALL_NUMBERS[platform.machine()]
    ipc_key = int(uuid.UUID(mark[-32:])) & 0x7FFFFFFF
    return PRELUDE.format(numbers=numbers, mark=mark, ipc_key=ipc_key) + code.format(**fields)


def marks_found(make_sandbox):
    """(channels the first sandbox marked, /proc/sys files it could open for writing, marks found by a sandbox
    beside it, marks found by one started after it was closed); make_sandbox() -> an unstarted Sandbox."""
    mark = f"rnn-channel-mark-{uuid.uuid4().hex}"
    with make_sandbox() as first:
        out, errors = run(first, _cell(LEAVE, mark), timeout=120)
        assert not errors, errors
        left, sysctls = json.loads(out.splitlines()[-1])
        paths = [p for p in left if p.startswith("/")]
        with make_sandbox() as beside:
            out, errors = run(beside, _cell(LOOK, mark, paths=paths))
            assert not errors, errors
            found_beside = json.loads(out)
    with make_sandbox() as after:
        out, errors = run(after, _cell(LOOK, mark, paths=paths))
        assert not errors, errors
        found_after = json.loads(out)
    return left, sysctls, found_beside, found_after


# Settings that belong to the sandbox's own namespaces, writable by its root where it has a user namespace
OWN_SYSCTLS = ("/proc/sys/kernel/ns_last_pid", "/proc/sys/kernel/pid_max",  # pid namespace (Linux 6.14+)
               "/proc/sys/fs/mqueue/", "/proc/sys/kernel/msg", "/proc/sys/kernel/auto_msgmni",  # IPC namespace
               "/proc/sys/kernel/sem", "/proc/sys/kernel/shm",
               "/proc/sys/net/", "/proc/sys/kernel/hostname", "/proc/sys/kernel/domainname")  # network, UTS


def _assert_private(left, sysctls, beside, after):
    assert (beside, after) == ([], []), f"marks left in {left} reached other sandboxes: {beside}, {after}"
    assert not [channel for channel in left if "keyring" in channel], left  # refused by the filter
    assert [s for s in sysctls if not s.startswith(OWN_SYSCTLS)] == []


@pytest.mark.slow
def test_no_mark_of_one_sandbox_reaches_another():
    _assert_private(*marks_found(Sandbox))


@pytest.mark.slow
def test_no_mark_reaches_another_sandbox_when_an_ordinary_user_grades():
    with course_with_a_gradebook() as course:
        found = json.loads(as_ordinary_user(course, """
            from test_sandbox_channels import marks_found
            print(json.dumps(marks_found(Sandbox)))
            """))
    _assert_private(*found)


DENIED = """
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
SYS_ADD_KEY, SYS_KEYCTL, SYS_CLONE, SYS_CLONE3, SYS_UNSHARE = {numbers}
def error(number, *args):
    return errno.errorcode.get(ctypes.get_errno(), "none") if libc.syscall(number, *args) == -1 else "allowed"
print("add_key", error(SYS_ADD_KEY, b"user", b"answers", b"42", 2, -4))
print("keyctl", error(SYS_KEYCTL, 0, -4, 0))
print("unshare", error(SYS_UNSHARE, 0x10000000))
print("clone", error(SYS_CLONE, 0x10000000 | 17, 0, 0, 0, 0))
print("clone3", error(SYS_CLONE3, 0, 0))
libc.personality.argtypes = [ctypes.c_ulong]
print("personality", [libc.personality(v) != -1 for v in (0xFFFFFFFF, 0, 8, 0x40000)])
libc.personality(0)
pid = os.fork()
if pid == 0:
    os._exit(7)
print("fork", os.waitpid(pid, 0)[1] >> 8)
"""


@pytest.fixture(scope="module")
def box():
    with Sandbox() as b:
        yield b


def test_the_keyring_and_namespace_calls_are_refused_inside(box):
    out, errors = run(box, DENIED.format(numbers=SYSCALL_NUMBERS[platform.machine()]))
    assert errors == []
    assert out.splitlines() == ["add_key EPERM", "keyctl EPERM", "unshare EPERM", "clone EPERM", "clone3 ENOSYS",
                                "personality [True, True, True, False]", "fork 7"]


def test_notebooks_still_fork_thread_plot_and_run_processes(box):
    out, errors = run(box, """
import multiprocessing, os, subprocess, threading
import numpy as np
import matplotlib.pyplot as plt
threads = [threading.Thread(target=np.linalg.inv, args=(np.eye(50),)) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
child = multiprocessing.get_context("fork").Process(target=os._exit, args=(3,))
child.start()
child.join()
plt.plot([1, 2, 3])
plt.show()
print(child.exitcode, subprocess.run(["echo", "ran"], capture_output=True, text=True).stdout.strip())
""")
    assert (out, errors) == ("3 ran\n", [])


def test_a_missing_libseccomp_is_a_clear_error(monkeypatch):
    def missing():
        raise RuntimeError("Unable to find libseccomp")  # what pyseccomp raises on import then

    monkeypatch.setattr(syscalls, "filter_fd", missing)
    with pytest.raises(SandboxError, match="apt-get install libseccomp2"):
        Sandbox().start()


READ_THE_CHANNEL = """import os
print("what an earlier sandbox left, as a timing channel would read it:", os.urandom(8).hex())
"""


@pytest.mark.slow
def test_a_regrade_of_the_same_code_hands_its_hidden_cases_to_no_second_sandbox(tmp_path):
    # Seen in an attack: a notebook timed its reads of shared system files (the page cache) to read what its
    # own earlier grading had marked there (its hidden inputs) and printed them into its next feedback. No
    # filter closes that channel; what it carries is worth nothing if no second sandbox ever gets the same
    # hidden cases, so a regrade of the same code replays the verdicts kept from the first grading.
    from autograder.commands.answers import fill, read
    from autograder.commands.workspace import Workspace

    ws = Workspace.create(tmp_path, ["rnn_forward"])
    release = read(ws.generate("rnn_forward") / "rnn_forward.ipynb")
    nb = fill(release, {})
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    answer.source = READ_THE_CHANNEL + answer.source

    def printed(*options):
        ws.submit("mallory", "rnn_forward", {"rnn_forward": nb})
        log = ws.autograde("rnn_forward", *options)
        graded = read(ws.root / "autograded" / "mallory" / "rnn_forward" / "rnn_forward.ipynb")
        cell = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("solution"))
        return "".join(o.get("text", "") for o in cell.outputs), log.stdout + log.stderr

    first, _ = printed()
    again, log = printed()  # `nbgrader autograde --force`: no sandbox ran, so nothing could read the channel
    assert again == first and "are replayed" in log
    assert ws.scores("rnn_forward")["mallory"]  # still graded, scores and all
    redrawn, log = printed("--TrustedExecute.redraw=True")  # graded afresh on request, on a draw of its own
    assert redrawn != first and "are replayed" not in log
    answer.source += "\n# changed code: a draw of its own, graded in a sandbox"
    changed, log = printed()
    assert changed != first and "are replayed" not in log
