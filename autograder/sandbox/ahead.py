"""Sandboxes started ahead: the batch's fork server starts one per worker before the workers exist, and each worker
claims its own for its first notebook."""
import json
import os
import sys

from autograder.sandbox.box import MEMORY, Sandbox, StartedAhead
from autograder.sandbox.launch import SandboxError

# autograder.batch.grade's fork server starts one sandbox per worker before it imports nbgrader, which keeps one
# CPU busy for 2.5 s while the other would wait: each worker forked from it then claims one for its first
# notebook, already started and past its first imports. A sandbox serves one notebook, as any other does,
# and ran nothing of any student before it was claimed.

_ahead = []  # the sandboxes started ahead, by this process or the one it was forked from
_claims = None  # read end of a pipe holding one byte per sandbox of _ahead: whoever reads a byte owns that one
# Called with the pid of each sandbox this process claims. It is a child of the process that started it,
# not of this one, so whoever kills this process with its children must be told (autograder.batch.student).
on_claim = None

AHEAD = "AUTOGRADER_SANDBOXES_AHEAD"  # environment: JSON of start_ahead's arguments (start_ahead_from_environment)


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
            box.proc = StartedAhead(box.proc)
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


def claim_ahead(hide, memory_bytes, processes):
    """A sandbox started ahead, started exactly as Sandbox(hide, memory_bytes, processes=processes).start()
    would start one in this process, and greeted; else None."""
    box = _claim()
    if box is None:
        return None
    wanted = Sandbox(hide, memory_bytes, processes=processes)
    if (box.hidden, box.memory_bytes, box.address_space, box.processes) != \
            (wanted.hidden, wanted.memory_bytes, wanted.address_space, wanted.processes):
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
