"""The process that runs a student's notebook inside the grading sandbox (see autograder/sandbox/box.py).

    python -I worker.py FD_IN FD_OUT

It imports nothing from `autograder` (the sandbox hides that package) and decides nothing: it runs the
notebook's code cells in an IPython shell, calls the student's functions on the arguments it is sent, and
sends back what happened. Messages are course.plain data framed by an 8-byte length; the trusted side sends

    {"op": "run", "code": str, "room": int}        -> {"outputs": [nbformat outputs as dicts]}
    {"op": "keep", "name": str}                    -> {"op": "kept"}  (the function to call later)
    {"op": "call", "name": str, "args": tuple,
     "oracles": [function names]}                   -> {"op": "return", "output": ..., "args": [...]}
                                                       or {"op": "raise", "type": str, "message": str, "line": str}
                                                       or {"op": "undefined"} (no such function at its test cell)
                                                       or {"op": "unreadable", "why": str} (see _unreadable)
    {"op": "snapshot", "id": int, "names": [str]}  -> {"op": "snapshot", "names": {name: what it is there}}
                                                       (an instructor's test cell reads these names; see snapshot)

A call with "snapshot": id calls the function as it was at that snapshot (an instructor's test cell), with
"kwargs": {str: ...} too.

During a call the student's function may call a function named in "oracles"; that call becomes
{"op": "oracle", "name": str, "args": tuple}, answered by {"result": ...} or {"type": str, "message": str}.
Output printed during a call is dropped: it could only repeat the (hidden) arguments. The grader ends
the process by killing it.
"""
import builtins
import importlib
import os
import resource
import shutil
import struct
import sys
import types

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell

from course import plain
from course.checking import student_location

HEADER = struct.Struct(">Q")
# Imported before the greeting: every notebook of the course imports them first thing, through its explorers
# (0.7-0.8 s of its first cell), so a sandbox started ahead of need (autograder.sandbox.ahead.start_ahead) has
# done that work too. Imported after the shell exists, as in a kernel: pyplot's inline backend hooks into it.
FIRST_IMPORTS = ("matplotlib.pyplot", "ipywidgets")
MAX_STREAM_CHARS = 2_000_000  # per stream and cell; the rest is replaced by a note


class Channel:
    """Length-framed plain messages over two pipe file descriptors."""

    def __init__(self, fd_in, fd_out):
        self.fd_in, self.fd_out = fd_in, fd_out

    def send(self, message):
        data = plain.dumps(message)
        view = memoryview(HEADER.pack(len(data)) + data)
        while view:
            view = view[os.write(self.fd_out, view):]

    def _read(self, n):
        chunks = []
        while n:
            chunk = os.read(self.fd_in, min(n, 1 << 20))
            if not chunk:
                raise EOFError("the grader closed the channel")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def receive(self):
        (n,) = HEADER.unpack(self._read(HEADER.size))
        return plain.loads(self._read(n))


class Outputs:
    """The outputs of the cell being run, in nbformat's dict form, streams merged as Jupyter merges them."""

    def __init__(self):
        self.items = []
        self.silent = False  # during calls: drop everything
        # Characters the notebook's outputs may still take, as the grader counts them (it keeps no more), and
        # what this cell's took so far: what would be dropped there is not sent at all.
        self.room, self.used = None, 0

    def stream(self, name, text):
        if self.silent or not text:
            return
        last = self.items[-1] if self.items else None
        if not (last and last["output_type"] == "stream" and last["name"] == name):
            last = {"output_type": "stream", "name": name, "chunks": [], "size": 0}
            self.items.append(last)
        room = MAX_STREAM_CHARS - last["size"]
        if self.room is not None:
            room = min(room, self.room - self.used)
        if room > 0:  # chunks, joined once in take(): many small prints stay linear
            last["chunks"].append(text[:room] if len(text) <= room else text[:room] + "\n[... output truncated]\n")
            self.used += min(len(text), room)
        last["size"] += len(text)

    def add(self, output):
        if self.silent:
            return
        size = sum(len(str(v)) for v in output.get("data", {}).values()) + len(str(output.get("traceback", "")))
        if self.room is not None and self.used + size > self.room:
            output = {"output_type": "stream", "name": "stdout", "chunks": ["[... output truncated]\n"], "size": 0}
        self.used += size
        self.items.append(output)

    def take(self):
        items, self.items = self.items, []
        for item in items:
            if item["output_type"] == "stream":
                item["text"] = "".join(item.pop("chunks"))
                del item["size"]
        return items


OUTPUTS = Outputs()


class Stream:
    """sys.stdout / sys.stderr of the student's code."""

    encoding, errors = "utf-8", "replace"

    def __init__(self, name):
        self.name = name

    def write(self, text):
        OUTPUTS.stream(self.name, str(text))
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        pass

    def isatty(self):
        return False

    def writable(self):
        return True


class Hook(DisplayHook):
    """The value of a cell's last expression becomes an execute_result, as in a kernel."""

    def write_output_prompt(self):
        pass

    def write_format_data(self, format_dict, md_dict=None):
        OUTPUTS.add({"output_type": "execute_result", "data": _strings(format_dict),
                     "metadata": _strings(md_dict or {}), "execution_count": self.prompt_count})

    def finish_displayhook(self):
        pass


class Publisher(DisplayPublisher):
    """display() and inline figures become display_data outputs."""

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
        OUTPUTS.add({"output_type": "display_data", "data": _strings(data), "metadata": _strings(metadata or {})})

    def clear_output(self, wait=False):
        OUTPUTS.take()


class Shell(InteractiveShell):
    displayhook_class = Hook
    display_pub_class = Publisher

    def _showtraceback(self, etype, evalue, stb):
        OUTPUTS.add({"output_type": "error", "ename": etype.__name__, "evalue": str(evalue),
                     "traceback": [str(line) for line in stb]})

    def enable_gui(self, gui=None):  # there is no GUI in the sandbox
        pass


def _strings(d):
    """A mime bundle or metadata dict with only plain values (what the codec and nbformat accept)."""
    return {str(k): v for k, v in d.items() if isinstance(v, (str, int, float, bool, list, dict))}


def _describe(exc):
    # The same location text as a self-check gives, so visible and hidden reports read alike.
    return {"type": type(exc).__name__, "message": str(exc)[:2000],
            "line": student_location(exc, skip=(__file__,))[:600]}


def _unreadable(op, reply, exc):
    """The reply sent instead of one the codec failed on. A call's says why in one of a few fixed words, from
    which the grader writes its message: what the codec raised (a RecursionError, a ValueError about a closed
    file) is no error of the student's function, and its message is text the student's code chose."""
    why = "nested" if isinstance(exc, RecursionError) else "too large" if isinstance(exc, MemoryError) else "other"
    if op == "call":
        try:
            plain.dumps(reply.get("output"))
        except Exception:
            return {"op": "unreadable", "why": why}
        return {"op": "unreadable", "why": why, "part": "args"}  # the output was fine: its arguments were not
    return {"outputs": [{"output_type": "error", "ename": "UnreadableOutput", "traceback": [],
                         "evalue": "the grader could not read what this cell displayed or printed"}]}


def _oracle(channel, name):
    """Stands in for the student's `name` while another function is graded: the grader answers with the
    reference, so a mistake in `name` costs only the test of `name`."""
    def proxy(*args, **kwargs):
        channel.send({"op": "oracle", "name": name, "args": args + tuple(kwargs.values())})
        reply = channel.receive()
        if "result" in reply:
            return reply["result"]
        error = getattr(builtins, str(reply.get("type")), None)
        if not (isinstance(error, type) and issubclass(error, Exception)):
            error = RuntimeError
        raise error(reply.get("message", ""))
    proxy.__name__ = proxy.__qualname__ = name
    return proxy


KEPT = {}  # function name -> the function as it was where its test cell stands in the notebook


def keep(shell, request):
    """Remember `name` as defined at its test cell's place; it is graded after the last cell has run."""
    KEPT[request["name"]] = shell.user_ns.get(request["name"])
    return {"op": "kept"}


SNAPSHOTS = {}  # snapshot id -> {name: function}: the functions an instructor's test cell reads, at its place
MODULES = ("numpy", "course", "math")  # what the grader imports itself when a test reads a module of them


def _described(value):
    """What a name an instructor's test reads holds, for the grader: plain data (sent now, so a later cell or a
    later read cannot change what the test sees), a function to call here later (the student's, or one of a
    library, e.g. `from course.toy import one_hot`: the grader never runs a function the student chose), a
    module the grader has itself (numpy, course), or something else (a class, an object), which it refuses."""
    if isinstance(value, types.ModuleType):
        name = str(getattr(value, "__name__", ""))
        return {"kind": "module", "module": name} if name.split(".")[0] in MODULES else {"kind": "opaque"}
    if type(value) in (types.FunctionType, types.BuiltinFunctionType) or \
            (callable(value) and not isinstance(value, type) and type(value).__module__.split(".")[0] == "numpy"):
        return {"kind": "function"}  # numpy's functions (ufuncs, dispatchers) are no FunctionType
    try:  # plain data; what is not arrives as course.plain.Opaque, which the grader refuses
        plain.dumps(value)
    except Exception:
        return {"kind": "opaque"}
    return {"kind": "value", "value": value}


def snapshot(shell, request):
    """What each name an instructor's test cell reads holds where that test cell stands."""
    namespace, found, functions = shell.user_ns, {}, {}
    for name in request.get("names", []):
        if isinstance(name, str) and name in namespace:
            try:
                found[name] = _described(namespace[name])
            except BaseException:  # an object whose attributes raise: it is no plain data either
                found[name] = {"kind": "opaque"}
            if found[name]["kind"] == "function":
                functions[name] = namespace[name]
    SNAPSHOTS[request.get("id")] = functions
    return {"op": "snapshot", "names": found}


def call(shell, channel, request):
    """Run the student's function on the arguments; the reply says what it returned or raised."""
    namespace = shell.user_ns
    name, args = request["name"], list(request["args"])
    kwargs = request.get("kwargs") if type(request.get("kwargs")) is dict else {}
    if "snapshot" in request:
        fn = SNAPSHOTS.get(request["snapshot"], {}).get(name)
    else:
        fn = KEPT[name] if name in KEPT else namespace.get(name)
    if not callable(fn):
        return {"op": "undefined"}
    oracles = [str(d) for d in request.get("oracles", [])]
    saved = {d: namespace[d] for d in oracles if d in namespace}
    namespace.update({d: _oracle(channel, d) for d in oracles})  # also when the student's cell failed
    OUTPUTS.silent = True
    try:
        output = fn(*args, **kwargs)
        return {"op": "return", "output": output, "args": args}
    except BaseException as exc:  # SystemExit and KeyboardInterrupt are the student's to raise too
        return {"op": "raise", **_describe(exc)}
    finally:
        OUTPUTS.silent = False
        OUTPUTS.take()
        for d in oracles:  # later cells see the student's own functions again
            if d in saved:
                namespace[d] = saved[d]
            else:
                namespace.pop(d, None)


def run(shell, code, count=None, room=None):
    """Run a cell; `count` is its number in the notebook, which its tracebacks name ("Cell In[5]"); `room`:
    characters the notebook's outputs may still take."""
    if type(count) is int:
        shell.execution_count = count
    OUTPUTS.room, OUTPUTS.used = (room if type(room) is int else None), 0
    shell.run_cell(code, store_history=True)
    sys.stdout.flush()
    return {"outputs": OUTPUTS.take()}


def cap_processes():
    """In a sandbox with its own user namespace (an ordinary user grades), cap its processes here, after the
    namespace was made: a cap set before, on bwrap, would also cap every process of the grading user
    (Linux counts a namespace's processes against its creator's limit too), and without a cap a fork bomb
    took every process the machine had."""
    most = os.environ.pop("GRADER_MAX_PROCESSES", None)
    if most:
        resource.setrlimit(resource.RLIMIT_NPROC, (int(most), int(most)))


def main(fd_in, fd_out):
    cap_processes()
    fonts, config = os.environ.get("GRADER_FONT_CACHE"), os.environ.get("MPLCONFIGDIR")
    if fonts and config and os.path.isdir(fonts):  # matplotlib's font list, built once by the grader
        shutil.copytree(fonts, config, dirs_exist_ok=True)
    channel = Channel(fd_in, fd_out)
    shell = Shell.instance(colors="neutral", history_length=0)  # a kernel's colours: readable on a light page
    shell.history_manager.enabled = False
    sys.stdout, sys.stderr = Stream("stdout"), Stream("stderr")
    for module in FIRST_IMPORTS:
        importlib.import_module(module)
    # fd 2 is bwrap's, which the grader reads only until this greeting; later writes there (a library's
    # warnings, the student's os.write(2, ...)) go nowhere
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
    channel.send({"op": "ready"})
    while True:
        request = channel.receive()
        op = request.get("op")
        reply = (run(shell, request["code"], request.get("count"), request.get("room")) if op == "run"
                 else keep(shell, request) if op == "keep" else snapshot(shell, request) if op == "snapshot"
                 else call(shell, channel, request))
        try:
            channel.send(reply)
        except Exception as exc:  # something the codec cannot carry: the grader's failure, not the student's code's
            channel.send(_unreadable(op, reply, exc))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
