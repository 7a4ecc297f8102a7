"""The student's notebook running in a sandbox, restarted and replayed when the sandbox dies, so one failure costs
one test."""
import re

from autograder.core import budget
from autograder.core.limits import DEFAULTS
from autograder.sandbox.ahead import claim_ahead
from autograder.sandbox.box import (
    MAX_REPLY,
    OUT_OF_MEMORY,
    SENT_TOO_MUCH,
    Sandbox,
    WorkerGone,
)
from autograder.trusted.outputs import UNREADABLE, error_output, kept_outputs, raised_error, why_gone
from course.checking import CallFailed
from course.signatures import DEPENDENCIES


class NotebookRun:
    """The student's notebook running in a sandbox. If the sandbox dies (a crash, a timeout, os._exit),
    the next request starts a fresh one and replays what had run, so one failure costs one test."""

    def __init__(self, hide, memory_bytes, timeout, processes=DEFAULTS.sandbox_processes):
        self.hide, self.memory_bytes, self.timeout, self.processes = hide, memory_bytes, timeout, processes
        self.sandbox = None
        self.replay = []  # requests that ran without ending the process: cells and kept functions
        self.broken_cells = {}  # function name -> how the cell that defines it stopped
        self.stopped = None  # how the sandbox stopped during the last cell run: "timeout", "memory", "died"
        self.output_room = budget.NOTEBOOK_OUTPUT_CHARS  # what the notebook's outputs may still take
        self.bytes_left = budget.SANDBOX_BYTES  # what its sandboxes may still send, all of them together

    def _ensure(self):
        if self.sandbox is not None and self.sandbox.alive:
            return self.sandbox
        if self.sandbox is not None:
            self.sandbox.close()
        if self.bytes_left <= 0:  # a new sandbox would replay what used the budget up
            raise WorkerGone(SENT_TOO_MUCH)
        self.sandbox = (claim_ahead(self.hide, self.memory_bytes, self.processes)
                        or Sandbox(self.hide, self.memory_bytes, processes=self.processes).start())
        self.sandbox.room = self.bytes_left
        try:
            for request in self.replay:
                self.sandbox.request(request, self.timeout)
        finally:
            self.bytes_left = self.sandbox.room
        return self.sandbox

    def _request(self, request, limit=MAX_REPLY, on_oracle=None):
        """The sandbox's reply to `request` (a sandbox is started, and what had run replayed, if need be)."""
        box = self._ensure()
        try:
            return box.request(request, self.timeout, on_oracle=on_oracle, limit=limit)
        finally:
            self.bytes_left = box.room

    def run_cell(self, code, count=None):
        """The cell's outputs as nbformat outputs; `count`: the cell's execution count (its tracebacks say it)."""
        request = {"op": "run", "code": code, "count": count, "room": max(self.output_room, 0)}
        self.stopped = None
        try:
            reply = self._request(request)
        except WorkerGone as gone:  # not replayed: what the cell defined is gone with its sandbox
            outputs = [self._stopped(gone)]
            self.stopped = {"timeout": "timeout", OUT_OF_MEMORY: "memory", SENT_TOO_MUCH: "output"}.get(gone.reason,
                                                                                                      "died")
        else:
            self.replay.append(request)
            outputs = kept_outputs(reply, self.output_room)
            self.output_room -= sum(len(str(output)) for output in outputs)
        self._note_errors(code, count, outputs)
        return outputs

    def _stopped(self, gone):
        """The error output of a cell whose sandbox `gone` ended."""
        if gone.reason == "timeout":
            return error_output("CellTimeoutError", f"this cell did not finish within {self.timeout} s")
        if gone.reason == OUT_OF_MEMORY:
            return error_output("MemoryError", f"this cell's processes together used more than the "
                                         f"{self.memory_bytes >> 20} MB memory limit and were stopped")
        if gone.reason == SENT_TOO_MUCH:
            return error_output("OutputLimitError",
                                f"the notebook's process {why_gone(gone)}, so the grader read no more")
        return error_output("DeadKernelError",
                            f"the notebook's process ended while running this cell ({why_gone(gone)})")

    def _note_errors(self, code, count, outputs):
        """Remember, for each function the cell defines, the error it stopped with: a function missing at its
        test is then explained by its own cell ("stopped with SyntaxError ..."), which the student can fix."""
        error = next((o for o in outputs if o.output_type == "error"), None)
        for name in DEFINED.findall(code) if error is not None else ():
            evalue = IPYTHON_FILE.sub("(", error.evalue.splitlines()[0][:300] if error.evalue else "")
            where = f", In [{count}]," if count is not None else ""
            self.broken_cells[name] = f"its cell{where} stopped with {error.ename}" + (f": {evalue}" if evalue else "")

    def keep(self, name):
        """Make the sandbox remember `name` as it is now (at its test cell), to be graded at the end."""
        request = {"op": "keep", "name": name}
        try:
            self._request(request)
            self.replay.append(request)
        except WorkerGone:  # the call will find out and say so
            pass

    def call(self, name, args, oracle, hidden=False):
        """(output, args after the call) of the student's function, or CallFailed saying what went wrong."""
        request = {"op": "call", "name": name, "args": tuple(args), "oracles": DEPENDENCIES.get(name, [])}
        try:
            reply = self._request(request, budget.CALL_MESSAGE_BYTES, on_oracle=oracle)
        except WorkerGone as gone:
            if gone.reason == "timeout":
                raise CallFailed("", "", lines=[f"{name} did not return within {self.timeout} s on this case "
                                                "(the time limit of each call)."]) from None
            if gone.reason == OUT_OF_MEMORY:
                raise CallFailed("", "", lines=[f"{name} used more than the {self.memory_bytes >> 20} MB memory "
                                                "limit on this case and was stopped."]) from None
            if gone.reason == SENT_TOO_MUCH:
                raise CallFailed("", "", lines=[f"{name}'s process {why_gone(gone)}: its output, or the arguments "
                                                "of a function it calls, is far larger than this case needs."]) \
                    from None
            raise CallFailed("", "", lines=[f"the notebook's process ended while {name} ran ({why_gone(gone)})."]) \
                from None
        if reply.get("op") == "return" and type(reply.get("args")) in (list, tuple) \
                and len(reply["args"]) == len(args):
            return reply.get("output"), tuple(reply["args"])
        if reply.get("op") == "raise":
            return raised_error(reply, hidden)
        if reply.get("op") == "unreadable":
            why = UNREADABLE.get(reply.get("why"), UNREADABLE["other"])
            what, do = (("left its arguments holding", "leave them") if reply.get("part") == "args"
                        else ("returned", "return"))
            raise CallFailed("", "", lines=[f"{name} {what} something the grader cannot read ({why}): {do} numpy "
                                            "arrays, numbers, tuples, lists and dicts."])
        if reply.get("op") == "undefined":
            cause = self.broken_cells.get(name, f"is its cell run, and is the function still called {name}?")
            raise CallFailed("", "", lines=[f"{name} is not defined where its test cell stands: {cause}"
                                            + ("" if cause.endswith(("?", ".")) else ".")])
        raise CallFailed("", "", lines=[f"the notebook's process sent a malformed reply while {name} ran."])

    def snapshot(self, snapshot_id, names):
        """{name: what it holds} for the names an instructor's test cell reads, as they are now (at the test
        cell's place); the sandbox keeps the functions among them for call_snapshot. None when the process
        ended instead, or its reply could not be read (more than the grader reads in one message)."""
        request = {"op": "snapshot", "id": snapshot_id, "names": sorted(names)}
        try:
            reply = self._request(request)
        except WorkerGone:  # every name is then refused, with the reason (standins.namespace_for_test)
            return None
        self.replay.append(request)  # a replacement sandbox keeps the same functions
        found = reply.get("names") if type(reply) is dict and reply.get("op") == "snapshot" else None
        return found if type(found) is dict else None

    def call_snapshot(self, snapshot_id, name, args, kwargs):
        """The worker's reply (a dict) to calling `name` as it was at snapshot `snapshot_id`, with no function
        of the reference standing in; WorkerGone when the call ended the notebook's process."""
        request = {"op": "call", "name": name, "args": tuple(args), "kwargs": dict(kwargs), "oracles": [],
                   "snapshot": snapshot_id}
        return self._request(request, budget.CALL_MESSAGE_BYTES)

    def discard(self):
        """End the sandbox: the next request starts a fresh one and replays what had run (see _ensure)."""
        if self.sandbox is not None:
            self.sandbox.close()

    def close(self):
        self.discard()


DEFINED = re.compile(r"^def\s+(\w+)\s*\(", re.MULTILINE)  # a function the cell defines at its top level


IPYTHON_FILE = re.compile(r"\(<ipython-input-[\w-]+>, ")  # a SyntaxError says "(<ipython-input-3-e7f>, line 12)"
