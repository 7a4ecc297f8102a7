"""A cgroup per sandbox, so that its memory and process limits count everything the student's code starts.

The per-process limits alone (RLIMIT_AS on each process, RLIMIT_NPROC on every process of the sandbox's
user) let a notebook fork three children of 1.2 GB under a 2 GB cap, and let one sandbox's fork bomb
keep every other sandbox from starting. A group in the cgroup v1 `memory` and `pids` hierarchies, made
inside the grader's own groups, bounds the sandbox as a whole. Where the `cpu` hierarchy is mounted too, the
group shares the CPU with the other sandboxes as one: the scheduler shares it per process otherwise, and
255 busy processes of one notebook slowed another student's notebook eightfold, towards its time limit.

It needs root and those hierarchies mounted writable, as on the machines this course is graded on.
Elsewhere `create` returns None, `unavailable` says why, and sandboxes keep the per-process limits.
cgroup v2 needs a subtree delegated to the grader, and is not handled here.
"""
import functools
import itertools
import os
import signal
import time
from pathlib import Path

CONTROLLERS = ("memory", "pids")  # needed
SHARED = ("cpu",)  # used where mounted
PREFIX = "rnn-sandbox-"  # then the grader's pid and a counter: a group whose grader is gone is stale
_numbers = itertools.count()


def _own_groups():
    """{controller: directory of this process's group} for the v1 hierarchies of CONTROLLERS and SHARED that
    are mounted."""
    mounts = {}
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        fields, (fstype, _, options) = left.split(), right.split()[:3]
        if fstype == "cgroup":  # v1; fields 3 and 4: the hierarchy's path seen at the mount point, and the point
            for controller in set(options.split(",")) & {*CONTROLLERS, *SHARED}:
                mounts[controller] = (fields[3], Path(fields[4]))
    groups = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in set(controllers.split(",")) & set(mounts):
            root, mount_point = mounts[controller]
            inside = os.path.relpath(path, root)
            groups[controller] = mount_point if inside.startswith("..") else mount_point / inside
    return groups


@functools.cache
def unavailable():
    """None if sandboxes get their own groups here, else why not (for the instructor)."""
    if os.geteuid() != 0:
        return "per-sandbox cgroups need root"
    try:
        groups = _own_groups()
    except (OSError, ValueError):
        return "this system's cgroups cannot be read"
    missing = [c for c in CONTROLLERS if c not in groups]
    if missing:
        return f"the cgroup v1 {' and '.join(missing)} controller is not mounted"
    for parent in (groups[c] for c in CONTROLLERS):
        if not os.access(parent, os.W_OK):
            return f"{parent} is not writable"
    return None


@functools.cache
def _remove_stale():
    """Remove, once per process, the groups left by graders that died before removing them (kill -9)."""
    for group in (g for parent in _own_groups().values() for g in parent.glob(PREFIX + "*")):
        try:
            os.kill(int(group.name[len(PREFIX):].split("-")[0]), 0)
        except ProcessLookupError:
            Group({"stale": group}).remove()
        except (ValueError, PermissionError):  # not ours, or a grader running as another user
            pass


class Group:
    """One sandbox's group in each hierarchy. `enter` runs in the sandbox's first process before bwrap."""

    def __init__(self, dirs):
        self.dirs = dirs  # {controller: directory}

    def enter(self):
        for d in self.dirs.values():
            (d / "cgroup.procs").write_text(str(os.getpid()))

    def out_of_memory(self):
        """Whether the kernel killed a process of this group for going over its memory limit."""
        try:
            text = (self.dirs["memory"] / "memory.oom_control").read_text()
        except (KeyError, OSError):
            return False
        return any(line.split()[1] != "0" for line in text.splitlines() if line.startswith("oom_kill "))

    def remove(self, patience=2.0):
        """Kill what is left in the group and remove it; a group still busy after `patience` s stays, and the
        next grader removes it as stale."""
        give_up = time.monotonic() + patience
        for d in self.dirs.values():
            while True:
                try:
                    for pid in (d / "cgroup.procs").read_text().split():
                        _kill(int(pid))
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # EBUSY: killed processes not yet gone
                    if time.monotonic() > give_up:
                        break
                    time.sleep(0.01)


def _kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def create(memory_bytes, processes):
    """A new Group limited to `memory_bytes` of memory (swap included) and `processes` processes and
    threads, or None where cgroups cannot be used (see `unavailable`)."""
    if unavailable():
        return None
    _remove_stale()
    made = {}
    name = f"{PREFIX}{os.getpid()}-{next(_numbers)}"
    try:
        for controller, parent in _own_groups().items():
            if controller in SHARED and not os.access(parent, os.W_OK):
                continue
            made[controller] = parent / name
            made[controller].mkdir()
        memory = made["memory"]
        (memory / "memory.limit_in_bytes").write_text(str(memory_bytes))
        if (memory / "memory.memsw.limit_in_bytes").exists():  # else what cannot stay in memory goes to swap
            (memory / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes))
        (made["pids"] / "pids.max").write_text(str(processes))
    except OSError:
        Group({c: d for c, d in made.items() if d.exists()}).remove()
        return None
    return Group(made)
