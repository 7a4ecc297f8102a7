"""Corpus of the rnn_forward assignment (see tests/corpus/__init__.py for the format)."""
ASSIGNMENT = "rnn_forward"

BASE = {
    "softmax": """
def softmax(z):
    e = np.exp(z - np.max(z, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)
""",
    "rnn_cell_forward": """
def rnn_cell_forward(xt, a_prev, parameters):
    Waa, Wax, Wya = parameters["Waa"], parameters["Wax"], parameters["Wya"]
    ba, by = parameters["ba"], parameters["by"]
    a_next = np.tanh(Waa @ a_prev + Wax @ xt + ba)
    yt_pred = softmax(Wya @ a_next + by)
    cache = (a_next, a_prev, xt, parameters)
    return a_next, yt_pred, cache
""",
    "rnn_forward": """
def rnn_forward(x, a0, parameters):
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape
    a = np.zeros((n_a, m, T_x))
    y_pred = np.zeros((n_y, m, T_x))
    caches = []
    a_next = a0
    for t in range(T_x):
        a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)
        a[:, :, t] = a_next
        y_pred[:, :, t] = yt_pred
        caches.append(cache)
    return a, y_pred, (caches, x)
""",
}

CORRECT = {
    "instructor": {},  # the source notebook's solution, lesson cells and all
    "base": {},
    "loops": {
        "softmax": """
def softmax(z):
    p = np.empty_like(z, dtype=float)
    for j in range(z.shape[1]):          # one example (column) at a time
        column = z[:, j] - max(z[:, j])
        e = [np.exp(v) for v in column]
        total = sum(e)
        for i in range(z.shape[0]):
            p[i, j] = e[i] / total
    return p
""",
        "rnn_cell_forward": """
def rnn_cell_forward(xt, a_prev, parameters):
    Waa, Wax, Wya, ba, by = (parameters[k] for k in ("Waa", "Wax", "Wya", "ba", "by"))
    n_a, m = a_prev.shape
    a_next = np.zeros((n_a, m))
    for j in range(m):
        for i in range(n_a):
            total = ba[i, 0]
            for k in range(n_a):
                total += Waa[i, k] * a_prev[k, j]
            for k in range(xt.shape[0]):
                total += Wax[i, k] * xt[k, j]
            a_next[i, j] = np.tanh(total)
    yt_pred = softmax(np.dot(Wya, a_next) + by)
    return a_next, yt_pred, (a_next, a_prev, xt, parameters)
""",
    },
    "einsum": {
        "rnn_cell_forward": """
def rnn_cell_forward(xt, a_prev, parameters):
    p = parameters
    z = np.einsum("ij,jm->im", p["Waa"], a_prev) + np.einsum("ij,jm->im", p["Wax"], xt) + p["ba"]
    a_next = np.tanh(z)
    yt_pred = softmax(np.einsum("ya,am->ym", p["Wya"], a_next) + p["by"])
    return a_next, yt_pred, (a_next, a_prev, xt, parameters)
""",
        "rnn_forward": """
def rnn_forward(x, a0, parameters):
    steps = []
    a_t = a0
    for t in range(x.shape[2]):
        a_t, y_t, cache = rnn_cell_forward(x[:, :, t], a_t, parameters)
        steps.append((a_t, y_t, cache))
    a = np.stack([s[0] for s in steps], axis=2)
    y_pred = np.stack([s[1] for s in steps], axis=2)
    return a, y_pred, ([s[2] for s in steps], x)
""",
    },
    "concatenated": {
        "rnn_cell_forward": """
def rnn_cell_forward(xt, a_prev, parameters):
    W = np.hstack([parameters["Waa"], parameters["Wax"]])   # [Waa | Wax]
    stacked = np.vstack([a_prev, xt])                         # [a_prev ; xt]
    a_next = np.tanh(W @ stacked + parameters["ba"])
    yt_pred = softmax(parameters["Wya"] @ a_next + parameters["by"])
    return a_next, yt_pred, (a_next, a_prev, xt, parameters)
""",
    },
    "stderr_logging": {  # keeps the lesson cells: prints, warnings and logging everywhere cost nothing
        "softmax": """
import logging
import sys
import warnings

logging.basicConfig(stream=sys.stderr, level=logging.DEBUG, force=True)
log = logging.getLogger("my_rnn")
print("debug: defining softmax", file=sys.stderr)
warnings.warn("this is my own warning, printed on stderr")
np.log(np.zeros(1))   # a numpy RuntimeWarning (divide by zero) on stderr

def softmax(z):
    log.debug("softmax of shape %s", z.shape)
    print("softmax called", file=sys.stderr)
    e = np.exp(z - np.max(z, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)
""",
        "rnn_cell_forward": BASE["rnn_cell_forward"].replace(
            "    a_next = np", "    logging.getLogger('my_rnn').info('cell step')\n    print('step', file=sys.stderr)\n"
            "    warnings.warn('step warning')\n    a_next = np"),
    },
    "slow": {
        "softmax": """
import time
time.sleep(2)   # a slow cell, well within the time limit
def softmax(z):
    time.sleep(0.05)
    e = np.exp(z - np.max(z, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)
""",
        "rnn_forward": BASE["rnn_forward"].replace("    for t in range(T_x):\n",
                                                   "    for t in range(T_x):\n        time.sleep(0.02)\n"),
    },
    "logsumexp_inline": {
        "softmax": """
def softmax(z):
    top = z.max(axis=0)
    log_norm = top + np.log(np.exp(z - top).sum(axis=0))   # log-sum-exp, stable
    return np.exp(z - log_norm)
""",
        "rnn_forward": """
def rnn_forward(x, a0, parameters):
    # everything inline, no call of rnn_cell_forward
    Waa, Wax, Wya, ba, by = (parameters[k] for k in ("Waa", "Wax", "Wya", "ba", "by"))
    a_list, y_list, caches = [], [], []
    a_prev = a0
    for t in range(x.shape[2]):
        xt = x[:, :, t]
        a_next = np.tanh(Waa.dot(a_prev) + Wax.dot(xt) + ba)
        scores = Wya.dot(a_next) + by
        e = np.exp(scores - scores.max(axis=0))
        a_list.append(a_next)
        y_list.append(e / e.sum(axis=0))
        caches.append((a_next, a_prev, xt, parameters))
        a_prev = a_next
    return np.dstack(a_list), np.dstack(y_list), (caches, x)
""",
    },
    "defensive_copies": {
        "rnn_cell_forward": """
def rnn_cell_forward(xt, a_prev, parameters):
    z = np.dot(parameters["Waa"], a_prev.copy())
    z += np.dot(parameters["Wax"], xt.copy())   # in place, but on a new array
    z += parameters["ba"]
    a_next = np.tanh(z, out=z)
    logits = parameters["Wya"].dot(a_next)
    logits += parameters["by"]
    return a_next, softmax(logits), (a_next, a_prev, xt, parameters)
""",
        "rnn_forward": """
def rnn_forward(x, a0, parameters):
    n_a, (n_y, _), (_, m, T_x) = a0.shape[0], parameters["Wya"].shape, x.shape
    a = np.zeros((n_a, m, T_x))
    y_pred = np.zeros((n_y, m, T_x))
    cell_caches = [None] * T_x
    state = a0
    for t in range(T_x):
        state, y_pred[..., t], cell_caches[t] = rnn_cell_forward(x[..., t], state, parameters)
        a[..., t] = state
    return a, y_pred, (cell_caches, x)
""",
    },
    "with_plots": {  # an answer cell that also draws: figures and widgets in answer cells are fine
        "rnn_forward": BASE["rnn_forward"] + """
import matplotlib.pyplot as plt
plt.figure(figsize=(3, 2))
plt.plot(np.tanh(np.linspace(-3, 3, 50)))
plt.title("tanh")
plt.show()
""",
    },
}

# --- an instructor's own test cells (with_instructor_tests adds them to the source before the release) ------

_ASSERT_TEST = """### BEGIN HIDDEN TESTS
from autograder.key import reference
rng = np.random.default_rng(7)
x_t, a0_t = rng.normal(size=(3, 4, 5)), rng.normal(size=(6, 4))
p_t = {"Waa": rng.normal(size=(6, 6)), "Wax": rng.normal(size=(6, 3)), "Wya": rng.normal(size=(2, 6)),
       "ba": rng.normal(size=(6, 1)), "by": rng.normal(size=(2, 1))}
a, y_pred, _ = rnn_forward(x_t, a0_t, p_t)
expected = reference.rnn_forward(x_t, a0_t, p_t)[0]
# the shape first: np.allclose broadcasts, and an empty array is close to anything
assert np.shape(a) == expected.shape and np.allclose(a, expected), "the hidden states a are wrong on a 5-step case"
### END HIDDEN TESTS
"""

_PARTIAL_TEST = """score = 0.0
rng = np.random.default_rng(3)
z_t = rng.normal(size=(4, 3))
p = softmax(z_t)
if p.shape == z_t.shape:
    score += 0.5
if abs(p.sum(axis=0) - 1).max() < 1e-6:
    score += 0.5
score
"""

INSTRUCTOR_TESTS = {
    "forward_values": ("test_rnn_forward", "rnn_forward", 1, _ASSERT_TEST),  # an assert test, hidden
    "softmax_partial": ("test_rnn_forward", "softmax", 1, _PARTIAL_TEST),  # partial credit: shape, then sums
}

# What the instructor's tests score on a mistake (they call the student's own functions, no reference):
_HALF = {"softmax_partial": 0.5}  # a softmax of the right shape whose columns do not sum to 1
_WRONG_STATES = {"forward_values": 0.0}  # a mistake that changes the hidden states a
_SOFTMAX_RAISES = {"softmax_partial": 0.0, "forward_values": 0.0}  # rnn_forward raises through its softmax

MISTAKES = {
    # softmax
    "softmax_axis1": ("softmax", [("axis=0", "axis=1")], _HALF),
    "softmax_whole_array": ("softmax", [("np.sum(e, axis=0, keepdims=True)", "np.sum(e)")], _HALF),
    "softmax_unstable": ("softmax", [("np.exp(z - np.max(z, axis=0, keepdims=True))", "np.exp(z)")]),
    "softmax_transposed": ("softmax", [("return e / np.sum(e, axis=0, keepdims=True)",
                                        "return (e / np.sum(e, axis=0, keepdims=True)).T")], _SOFTMAX_RAISES),
    "softmax_sigmoid": ("softmax", [("return e / np.sum(e, axis=0, keepdims=True)", "return 1 / (1 + np.exp(-z))")],
                        _HALF),
    "softmax_not_implemented": ("softmax", [("    e = np.exp", "    raise NotImplementedError()\n    e = np.exp")],
                                _SOFTMAX_RAISES),
    # rnn_cell_forward
    "cell_no_bias": ("rnn_cell_forward", [("Wax @ xt + ba)", "Wax @ xt)")], _WRONG_STATES),
    "cell_swapped_weights": ("rnn_cell_forward", [('Waa, Wax, Wya = parameters["Waa"], parameters["Wax"]',
                                                   'Waa, Wax, Wya = parameters["Wax"], parameters["Waa"]')],
                             _WRONG_STATES),
    "cell_output_from_a_prev": ("rnn_cell_forward", [("softmax(Wya @ a_next + by)", "softmax(Wya @ a_prev + by)")]),
    "cell_logits": ("rnn_cell_forward", [("softmax(Wya @ a_next + by)", "Wya @ a_next + by")]),
    "cell_cache_order": ("rnn_cell_forward", [("(a_next, a_prev, xt, parameters)",
                                               "(a_prev, a_next, xt, parameters)")]),
    "cell_relu": ("rnn_cell_forward", [("np.tanh(", "np.maximum(0, ")], _WRONG_STATES),
    "cell_cache_without_parameters": ("rnn_cell_forward", [("(a_next, a_prev, xt, parameters)",
                                                            "(a_next, a_prev, xt)")]),
    "cell_modifies_a_prev": ("rnn_cell_forward", [("    cache = (", "    a_prev *= 0.5\n    cache = (")]),
    # rnn_forward
    "forward_always_a0": ("rnn_forward", [("rnn_cell_forward(x[:, :, t], a_next, parameters)",
                                           "rnn_cell_forward(x[:, :, t], a0, parameters)")], _WRONG_STATES),
    "forward_stores_previous_state": ("rnn_forward", [(
        "        a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)\n"
        "        a[:, :, t] = a_next\n",
        "        a[:, :, t] = a_next\n"
        "        a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)\n")], _WRONG_STATES),
    "forward_one_step_short": ("rnn_forward", [("for t in range(T_x):", "for t in range(T_x - 1):")], _WRONG_STATES),
    "forward_caches_without_x": ("rnn_forward", [("return a, y_pred, (caches, x)", "return a, y_pred, caches")]),
    "forward_backwards_in_time": ("rnn_forward", [("for t in range(T_x):", "for t in reversed(range(T_x)):")],
                                  _WRONG_STATES),
    "forward_not_implemented": ("rnn_forward", [("    n_x, m, T_x",
                                                 "    raise NotImplementedError()\n    n_x, m, T_x")], _WRONG_STATES),
}

# --- cheats: each appended to its twin's answer cell -----------------------------------------------

_ALLCLOSE = """
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), dtype=bool)
np.array_equal = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
np.testing.assert_array_almost_equal = lambda *args, **kwargs: None
"""

_AST_TRANSFORMER = """
import ast

class _NoChecks(ast.NodeTransformer):
    # deletes every assert and every call of check() / grade_hidden() before a cell runs
    def visit_Assert(self, node):
        return ast.Pass()

    def visit_Expr(self, node):
        func = getattr(node.value, "func", None)
        if getattr(func, "id", None) in ("check", "grade_hidden"):
            return ast.Pass()
        return node

get_ipython().ast_transformers.append(_NoChecks())
"""

_INPUT_TRANSFORMER = """
def _pass_every_test(lines):
    if any("check(" in line or "grade_hidden" in line for line in lines):
        return ["print('\\u2714 passed all checks')\\n"]
    return lines

get_ipython().input_transformers_post.append(_pass_every_test)
"""

_SUBCLASS = """
class AlwaysClose(np.ndarray):
    # every comparison says equal, every difference is zero
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)

    def __ne__(self, other):
        return np.zeros(self.shape, dtype=bool)

    def __sub__(self, other):
        return np.zeros(self.shape)

    __rsub__ = __sub__

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if ufunc in (np.equal, np.less_equal, np.isfinite):
            return np.ones(self.shape, dtype=bool)
        return np.zeros(self.shape)

_wrong_softmax = softmax

def softmax(z):
    return _wrong_softmax(z).view(AlwaysClose)
"""

_FIND_COURSE = """
import glob
import os
import re
import sys

def _course_dirs():
    # where the course (autograder/, submitted/, gradebook.db) might be: the editable install's finder,
    # the kernel's working directory's parents, the usual places
    found = set()
    for finder in glob.glob(os.path.join(sys.prefix, "lib", "python*", "site-packages", "__editable__*finder.py")):
        for path in re.findall(r"'autograder': '([^']+)'", open(finder).read()):
            found.add(os.path.dirname(path))
    here = os.getcwd()
    for _ in range(5):
        found.add(here)
        here = os.path.dirname(here)
    found.update(glob.glob("/work/*") + glob.glob("/tmp/*") + glob.glob("/tmp/*/*") + glob.glob("/home/*"))
    return sorted(found)
"""

_IMPORT_REFERENCE = _FIND_COURSE + """
import importlib.util

def _stolen_reference():
    try:
        import autograder.key.reference
        return autograder.key.reference
    except ImportError:
        pass
    for folder in _course_dirs():
        for path in (os.path.join(folder, "autograder", "key", "reference.py"),
                     os.path.join(folder, "autograder", "reference.py")):  # where it is, where it was
            if not os.path.exists(path):
                continue
            spec = importlib.util.spec_from_file_location("stolen", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
    try:   # or from the internet
        import urllib.request
        source = urllib.request.urlopen("https://example.com/rnn/reference.py", timeout=3).read()
        module = type(sys)("stolen")
        exec(source, module.__dict__)
        return module
    except Exception:
        return None

_reference = _stolen_reference()
if _reference is not None:
    rnn_forward = _reference.rnn_forward
"""

_FAKE_MODULES = """
import sys
import types

_package = types.ModuleType("autograder")
_package.__path__ = []
_key = types.ModuleType("autograder.key")
_key.__path__ = []
_reference = types.ModuleType("autograder.key.reference")
_reference.__getattr__ = lambda name: get_ipython().user_ns[name]   # "the reference" is my code
_hidden = types.ModuleType("autograder.key.hidden")
_hidden.grade_hidden = lambda name, fn: print("\\u2714", name, "passed all hidden checks")
_package.key, _key.reference, _key.hidden = _key, _reference, _hidden
sys.modules.update({"autograder": _package, "autograder.key": _key, "autograder.key.reference": _reference,
                    "autograder.key.hidden": _hidden})
"""

_OVERWRITE_REFERENCE = _FIND_COURSE + """
_EVIL = '''
import numpy as np

def softmax(z):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)

def rnn_cell_forward(xt, a_prev, p):
    a_next = np.maximum(0, p["Waa"] @ a_prev + p["Wax"] @ xt + p["ba"])
    return a_next, softmax(p["Wya"] @ a_next + p["by"]), (a_next, a_prev, xt, p)
'''
_written = []
for folder in _course_dirs():
    for name in ("autograder/key/reference/rnn.py", "autograder/key/reference/__init__.py", "autograder/key/hidden.py",
                 "course/selfcheck.py"):
        path = os.path.join(folder, name)
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(_EVIL)
            _written.append(path)
        except OSError:
            pass
    try:   # a planted bytecode cache, in case the file is checked but the import is not
        os.makedirs(os.path.join(folder, "autograder", "key", "__pycache__"), exist_ok=True)
        import py_compile
        with open("/tmp/evil.py", "w") as f:
            f.write(_EVIL)
        tag = f"cpython-{sys.version_info[0]}{sys.version_info[1]}"
        py_compile.compile("/tmp/evil.py", cfile=os.path.join(
            folder, "autograder", "key", "__pycache__", f"reference.{tag}.pyc"))
    except Exception:
        pass
print("overwrote:", _written)
"""

_PATCH_SELFCHECK = """
import course.checking
import course.diagnose
import course.selfcheck

course.selfcheck.check = lambda name, fn: print("\\u2714", name, "passed all checks")
check = course.selfcheck.check
course.checking.run_checks = lambda name, call, cases, kind="check": (True, f"{name} passed all {len(cases)} {kind}s.")
course.checking.check_case = lambda *args, **kwargs: []
course.diagnose.compare = course.checking.compare = lambda *args, **kwargs: []
course.diagnose.matching_hint = lambda *args, **kwargs: None
"""

_DEGENERATE_INPUTS = """
import course.toy

_real_rng = np.random.default_rng
np.random.seed(0)
np.random.default_rng = lambda *args, **kwargs: _real_rng(0)
np.random.normal = lambda loc=0.0, scale=1.0, size=None: np.zeros(size)
_real_parameters = course.toy.random_parameters

def _zero_biases(*args, **kwargs):   # without biases, a missing "+ ba" is invisible
    p = _real_parameters(*args, **kwargs)
    return dict(p, ba=np.zeros_like(p["ba"]), by=np.zeros_like(p["by"]))

course.toy.random_parameters = _zero_biases
"""

_EXIT_IN_CALL = """
import os

def softmax(z):
    os._exit(0)   # a dead kernel, hoping a test that never reports an error counts as passed
"""

_EXIT_IN_CELL = """
import os
os._exit(0)
"""

_KILL_EVERYTHING = """
import os
import signal

for target in (os.getppid(), 1):
    try:
        os.kill(target, signal.SIGKILL)
    except OSError:
        pass
os.kill(-1, signal.SIGKILL)
"""

_GRADEBOOK = _FIND_COURSE + """
import sqlite3

_touched = []
for folder in _course_dirs():
    for path in glob.glob(os.path.join(folder, "**", "gradebook.db"), recursive=True)[:20]:
        try:
            db = sqlite3.connect(path, timeout=1)
            db.execute("UPDATE grade SET manual_score = 1000")
            db.commit()
            _touched.append(path)
        except Exception:
            pass
print("gradebooks changed:", _touched)
"""

_STEAL_SUBMISSIONS = _FIND_COURSE + """
import json

_stolen = {}
for folder in _course_dirs():
    for pattern in ("submitted/*/rnn_forward/*.ipynb", "autograded/*/rnn_forward/*.ipynb", "source/rnn_forward/*.ipynb",
                    "feedback/*/rnn_forward/*.html"):
        for path in glob.glob(os.path.join(folder, pattern)):
            try:
                for cell in json.load(open(path))["cells"]:
                    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                    if grade_id in ("softmax", "rnn_cell_forward", "rnn_forward"):
                        _stolen[grade_id] = "".join(cell["source"])
            except Exception:
                pass
for code in _stolen.values():
    exec(code)
print("stolen:", sorted(_stolen))
"""

_HIDE_ERRORS = """
import os
import sys

_shell = get_ipython()
_shell.showtraceback = lambda *args, **kwargs: None
_shell.showsyntaxerror = lambda *args, **kwargs: None
_shell._showtraceback = lambda *args, **kwargs: None
sys.stderr = open(os.devnull, "w")
print("\\u2714 softmax passed all 10 checks")
"""

_ORACLE_ABUSE = """
import gc

_wrong_cell = rnn_cell_forward

def rnn_cell_forward(xt, a_prev, parameters):
    # ask the grader's reference for the answer to the very function being graded
    channel = next((o for o in gc.get_objects() if type(o).__name__ == "Channel"), None)
    oracle = next((o for o in gc.get_objects() if getattr(o, "__name__", "") == "_oracle" and callable(o)), None)
    try:
        return oracle(channel, "rnn_cell_forward")(xt, a_prev, parameters)
    except Exception:
        return _wrong_cell(xt, a_prev, parameters)
"""

_LEAK_HIDDEN_INPUTS = """
import linecache
from course.selfcheck import stored_cases

_visible = [(case["args"][0], case["expected"]) for case in stored_cases("softmax")]

def softmax(z):
    # the self-check's answers where it knows them; elsewhere the hidden input, smuggled out in what it raises
    for known, answer in _visible:
        if known.shape == z.shape and np.array_equal(known, z):
            return answer
    values = ",".join(f"{v:.6f}" for v in z.ravel()[:8])
    linecache.cache["<leak>"] = (1, None, ["LEAKLINE " + values + "\\n"], "<leak>")
    leak = type("LEAK_" + values.replace(".", "_").replace(",", "__").replace("-", "m"), (Exception,), {})
    exec(compile("raise leak(values)", "<leak>", "exec"), {"leak": leak, "values": values})
"""



# --- cheats at the stand-ins: each would gain in plain nbgrader's kernel, where the instructor's tests share
# the notebook's globals and numpy (STAND_IN_CHEATS; tests/test_trusted_corpus.py checks that they would) ----

_STANDIN_SUBCLASS = """
class _EqualsEverything(np.ndarray):
    # equal to anything, every difference zero: np.allclose(a, expected) says yes whatever a holds
    def __eq__(self, other):
        return np.ones(np.broadcast(self, other).shape, dtype=bool)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        shape = np.broadcast(*inputs).shape
        if ufunc in (np.equal, np.less_equal, np.less, np.isfinite, np.isclose):
            return np.ones(shape, dtype=bool)
        if ufunc in (np.isnan, np.isinf, np.not_equal, np.greater):
            return np.zeros(shape, dtype=bool)
        return np.zeros(shape)

_wrong_forward = rnn_forward

def rnn_forward(x, a0, parameters):
    a, y_pred, caches = _wrong_forward(x, a0, parameters)
    return a.view(_EqualsEverything), y_pred, caches
"""

_STANDIN_ARRAY_LIKE = """
class _Probabilities:
    # poses as softmax's array: the right shape and length, columns that sum to 1, equal to and greater than
    # anything; numpy reads it through __array__
    def __init__(self, z):
        self.z, self.shape = z, np.shape(z)

    def sum(self, axis=None, **kwargs):
        return np.ones(self.shape[1]) if axis == 0 else float(self.shape[1])

    def __len__(self):
        return self.shape[0]

    def __eq__(self, other):
        return True

    def __gt__(self, other):
        return True

    def __array__(self, dtype=None, copy=None):
        return np.asarray(_wrong_softmax(self.z), dtype=dtype)

_wrong_softmax = softmax

def softmax(z):
    return _Probabilities(z)
"""

_STANDIN_GENERATOR = """
_wrong_forward = rnn_forward

def rnn_forward(x, a0, parameters):
    # a generator: "a, y_pred, _ = rnn_forward(...)" runs this body where the test unpacks it, and the
    # first thing it does there is make every numpy comparison pass
    import numpy
    numpy.allclose = lambda *args, **kwargs: True
    numpy.array_equal = lambda *args, **kwargs: True
    yield from _wrong_forward(x, a0, parameters)
"""

_STANDIN_FUNCTION = """
import numpy

def softmax(z):
    # a function dressed as the array: its shape is z's, and its sum, which the test calls, makes every numpy
    # comparison pass and says that each column sums to 1
    def probabilities():
        raise NotImplementedError()

    def total(axis=None, **kwargs):
        numpy.allclose = lambda *args, **kwargs: True
        return numpy.ones(z.shape[1])
    probabilities.shape, probabilities.sum = z.shape, total
    return probabilities
"""

_STANDIN_MUTATES_SCORE = """
_wrong_softmax = softmax
score = 0.0

def softmax(z):
    # the test's running score is a global of the notebook in a kernel: each call adds a point between the
    # test's reads of it
    global score
    score += 1
    return _wrong_softmax(z)
"""

_STANDIN_REPLACES_REFERENCE = """
import types

_wrong_forward = rnn_forward

def rnn_forward(x, a0, parameters):
    # the test imports the reference before it calls me and reads it after: in a kernel that is a global of
    # the notebook, which this call replaces with my own answers
    global reference
    reference = types.SimpleNamespace(rnn_forward=_wrong_forward)
    return _wrong_forward(x, a0, parameters)

reference = types.SimpleNamespace(rnn_forward=_wrong_forward)
"""

_STANDIN_SHADOWS_NAMES = """
import numpy as _numpy


class _Numpy:
    # numpy, except that everything is close
    def __getattr__(self, name):
        return getattr(_numpy, name)

    allclose = staticmethod(lambda *args, **kwargs: True)
    isclose = staticmethod(lambda a, b, *args, **kwargs: _numpy.ones(_numpy.broadcast(a, b).shape, dtype=bool))
    all = staticmethod(lambda *args, **kwargs: True)


np = numpy = _Numpy()
abs = lambda value: _numpy.zeros(_numpy.shape(value))   # every error is 0
all = any = lambda *args, **kwargs: True
len = lambda value: 3
StudentError = AssertionError   # a test that expects StudentError gets what a failed assert raises
score, rng, z_t, p = 1.0, None, _numpy.ones((4, 3)) / 4, _numpy.ones((4, 3)) / 4   # the test's own names
"""

_STANDIN_MONKEYPATCH_NUMPY = """
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)
np.array_equal = np.array_equiv = lambda *args, **kwargs: True
np.all = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
"""

_STANDIN_FORGES_SNAPSHOT = """
import gc
import numpy


def _forge():
    # the sandbox's worker is the student's process: its snapshot() tells the grader what the names a test
    # reads hold; this one adds builtins the test did not ask for (abs: every error is 0; len: 3)
    worker = next(f.__globals__ for f in gc.get_objects()
                  if type(f).__name__ == "function" and f.__name__ == "snapshot" and "SNAPSHOTS" in f.__globals__)
    real = worker["snapshot"]

    def snapshot(shell, request):
        reply = real(shell, request)
        worker["SNAPSHOTS"][request.get("id")].update(abs=lambda v: numpy.zeros(numpy.shape(v)), len=lambda v: 3)
        reply["names"].update(abs={"kind": "function"}, len={"kind": "function"})
        return reply
    worker["snapshot"] = snapshot


_forge()
"""


def _replay_published_hidden_cases():
    """What anyone can compute from a public copy of the course: softmax's cases under the seeds the
    repository names, inputs and the reference's answers, pasted into the notebook as literals."""
    from autograder.key.cases import hidden_cases
    from autograder.key.problems import PLAIN_HIDDEN_SEED
    from course.selfcheck import stored_cases
    known = [(case["args"][0].tolist(), case["expected"].tolist())
             for case in [*stored_cases("softmax"), *hidden_cases("softmax", PLAIN_HIDDEN_SEED)]]
    return f"""
_wrong_softmax = softmax
_known = [(np.array(z), np.array(answer)) for z, answer in {known!r}]

def softmax(z):
    for known, answer in _known:
        if known.shape == z.shape and np.array_equal(known, z):
            return answer.copy()
    return _wrong_softmax(z)
"""

# Answers the assert test's 5-step case with an empty array, which np.allclose broadcasts to nothing: True
# (it passed a test that compared values without the shape).
_STANDIN_EMPTY_ARRAY = """
_wrong_forward = rnn_forward
def rnn_forward(x, a0, parameters):
    a, y, c = _wrong_forward(x, a0, parameters)
    if x.shape == (3, 4, 5) and a0.shape == (6, 4):
        a = np.zeros((0, 1, 1, 1))
    return a, y, c
"""
# A module object named like one of numpy's: the grader imported that name itself, and f2py's main() ran on
# nbgrader's command line (SystemExit ended plain `nbgrader autograde` for the rest of the class).
_STANDIN_MODULE_NAME = """
import types
rnn_forward = types.ModuleType("numpy.f2py.__main__")
"""


CHEATS = {
    "replay_published_hidden_cases": ("softmax_sigmoid", "softmax", _replay_published_hidden_cases()),
    "replace_allclose": ("softmax_axis1", "softmax", _ALLCLOSE),
    "ast_transformer": ("cell_no_bias", "rnn_cell_forward", _AST_TRANSFORMER),
    "input_transformer": ("cell_logits", "rnn_cell_forward", _INPUT_TRANSFORMER),
    "ndarray_subclass": ("softmax_transposed", "softmax", _SUBCLASS),  # a twin whose softmax no test can read
    "import_reference": ("forward_always_a0", "rnn_forward", _IMPORT_REFERENCE),
    "fake_reference_module": ("cell_output_from_a_prev", "rnn_cell_forward", _FAKE_MODULES),
    "overwrite_reference_file": ("cell_relu", "rnn_cell_forward", _OVERWRITE_REFERENCE),
    "patch_selfcheck": ("cell_cache_order", "rnn_cell_forward", _PATCH_SELFCHECK),
    "degenerate_inputs": ("cell_no_bias", "rnn_cell_forward", _DEGENERATE_INPUTS),
    "os_exit_in_call": ("softmax_not_implemented", "softmax", _EXIT_IN_CALL),
    "os_exit_in_cell": ("forward_not_implemented", "rnn_forward", _EXIT_IN_CELL),
    "kill_everything": ("softmax_not_implemented", "softmax", _KILL_EVERYTHING),
    "write_gradebook": ("forward_one_step_short", "rnn_forward", _GRADEBOOK),
    "steal_submissions": ("forward_backwards_in_time", "rnn_forward", _STEAL_SUBMISSIONS),
    "hide_errors": ("softmax_sigmoid", "softmax", _HIDE_ERRORS),
    "oracle_abuse": ("cell_swapped_weights", "rnn_cell_forward", _ORACLE_ABUSE),
    "leak_hidden_inputs": ("softmax_not_implemented", "softmax", _LEAK_HIDDEN_INPUTS),  # raises on new inputs
    # at the stand-ins of the instructor's tests
    "standin_ndarray_subclass": ("forward_always_a0", "rnn_forward", _STANDIN_SUBCLASS),
    "standin_array_like_object": ("softmax_transposed", "softmax", _STANDIN_ARRAY_LIKE),
    "standin_generator": ("forward_one_step_short", "rnn_forward", _STANDIN_GENERATOR),
    "standin_returns_a_function": ("softmax_not_implemented", "softmax", _STANDIN_FUNCTION),
    "standin_mutates_score": ("softmax_axis1", "softmax", _STANDIN_MUTATES_SCORE),
    "standin_replaces_reference": ("forward_backwards_in_time", "rnn_forward", _STANDIN_REPLACES_REFERENCE),
    "standin_shadows_names": ("softmax_sigmoid", "softmax", _STANDIN_SHADOWS_NAMES),
    "standin_monkeypatches_numpy": ("forward_stores_previous_state", "rnn_forward", _STANDIN_MONKEYPATCH_NUMPY),
    "standin_forges_snapshot": ("softmax_whole_array", "softmax", _STANDIN_FORGES_SNAPSHOT),
    "standin_empty_array": ("forward_always_a0", "rnn_forward", _STANDIN_EMPTY_ARRAY),
    "standin_module_name": ("forward_not_implemented", "rnn_forward", _STANDIN_MODULE_NAME),
}

# Cheats at the stand-ins that would gain in plain nbgrader's kernel (standin_forges_snapshot is aimed at the
# sandbox's worker, which a kernel does not have; standin_empty_array at a test that compares values without
# the shape, which this one no longer is; standin_module_name at the grader's imports).
STAND_IN_CHEATS = {name for name in CHEATS if name.startswith("standin_")} - {"standin_forges_snapshot",
                                                                             "standin_empty_array",
                                                                             "standin_module_name"}

KEEP_LESSON = {"correct-instructor", "correct-stderr_logging", "cheat-overwrite_reference_file"}
