"""What an instructor's test cell sees of the student's notebook: stand-ins, never the student's objects.

An ordinary nbgrader test cell (asserts on what a student function returns) runs in the grader's process
(autograder/trusted/instructor_tests.py), which never runs student code. Each name it reads that the student's
cells defined is looked up in the student's namespace as it stood at the test cell's place (the worker's
"snapshot" op) and becomes
  - a plain value (course/plain.py), read once, so it cannot change between reads;
  - a StudentFunction: calling it runs the student's function in the sandbox on plain-data arguments and
    returns plain data, or raises StudentError;
  - the grader's own module, for a module of numpy or the course package (the trusted side's own);
  - anything else (a class, an object, a generator, a module of another package): reading the name raises
    StudentError, so an object with an odd __eq__, __array__ or __len__ never reaches the test.
numpy (np), StudentError and Python's builtins are the grader's and win over a student's names.
"""
import ast
import builtins
import importlib
import math
import re
import symtable
import sys
import time

import numpy as np

from autograder.sandbox.box import OUT_OF_MEMORY, SENT_TOO_MUCH, WorkerGone
from course.plain import Opaque

PLAIN = "numpy arrays, numbers, strings, None, tuples, lists and dicts with string keys"
MODULE_NAME = re.compile(r"[A-Za-z_][\w]*(\.[A-Za-z_]\w*)*")
TRUSTED_PACKAGES = ("numpy", "course", "math")  # autograder/sandbox/worker.py MODULES: the grader imports these itself


class StudentError(Exception):
    """What a test cell gets when the student's code raised, ended its process, or handed over something
    that is not plain data. It carries only words the grader chose (for an exception: a built-in's name; in
    a hidden test not even that, autograder.trusted.instructor_tests._error)."""


class TestTimeLimit(BaseException):
    """A test cell ran past its time (a BaseException: a test's own `except Exception` must not swallow it)."""

    __test__ = False  # not a pytest test class


def trusted_names():
    """The names a test cell reads from the grader, whatever the student's notebook defines."""
    return {"np": np, "numpy": np, "StudentError": StudentError}


def names_bound(code):
    """The names `code` binds at its top level (assigned, defined, imported); a test cell's helpers and
    results, which the test cells after it read as in one kernel. Raises SyntaxError."""
    top = symtable.symtable(code, "<test cell>", "exec")
    return {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported()}


def student_bound(code):
    """The names a student's code cell can bind at its top level: assigned, defined, imported (a star import
    of a module the grader has, its public names), after IPython's syntax (magics) is made Python. A cell
    that is not Python binds nothing. A test asks the sandbox only for names a student's cell could have
    bound: the request goes into the sandbox, where a later cell could print it, and a hidden test's other
    names are the instructor's secret (attack round 6 printed them into the feedback)."""
    from IPython.core.inputtransformer2 import TransformerManager
    try:
        python = TransformerManager().transform_cell(code)
        top = symtable.symtable(python, "<student cell>", "exec")
        tree = ast.parse(python)
    except (SyntaxError, ValueError):
        return set()
    bound = {sym.get_name() for sym in top.get_symbols() if sym.is_assigned() or sym.is_imported()}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names) and node.module:
            module = sys.modules.get(node.module)
            public = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
            bound |= {n for n in public if isinstance(n, str)} if module is not None else set()
    return bound


def names_read(code):
    """The names `code` reads (at its top level, or as globals of the functions and classes it defines) and
    does not bind at its top level, minus builtins and the grader's own names: those a student's cell may
    define. A function's parameter or local of the same name is its own (symtable scopes). Raises SyntaxError."""
    top = symtable.symtable(code, "<test cell>", "exec")
    bound = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported()}
    read = {s.get_name() for s in top.get_symbols() if s.is_referenced()}
    tables = list(top.get_children())
    while tables:
        table = tables.pop()
        read |= {s.get_name() for s in table.get_symbols() if s.is_global() and s.is_referenced()}
        tables.extend(table.get_children())
    return read - bound - set(dir(builtins)) - set(trusted_names())


def _opaque_inside(value, depth=0):
    """Whether plain data holds something the codec could only name (course.plain.Opaque)."""
    if isinstance(value, Opaque) or depth > 100:
        return True
    if type(value) in (list, tuple):
        return any(_opaque_inside(v, depth + 1) for v in value)
    if type(value) is dict:
        return any(_opaque_inside(v, depth + 1) for v in value.values())
    return False


def _library(description):
    """The grader's own module that a student's name refers to (numpy, course), or None. Only modules: a
    function the student's name holds, even numpy's, runs in the sandbox (a student must not choose which of
    the grader's functions runs on the test's data: numpy.save writes files). Only a module the grader has
    imported already, or one of the course's own: importing another runs code the student named (a module
    named numpy.f2py.__main__ ran f2py, whose SystemExit ended plain `nbgrader autograde` for the class)."""
    module = description.get("module")
    if type(module) is not str or not MODULE_NAME.fullmatch(module) or module.split(".")[0] not in TRUSTED_PACKAGES:
        return None
    if module in sys.modules:
        return sys.modules[module]
    if module.split(".")[0] != "course" or "__main__" in module.split("."):
        return None
    try:
        return importlib.import_module(module)
    except (Exception, SystemExit):  # the name claimed a module the grader does not have
        return None


class StudentFunction:
    """A student's function as it was at the test cell's place; calls run in the sandbox."""

    def __init__(self, run, snapshot_id, name):
        self._run, self._snapshot, self.__name__ = run, snapshot_id, name

    def __repr__(self):
        return f"<the student's function {self.__name__}>"

    def __call__(self, *args, **kwargs):
        name = self.__name__
        if time.monotonic() > getattr(self._run, "test_deadline", math.inf):  # each call has its own limit
            raise TestTimeLimit(f"the test cell ran longer than {self._run.timeout} s, the time limit of a cell, "
                                f"and was stopped before it called {name} again")
        for what, value in [*enumerate(args), *kwargs.items()]:
            if not _plain(value):
                raise TypeError(f"the test passed {name} something that is not plain data (argument {what!r}: "
                                f"{type(value).__name__}); only {PLAIN} can be sent to the student's code")
        try:
            reply = self._run.call_snapshot(self._snapshot, name, args, kwargs)
        except WorkerGone as gone:
            raise StudentError(_gone(name, gone, self._run)) from None
        op = reply.get("op") if type(reply) is dict else None
        if op == "return":
            output = reply.get("output")
            if _opaque_inside(output):
                raise StudentError(f"{name} returned something that is not plain data (a function, a generator, "
                                   f"an object of a class, ...); the grader reads only {PLAIN}")
            return output
        if op == "raise":
            return _raised(name, reply)
        if op == "undefined":
            raise StudentError(f"{name} is not defined where this test cell stands")
        if op == "unreadable":
            raise StudentError(f"{name} returned something the grader cannot read (too large, nested too deeply, "
                               f"or holding itself); the grader reads only {PLAIN}")
        raise StudentError(f"the notebook's process sent a malformed reply while {name} ran")


def _raised(name, reply):
    """StudentError for an exception the student's function raised: only a built-in exception's name is
    kept, since the student's code chooses the message, and the arguments may be the test's hidden inputs."""
    type_name = str(reply.get("type", ""))
    builtin = getattr(builtins, type_name, None)
    if not (isinstance(builtin, type) and issubclass(builtin, BaseException)):
        type_name = "an exception of its own class"
    raise StudentError(f"{name} raised {type_name}")


def _gone(name, gone, run):
    if gone.reason == "timeout":
        return f"{name} did not return within {run.timeout} s (the time limit of each call)"
    if gone.reason == OUT_OF_MEMORY:
        return f"{name} used more than the {run.memory_bytes >> 20} MB memory limit and was stopped"
    if gone.reason == SENT_TOO_MUCH:
        return f"{name} sent the grader more than it may (its result is far larger than a test needs)"
    return f"the notebook's process ended while {name} ran"


def _plain(value, depth=0):
    """Whether `value` is plain data the codec carries as it is (exact types: no subclass, no stand-in)."""
    if depth > 50:
        return False
    if value is None or type(value) in (bool, int, float, str):
        return True
    if type(value) is np.ndarray or isinstance(value, np.generic):
        return value.dtype.kind in "biuf"
    if type(value) in (list, tuple):
        return all(_plain(v, depth + 1) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _plain(v, depth + 1) for k, v in value.items())
    return False


class StandInNamespace(dict):
    """The test cell's globals. A name the student's cell defined as something that is not plain data is
    absent, and reading it raises StudentError (LOAD_NAME and LOAD_GLOBAL reach __missing__ on a dict subclass),
    in the test's own functions too."""

    def __init__(self, refused):
        super().__init__()
        self.refused = refused  # name -> why the test may not read it

    def __missing__(self, name):
        if name in self.refused:
            raise StudentError(self.refused[name])
        raise KeyError(name)


def namespace_for_test(run, snapshot_id, found, asked, unread=()):
    """The globals of a test cell: the grader's names, builtins, and a stand-in for each name of `found`
    (NotebookRun.snapshot's reply: name -> the worker's description of what the student's name holds) that the
    test asked for (`asked`, names_read of its code). The reply is the sandbox's, which the student's code can
    rewrite: a name it adds (a builtin such as abs or len, __builtins__) is never the test's.
    unread: names the snapshot could not read (its process ended, its reply was too large to read)."""
    refused = {name: f"the grader could not read the student's names where this test cell stands (the notebook's "
                     f"process ended, or what they hold, {name} among them, is too large to send)" for name in unread}
    found = {name: description for name, description in (found or {}).items() if name in asked}
    namespace = StandInNamespace(refused)
    namespace.update(__builtins__=builtins, __name__="__main__")
    for name, description in found.items():
        kind = description.get("kind") if type(description) is dict else None
        if kind == "function":
            namespace[name] = StudentFunction(run, snapshot_id, name)
        elif kind == "value" and not _opaque_inside(description.get("value")):
            namespace[name] = description.get("value")
        elif kind == "module" and _library(description) is not None:
            namespace[name] = _library(description)
        else:
            refused[name] = (f"the student's {name} is not plain data (a class, an object, a generator, a module "
                             f"the grader does not have, ...): a test can read only {PLAIN}, and call functions")
    namespace.update(trusted_names())
    return namespace
