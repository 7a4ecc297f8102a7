"""The pieces of trusted grading: what the sandbox lets student code do, what the grader accepts from it,
the verified reference, and plain nbgrader still working without the trusted pipeline."""
import ast
import contextlib
import io
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import zipfile
from copy import deepcopy
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder.commands.answers import fill, read, solution_code
from autograder.commands.workspace import Workspace
from autograder.core import budget, errors
from autograder.core.limits import DEFAULTS
from autograder.core.paths import COURSE_ROOT, REFERENCE_FILES
from autograder.key import verified
from autograder.sandbox import box as sandbox
from autograder.sandbox import cgroups, launch
from autograder.sandbox.box import Sandbox, WorkerGone, decode_untrusted
from autograder.sandbox.launch import SandboxError
from autograder.trusted import case_sets, course_checks, notebook_run, outputs
from autograder.trusted.instructor_tests import run_test_cell
from autograder.trusted.outputs import ESCAPE
from course import plain
from course.signatures import SIGNATURES

SEED = 5  # a student's hidden cases' seed, as autograder.trusted.secret draws one


def run(box, code, timeout=60):
    """(stdout text, [error evalues]) of one cell run in the sandbox."""
    outputs = box.request({"op": "run", "code": code}, timeout)["outputs"]
    return ("".join(o.get("text", "") for o in outputs if o["output_type"] == "stream"),
            [o["evalue"] for o in outputs if o["output_type"] == "error"])


@contextlib.contextmanager
def course_with_a_gradebook():
    """A course directory holding a gradebook, readable by anyone (only the sandbox may hide it), outside
    /tmp (the sandbox's /tmp is its own anyway: a directory is hidden only because it is asked to be)."""
    course = Path(tempfile.mkdtemp(prefix="nbgrader-course-", dir="/var/tmp" if os.path.isdir("/var/tmp") else None))
    try:
        course.chmod(0o755)
        (course / "gradebook.db").write_text("secret")
        (course / "gradebook.db").chmod(0o644)
        yield course
    finally:
        shutil.rmtree(course)


@pytest.fixture(scope="module")
def box():
    with course_with_a_gradebook() as course, Sandbox(hide=[course]) as b:
        b.course = course
        yield b


def probe(course):
    """A cell that tries to reach what student code must not: prints what it found."""
    return f"""
import os, socket
print(sorted(os.listdir({str(COURSE_ROOT)!r})))
print(os.path.exists({str(course / "gradebook.db")!r}), os.getuid() != 0)
try:
    socket.create_connection(("1.1.1.1", 80), timeout=2)
    print("network")
except OSError:
    print("no network")
for path in ("/etc/shadow", {str(REFERENCE_FILES[0])!r}):
    try:
        open(path).read()
        print("read", path)
    except OSError:
        pass
try:
    open({str(COURSE_ROOT / "course" / "evil.py")!r}, "w")
    print("wrote into the course")
except OSError:
    pass
import autograder
"""


FOUND_NOTHING = (["['.venv', 'course']", "False True", "no network"], ["No module named 'autograder'"])


def test_student_code_cannot_reach_grading_code_network_or_other_files(box):
    out, errors = run(box, probe(box.course))
    assert (out.splitlines(), errors) == FOUND_NOTHING


def test_a_virtualenv_reached_through_a_symlink_runs_in_the_sandbox(monkeypatch):
    # ./run made .venv a directory; a self-learner may make it a link to a venv kept elsewhere. The link is
    # in a hidden directory, so the sandbox must start Python by the path the link leads to.
    with course_with_a_gradebook() as course:
        (course / "venv").symlink_to(Path(sys.prefix).resolve())
        monkeypatch.setattr(sys, "executable", str(course / "venv" / Path(sys.executable).relative_to(sys.prefix)))
        monkeypatch.setattr(sys, "prefix", str(course / "venv"))
        with Sandbox(hide=[course]) as linked:
            assert run(linked, "import numpy; print(numpy.ones(2).sum())") == ("2.0\n", [])


def test_grading_code_installed_where_python_runs_from_is_hidden_too(monkeypatch):
    # `pip install .` copies autograder/ (reference, hidden cases) into site-packages, which the sandbox must
    # show to run Python. Stand-in: a folder inside course/, which the sandbox shows for the same reason.
    installed = COURSE_ROOT / "course" / f".installed-autograder-{os.getpid()}"
    installed.mkdir()
    try:
        (installed / "reference.py").write_text("ANSWER = 42\n")
        (installed / "reference.py").chmod(0o644)
        installed.chmod(0o755)
        monkeypatch.setattr(launch, "AUTOGRADER", installed)
        with Sandbox() as hiding:
            out, errors = run(hiding, f"import os\nprint(os.listdir({str(installed)!r}))")
        assert (out, errors) == ("[]\n", [])
    finally:
        shutil.rmtree(installed)


def _crossable(needed):
    """bwrap arguments that let any user reach each of the `needed` directories: the outermost directory on the
    way that others cannot cross (root's 0700 home holding this Python, a clone made in `mktemp -d`) becomes an
    empty tmpfs, with crossable directories down to each needed one, bound back."""
    tops = {}
    for path in {p for p in needed if not any(q in p.parents for q in needed)}:  # the outermost only
        top = next((a for a in reversed(path.parents) if not a.stat().st_mode & 0o001), None)
        if top is not None:
            tops.setdefault(top, set()).add(path)
    args = []
    for top, paths in tops.items():
        args += ["--perms", "0755", "--tmpfs", str(top)]
        for path in sorted(paths):
            for d in reversed(path.parents):
                if top in d.parents:
                    args += ["--perms", "0755", "--dir", str(d)]
            args += ["--bind", str(path), str(path)]
    return args


def as_ordinary_user(course, body):
    """The last line printed by `body` (Python, with autograder.sandbox.box's Sandbox and test_trusted's probe, run
    and FORK_BOMB imported) run by a user who is not root. As root, this becomes such a user (nobody) in a
    mount namespace where the course and this Python are reachable, wherever they are."""
    script = course / "as_user.py"  # where the grading user can read it (not pytest's tmp_path)
    script.write_text(textwrap.dedent(f"""
        import json, os, sys
        from pathlib import Path
        assert os.geteuid() != 0, "graded as root"
        sys.path[:0] = [{str(COURSE_ROOT)!r}, {str(Path(__file__).parent)!r}]
        from autograder.sandbox.box import Sandbox
        from test_trusted import FORK_BOMB, probe, run
        """) + textwrap.dedent(body))
    script.chmod(0o644)
    command = [sys.executable, str(script)]
    if os.geteuid() == 0:
        command = [shutil.which("bwrap"), "--bind", "/", "/",
                   *_crossable([COURSE_ROOT, Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()]),
                   "--dev-bind", "/dev", "/dev", "--bind", "/proc", "/proc", "--setenv", "HOME", "/tmp", "--",
                   shutil.which("setpriv"), "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.splitlines()[-1]


@pytest.mark.slow
def test_the_same_holds_when_an_ordinary_user_grades():
    """Graded by a user who is not root, the sandbox is an unprivileged user namespace (bwrap --unshare-all),
    not root dropping to nobody."""
    with course_with_a_gradebook() as course:
        out, errors = json.loads(as_ordinary_user(course, f"""
            with Sandbox(hide=[Path({str(course)!r})]) as box:
                print(json.dumps(run(box, probe(Path({str(course)!r})))))
            """))
        assert (out.splitlines(), errors) == FOUND_NOTHING


@pytest.mark.slow
def test_a_fork_bomb_is_capped_per_sandbox_when_an_ordinary_user_grades():
    # Without cgroups and without root, nothing capped it: one notebook took every process of the machine
    before = _processes_of(launch.NOBODY)
    with course_with_a_gradebook() as course:
        forked = json.loads(as_ordinary_user(course, """
            with Sandbox() as bomb, Sandbox(start_timeout=5) as other:
                print(json.dumps([int(run(box, FORK_BOMB)[0]) for box in (bomb, other)]))
            """))
    assert all(200 < n < DEFAULTS.sandbox_processes for n in forked), forked
    # A closed sandbox's processes are killed, and gone a moment later: the next tests count nobody's processes
    deadline = time.monotonic() + 30
    while _processes_of(launch.NOBODY) > before and time.monotonic() < deadline:
        time.sleep(0.2)


def _processes_of(uid):
    return sum(1 for p in Path("/proc").iterdir() if p.name.isdigit() and _owner(p) == uid)


def _owner(proc_dir):
    try:
        return proc_dir.stat().st_uid
    except FileNotFoundError:
        return None


# Holds more processes of uid nobody than a sandbox may have (RLIMIT_NPROC 256), as other software running
# as nobody on the machine may, until told to end them.
PROCESS_HOG = """
import os, resource, sys, time
resource.setrlimit(resource.RLIMIT_NPROC, (300, 300))
children = []
try:
    while True:
        pid = os.fork()
        if pid == 0:
            time.sleep(120)
            os._exit(0)
        children.append(pid)
except OSError:
    print(len(children), flush=True)
sys.stdin.readline()
for pid in children:
    os.kill(pid, 9)
for pid in children:
    os.waitpid(pid, 0)
"""


@pytest.mark.slow
@pytest.mark.root
@pytest.mark.skipif(os.geteuid() != 0, reason="sandboxes share one user's process cap only when root grades")
@pytest.mark.parametrize("groups", [True, False], ids=["own cgroups", "per-process limits"])
def test_a_sandbox_starts_while_its_user_has_no_process_left(groups, monkeypatch):
    # The student whose notebook is graded then must get a sandbox, not score 0: at once where each sandbox
    # counts its own processes, else once the other processes are gone.
    if groups and cgroups.unavailable():
        pytest.skip(cgroups.unavailable())
    if not groups:
        monkeypatch.setattr(cgroups, "create", lambda *limits: None)
    hog = subprocess.Popen(["setpriv", f"--reuid={launch.NOBODY}", f"--regid={launch.NOBODY}", "--clear-groups",
                            sys.executable, "-c", PROCESS_HOG],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert int(hog.stdout.readline()) > 0
        release = threading.Timer(3, lambda: (hog.stdin.write("end\n"), hog.stdin.flush()))
        release.start()
        started = time.monotonic()
        with Sandbox() as b:
            assert (time.monotonic() - started < 2) if groups else (time.monotonic() - started > 2)
            assert run(b, "print(6 * 7)") == ("42\n", [])
    finally:
        release.join()
        hog.wait(30)


AHEAD = """
import json, os, resource, sys
from autograder.sandbox import ahead as sandbox
from autograder.sandbox.box import MEMORY

sandbox.start_ahead(2, [], memory_cap_mb=1024)  # as a batch with --memory-mb 1024 asks
readers = []
for claim in ({}, {}, {}, {"discard": True}):  # each in a process forked from this one, as batch workers are
    r, w = os.pipe()
    if os.fork() == 0:
        if claim.get("discard"):
            sandbox.discard_ahead()
            os.write(w, b"{}")
        else:
            resource.setrlimit(resource.RLIMIT_AS, (1024 << 20, 1024 << 20))  # a worker's cap
            box = sandbox.claim_ahead([], MEMORY, 256)
            seen = None
            if box is not None:
                seen = box.request({"op": "run", "code": "import os, sys; print(len(os.listdir('/proc/self/fd')), "
                                    "os.getuid(), 'ipywidgets' in sys.modules, "
                                    "open('/proc/self/status').read().split('Seccomp:')[1].split()[0])"},
                                   60)["outputs"][0]["text"]
                box.close()
            os.write(w, json.dumps({"seen": seen}).encode())
        os._exit(0)
    os.close(w)
    readers.append(r)
    os.wait()
print(json.dumps([json.loads(os.read(r, 1 << 16)) for r in readers]))
"""


@pytest.mark.slow
def test_sandboxes_started_ahead_are_claimed_once_each_and_start_as_any_other():
    # As autograder.batch.grade's fork server does: the two sandboxes start ahead, and the processes forked later
    # (its workers) each claim one. A third finds none left (it starts its own), and none remains to discard.
    # The second sandbox waited for the first through a small process that became bwrap: no descriptor
    # of that wait may reach the sandbox, nor anything of the first sandbox.
    proc = subprocess.run([sys.executable, "-c", AHEAD], capture_output=True, text=True, timeout=300, cwd=COURSE_ROOT)
    assert proc.returncode == 0, proc.stderr
    first, second, third, _ = json.loads(proc.stdout)
    assert first["seen"] and first["seen"] == second["seen"], (first, second)  # as many descriptors open
    assert third["seen"] is None
    uid = launch.NOBODY if os.geteuid() == 0 else os.geteuid()
    # ipywidgets imported before it was claimed; system calls filtered (seccomp mode 2) as in any other sandbox
    assert first["seen"].split()[1:] == [str(uid), "True", "2"], first


def test_a_sandbox_started_ahead_with_other_limits_is_not_claimed():
    code = AHEAD.replace("sandbox.claim_ahead([], MEMORY, 256)", "sandbox.claim_ahead([], MEMORY >> 1, 256)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=COURSE_ROOT)
    assert proc.returncode == 0, proc.stderr
    assert [p.get("seen") for p in json.loads(proc.stdout)] == [None, None, None, None]


def test_functions_are_graded_after_the_functions_they_call_wherever_their_test_cells_are():
    # Moved to the end, test_rnn_cell_forward would be graded after rnn_forward, whose calls to
    # rnn_cell_forward the reference answers: a notebook could keep those answers and replay them.
    tests = [("cell 3", "rnn_forward"), ("cell 5", "softmax"), ("cell 9", "rnn_cell_forward")]
    assert [name for _, name in case_sets.dependencies_first(tests)] == ["softmax", "rnn_cell_forward", "rnn_forward"]


RECORDING_NOTEBOOK = """
import numpy as np
SEEN = []
def softmax(z):
    SEEN.append(z)
    e = np.exp(z - z.max(axis=0))
    return e / e.sum(axis=0)
def rnn_cell_forward(xt, a_prev, parameters):
    # softmax here is the reference's, answering in the grader: it would answer the hidden inputs too
    raise ValueError(f"softmax has seen {len(SEEN)} inputs; the reference says {softmax(SEEN[-1]).ravel()[:2]}")
"""


def graded_test_cells(code, names, timeout=60):
    """{function: its test cell's outputs} for a notebook of one cell, `code`, with test cells for `names`,
    as TrustedExecute grades it; and the outputs of the cell."""
    run_ = notebook_run.NotebookRun([], 1 << 30, timeout)
    try:
        outputs = run_.run_cell(code)
        for name in names:
            run_.keep(name)
        verdicts = case_sets.grade_case_sets(run_, verified.verified_reference(),
                                             [(None, name, name) for name in names], SEED)
    finally:
        run_.close()
    helpers = course_checks.helpers(verdicts)
    return {name: run_test_cell(f"grade_hidden({name!r}, None)\ncheck({name!r}, None)", dict(helpers), f"test_{name}")
            for name in names}, outputs


def test_no_hidden_input_or_its_answer_reaches_a_visible_report():
    # The sandbox keeps its state between calls, and a visible report shows the message of what the student
    # raised: graded after softmax's hidden cases, rnn_cell_forward's visible check carried one hidden input
    # and the reference's answer to it out per feedback round (seven rounds: softmax 8/8, never written).
    graded, _ = graded_test_cells(RECORDING_NOTEBOOK, ["rnn_cell_forward", "softmax"])
    visible_softmax = len(case_sets._cases("softmax", SEED)[0])
    report = graded["rnn_cell_forward"][0].evalue
    assert f"softmax has seen {visible_softmax} inputs" in report, report
    visible, hidden = map(len, case_sets._cases("softmax", SEED))
    assert graded["softmax"][0].text.startswith(f"\u2714 softmax passed all {visible + hidden} checks ({visible} as "
                                                f"in the self-check, {hidden} hidden)"), graded["softmax"]

ORACLE_BOUND_PROBE = """
import numpy as np
def clip_by_global_norm(gradients, max_norm):
    raise NotImplementedError()
def train_chunks(X, Y, a0, parameters, memory, learning_rate, max_norm):
    widest = 0
    for j in range(1, 21):
        try:
            clip_by_global_norm({"dWaa": np.zeros((j, 20))}, 1.0)  # the reference answers, or refuses
            widest = j
        except MemoryError:
            break
    raise ValueError(f"the oracle took ({widest}, 20)")
"""


def test_the_oracle_s_bound_in_a_visible_check_depends_on_the_visible_cases_only():
    # The reference answers a dependency's call on arguments up to 4 times the largest array of the cases; the
    # bound was taken over the hidden cases too, also while the visible ones ran, whose report shows what the
    # student raised. train_chunks' hidden cases draw their number of chunks, so probing the bound on a visible
    # case printed a hidden case's shape on the feedback page (attack round 12).
    graded, _ = graded_test_cells(ORACLE_BOUND_PROBE, ["train_chunks"])
    visible, hidden = case_sets._cases("train_chunks", SEED)

    def widest(cases):  # the widest (j, 20) that 4 times the cases' largest array allows
        arrays = [a for case in cases for a in case_sets._arrays(case["args"])]
        longest, largest = 4 * max(max(a.shape, default=1) for a in arrays), 4 * max(a.size for a in arrays)
        return min(20, largest // 20) if longest >= 20 else 0
    assert widest([*visible, *hidden]) != widest(visible)  # else this test could not tell
    report = graded["train_chunks"][0].evalue
    assert f"the oracle took ({widest(visible)}, 20)" in report, report


def test_no_hidden_case_is_made_while_the_visible_cases_run(monkeypatch):
    # Making a case set's hidden cases takes a time that depends on them (train_chunks: about 1 ms per chunk,
    # and it draws 2 or 3 per case); made lazily, between one function's visible calls and the next's, that time
    # was there to be measured from the sandbox and printed in a visible report (attack round 12). Every hidden
    # case is made before the first call.
    from autograder.key import cases as key_cases
    reference = verified.verified_reference()
    events = []
    made = key_cases.hidden_cases

    def hidden_cases(name, seed):
        events.append("hidden cases")
        return made(name, seed)

    class Run:
        def call(self, name, args, oracle, hidden):
            events.append("hidden call" if hidden else "visible call")
            return getattr(reference, name)(*deepcopy(args)), args

    monkeypatch.setattr(key_cases, "hidden_cases", hidden_cases)
    case_sets._cases.cache_clear()
    names = ["make_batches", "perplexity", "train_chunks"]
    verdicts = case_sets.grade_case_sets(Run(), reference, [(None, n, n) for n in names], 987654321)
    assert all(v.report is None for v in verdicts.values()), verdicts
    assert events.count("hidden cases") == len(names) and "visible call" in events
    assert max(i for i, e in enumerate(events) if e == "hidden cases") < events.index("visible call"), events


def test_outputs_are_recorded_per_cell_and_prints_during_calls_are_dropped(box):
    out, errors = run(box, "import sys\nprint('to stdout')\nprint('to stderr', file=sys.stderr)\n"
                           "def twice(x):\n    print('secret hidden input', x)\n    return 2 * x\n1 / 0")
    assert out == "to stdout\nto stderr\n" and errors == ["division by zero"]
    reply = box.request({"op": "call", "name": "twice", "args": (np.arange(3.0),), "oracles": []}, 10)
    assert reply["op"] == "return" and np.array_equal(reply["output"], [0.0, 2.0, 4.0])
    assert run(box, "pass") == ("", [])


def test_a_traceback_names_the_cell_by_its_number_in_the_notebook_in_colours_for_a_light_page():
    run = notebook_run.NotebookRun([], 1 << 30, 60)
    try:
        run.run_cell("def f(x):\n    return undefined_name + x", 3)
        outputs = run.run_cell("f(2)", 5)  # cell 4 is a test cell: it is not run in the sandbox
    finally:
        run.close()
    traceback = "\n".join(outputs[0].traceback)
    plain_text = ESCAPE.sub("", traceback)
    assert "Cell In[5], line 1" in plain_text and "Cell In[3], line 2" in plain_text, plain_text
    # IPython's "linux" colours (near-white code, 38;5;255) were unreadable on feedback pages
    assert "38;5;255" not in traceback and "\x1b[9" not in traceback, repr(traceback)


def test_the_sandbox_imports_the_course_compiled_not_from_source():
    # The sandbox cannot write the course's .pyc files: whatever the grader has not compiled, every
    # notebook compiled again (0.15-0.2 s of CPU each for the explorers and self-checks).
    for cached in (COURSE_ROOT / "course" / "__pycache__").glob("*.pyc"):
        cached.unlink()
    launch.compiled_course.cache_clear()
    run = notebook_run.NotebookRun([], 1 << 30, 60)
    try:
        outputs = run.run_cell("import os, sys, course.state_explorer, course.selfcheck\n"
                               "print([name for name, m in list(sys.modules.items()) if name.startswith('course')\n"
                               "       and not os.path.exists(m.__cached__)])")
    finally:
        run.close()
    assert outputs == [{"output_type": "stream", "name": "stdout", "text": "[]\n"}], outputs


def test_a_widget_is_shown_as_a_note_not_as_its_repr():
    shown = outputs.kept_outputs({"outputs": [{"output_type": "display_data", "data": {
        "text/plain": "VBox(children=(FloatSlider(value=0.0, description='radius of Waa'),))",
        outputs.WIDGET: {"version_major": 2, "version_minor": 0, "model_id": "0a1b"}}}]})
    assert shown[0].data == {"text/plain": "[an interactive widget: run the notebook in JupyterLab to use it]"}


def test_outputs_with_endless_terminal_colours_keep_their_text_and_lose_the_colours():
    # nbconvert renders colours in time that grows with their number times the text's length (12 s a cell)
    coloured, endless = "\x1b[31mred\x1b[0m", "\x1b[1m" * (outputs.MAX_ESCAPES + 1) + "text"
    shown = outputs.kept_outputs({"outputs": [
        {"output_type": "stream", "name": "stdout", "text": coloured},
        {"output_type": "error", "ename": "E", "evalue": endless, "traceback": [coloured, endless]},
        {"output_type": "execute_result", "data": {"text/plain": endless}, "execution_count": 1}]})
    assert shown[0].text == coloured
    assert (shown[1].evalue, shown[1].traceback) == ("text", [coloured, "text"])
    assert shown[2].data == {"text/plain": "text"}


def test_oracle_requests_are_answered_by_the_grader(box):
    run(box, "def outer(z):\n    return helper(z) + 1")
    reply = box.request({"op": "call", "name": "outer", "args": (np.ones(2),), "oracles": ["helper"]}, 10,
                        on_oracle=lambda request: {"result": request["args"][0] * 10})
    assert reply["op"] == "return" and np.array_equal(reply["output"], [11.0, 11.0])
    assert run(box, "print('helper' in dir())") == ("False\n", [])  # gone once the call is over


def test_what_a_student_raises_cannot_forge_report_lines_or_carry_hidden_inputs():
    from course.checking import CallFailed
    forged = {"type": "X\n  - Hint: full marks", "message": "m\n  - Hint: full marks", "line": "l\n  - Hint: x"}
    for hidden in (False, True):
        with pytest.raises(CallFailed) as raised:
            outputs.raised_error(forged, hidden)
        failed = raised.value
        assert "\n" not in failed.type_name + failed.message + failed.line and "Hint" not in failed.type_name
    with pytest.raises(CallFailed) as raised:  # a hidden case: not even which exception (5 bits a round)
        outputs.raised_error({"type": "ValueError", "message": "z[0] was 2.129541", "line": "raise ValueError(z)"},
                             True)
    failed = raised.value
    assert (failed.type_name, failed.message, failed.line) == ("an exception", outputs.HIDDEN_MESSAGE, "")


PIPE_WRITER = """
import os, struct, sys
import numpy as np
CALLS = []
def softmax(z):
    CALLS.append(1)
    if len(CALLS) > 3:  # a hidden case: write 8 bytes of its own where the grader reads a message's length
        os.write(int(sys.argv[2]), struct.pack(">d", float(z.flat[0])))
        os._exit(0)
    e = np.exp(z - z.max(axis=0))
    return e / e.sum(axis=0)
def rnn_cell_forward(xt, a_prev, parameters):
    while True:  # the reference answers in the grader, on the grader's CPU
        softmax(xt)
"""


@pytest.mark.slow
def test_a_report_says_why_the_process_ended_in_words_the_student_did_not_choose():
    # "sent a message of 4611977719010229202 bytes" carried a hidden input, bit for bit
    graded, _ = graded_test_cells(PIPE_WRITER, ["softmax", "rnn_cell_forward"])
    softmax_report, cell_report = (graded[name][0].evalue for name in ("softmax", "rnn_cell_forward"))
    assert "failed hidden check" in softmax_report and "broke the grader's protocol" in softmax_report
    assert not re.search(r"\d{5}", softmax_report), softmax_report
    assert f"more than {sandbox.MAX_ORACLE_REQUESTS} results" in cell_report, cell_report


def test_a_hidden_check_s_report_holds_nothing_the_student_s_output_chose():
    # The student's code chooses its output; a report built from it would carry hidden inputs out.
    from course.diagnose import compare
    from course.plain import Opaque
    for name in SIGNATURES:
        _, hidden = case_sets._cases(name, SEED)
        expected, names = hidden[0]["expected"], SIGNATURES[name][1]
        wrong_ways = [  # pairs of outputs that are wrong in the same way, with different contents
            (Opaque("LEAK_0_123"), Opaque("LEAK_4_567")),
            ({"LEAK 0.123": 1}, {"LEAK 4.567": 1}),
            ([1.0] * 20, [2.0] * 30),
            (np.zeros(3), np.ones((2, 2))),
        ]
        for first in _arrays_of(expected)[:1]:
            other_dtypes = [d for d in (np.float32, np.int64, np.float64) if d != first.dtype][:2]  # make_batches: int
            wrong_ways += [(np.zeros((7, 3, 1)), np.zeros((2, 9))),
                           tuple(first.astype(d) for d in other_dtypes),
                           (np.full(first.shape, np.nan), np.full(first.shape, -np.inf)),
                           (first + 0.123, first - 4.567)]
        if isinstance(expected, float):
            wrong_ways += [(0.123, 4.567), (np.nan, -np.inf)]
        for a, b in wrong_ways:
            got_a, got_b = (_replace_first(expected, x) for x in (a, b))
            assert compare(got_a, expected, names, detail=False) == compare(got_b, expected, names, detail=False)
            assert compare(got_a, expected, names, detail=False), (name, a)
            assert "LEAK" not in str(compare(got_a, expected, names, detail=False))
        # which keys a dict lacks is the student's choice too: 12 keys would carry 12 bits a run
        without_first, without_last = _drop_a_key(expected, 0), _drop_a_key(expected, -1)
        if without_first is not None:
            assert compare(without_first, expected, names, detail=False) == \
                compare(without_last, expected, names, detail=False), name


def _arrays_of(value):
    return list(case_sets._arrays(value))


def _drop_a_key(expected, index):
    """expected without the key at `index` of its first dict (depth first); None if it holds no dict."""
    if isinstance(expected, dict):
        return {k: v for k, v in expected.items() if k != list(expected)[index]}
    if isinstance(expected, (tuple, list)):
        for i, v in enumerate(expected):
            dropped = _drop_a_key(v, index)
            if dropped is not None:
                return type(expected)([*expected[:i], dropped, *expected[i + 1:]])
    return None


def _replace_first(expected, wrong):
    """expected with its first array (depth first) replaced by `wrong`."""
    if isinstance(expected, np.ndarray):
        return wrong
    if isinstance(expected, (tuple, list)):
        for i, v in enumerate(expected):
            if _arrays_of(v):
                return type(expected)([*expected[:i], _replace_first(v, wrong), *expected[i + 1:]])
    if isinstance(expected, dict):
        for k, v in expected.items():
            if _arrays_of(v):
                return {**expected, k: _replace_first(v, wrong)}
    return wrong


def test_the_reference_s_own_error_messages_never_reach_student_code():
    # They describe the reference: its key order (KeyError 'Waa'), which operations are matrix products
    # (matmul's gufunc signature), how it broadcasts. A visible report shows what the student's code raised.
    visible, hidden = case_sets._cases("rnn_forward", SEED)
    answer = case_sets._oracle_for(verified.verified_reference(), "rnn_forward", [*visible, *hidden])
    xt, a0, parameters = visible[0]["args"][0][:, :, 0], *visible[0]["args"][1:]
    failures = [answer({"name": "rnn_cell_forward", "args": args}) for args in [
        (xt, a0, {k: v for k, v in parameters.items() if k != "Waa"}),  # a key missing
        (xt.T, a0, parameters),  # shapes that do not multiply
        (xt, a0[:1], parameters),  # shapes that broadcast wrongly
        (xt, a0, dict(parameters, ba="a string")),
        (xt, a0),  # an argument missing
    ]] + [answer({"name": "rnn_backward", "args": (xt,)}), answer({"name": "rnn_cell_forward", "args": [xt, a0]})]
    assert failures == [case_sets.ORACLE_FAILED] * len(failures)


ORACLE_FLOOD = """
import gc
import numpy as np
def softmax(z):
    e = np.exp(z - z.max(axis=0))
    return e / e.sum(axis=0)
def rnn_cell_forward(xt, a_prev, parameters):
    # one 24 MB request, built once and sent again and again: the grader decoded each (25 s of its CPU for
    # 6 of 63 MB) before it refused the arguments as larger than any case
    channel = next(o for o in gc.get_objects() if type(o).__name__ == "Channel")
    for _ in range(6):
        channel.send({"op": "oracle", "name": "softmax", "args": (np.ones(3_000_000),)})
        channel.receive()
    return xt
"""


@pytest.mark.slow
def test_a_graded_call_cannot_make_the_grader_decode_more_than_a_call_needs():
    graded, _ = graded_test_cells(ORACLE_FLOOD, ["softmax", "rnn_cell_forward"])
    report = graded["rnn_cell_forward"][0].evalue
    assert "rnn_cell_forward's process sent the grader more than it may" in report, report
    assert graded["softmax"][0].text.startswith("\u2714 softmax passed"), graded["softmax"]  # its honest twin


def test_what_a_notebook_prints_past_its_budget_is_not_even_sent():
    run_ = notebook_run.NotebookRun([], 1 << 30, 60)
    try:
        outputs = [run_.run_cell("print('x' * 1_999_000)") for _ in range(8)]  # 16 MB of text, 4 MB kept
    finally:
        run_.close()
    sent = budget.SANDBOX_BYTES - run_.bytes_left
    assert sent < 1.1 * 4 * budget.NOTEBOOK_OUTPUT_CHARS, sent  # 4 bytes a character in course.plain
    assert budget.OUTPUT_CUT.format(budget.NOTEBOOK_OUTPUT_CHARS) in outputs[-1][0].text


@pytest.mark.slow
def test_a_notebook_that_sends_more_than_its_share_is_read_no_further():
    run_ = notebook_run.NotebookRun([], 1 << 30, 60)
    # Written to the grader's pipe directly, past the worker's limits: two replies of 40 MB each
    flood = ("import gc\nchannel = next(o for o in gc.get_objects() if type(o).__name__ == 'Channel')\n"
             "for _ in range(2):\n"
             "    channel.send({'outputs': [{'output_type': 'stream', 'name': 'stdout', 'text': 'x' * 10_000_000}]})")
    try:
        outputs = [run_.run_cell(code) for code in (flood, "print('after')", "print('again')")]
    finally:
        run_.close()
    assert 0 <= run_.bytes_left < budget.SANDBOX_BYTES
    assert [o[0].get("ename") for o in outputs[1:]] == ["OutputLimitError"] * 2, outputs[1:]
    assert "sent the grader more than it may" in outputs[1][0].evalue


def test_class_names_from_the_sandbox_are_names():
    weird = type("x" * 1000, (), {})(), type("\x1b[31mred", (), {})()
    assert [o.type_name for o in plain.loads(plain.dumps(list(weird)))] == ["(class of an odd name)"] * 2
    local = type("Leak", (), {"__qualname__": "f.<locals>.Leak"})()
    assert plain.loads(plain.dumps(local)).type_name == "test_trusted.f.<locals>.Leak"


def test_the_reference_answers_only_arguments_the_size_of_the_cases():
    visible, hidden = case_sets._cases("rnn_forward", SEED)
    answer = case_sets._oracle_for(verified.verified_reference(), "rnn_forward", [*visible, *hidden])
    x, a0, parameters = visible[0]["args"]
    assert "result" in answer({"name": "rnn_cell_forward", "args": (x[:, :, 0], a0, parameters)})
    for xt in (np.zeros((0, 0, 3_000_000)), np.zeros((x.shape[0], 1000 * x.shape[1]))):  # endless, huge
        refused = answer({"name": "rnn_cell_forward", "args": (xt, a0, parameters)})
        assert refused["type"] == "MemoryError" and "larger than any case of rnn_forward" in refused["message"]
    broadcast_bias = dict(parameters, ba=[[[0.0]]] * 100_000)  # numbers in a list, inside the dict
    refused = answer({"name": "rnn_cell_forward", "args": (x[:, :, 0], a0, broadcast_bias)})
    assert refused["type"] == "MemoryError", refused
    # Numbers in lists count too: a 1.2 MB list broadcast against y made the grader build 721 MB
    visible, hidden = case_sets._cases("bptt", SEED)
    answer = case_sets._oracle_for(verified.verified_reference(), "bptt", [*visible, *hidden])
    x, y, a0, parameters = visible[0]["args"]
    for y_pred in ([[[[0.5]]]] * 150_000, np.zeros((1, 1, 1, *y.shape)), [np.zeros(3)] * 1000):
        refused = answer({"name": "rnn_loss", "args": (y_pred, y)})
        assert refused["type"] == "MemoryError" and "larger than any case of bptt" in refused["message"]
    assert "result" in answer({"name": "rnn_loss", "args": (np.full(y.shape, 0.5), y)})
    for case in [*visible, *hidden]:  # what bptt passes on: caches are a list of tuples, each with a dict
        x, y, a0, parameters = case["args"]
        a, y_pred, caches = verified.verified_reference().rnn_forward(x, a0, parameters)
        assert "result" in answer({"name": "rnn_backward", "args": (np.ones(a.shape), caches)}), case["label"]


def test_memory_cap_stops_a_memory_hog():
    with Sandbox(memory_bytes=1 << 30) as b:
        _, errors = run(b, "import numpy as np\nhoard = np.ones(2 << 30, dtype=np.uint8)")
        assert errors and "Unable to allocate" in errors[0]


# Three children of 450 MB, alive together: each is under a 1 GB address-space cap, all three are not.
FORK_HOARD = """
import os, time
children = []
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        hoard = bytearray(450 << 20)
        hoard[::4096] = b"x" * len(hoard[::4096])  # touched, so really in memory
        time.sleep(2)
        os._exit(0)
    children.append(pid)
print(sorted(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children))
"""

# Forks until refused; the children stay 10 s.
FORK_BOMB = """
import os, time
forked = 0
try:
    while forked < 1000:
        if os.fork() == 0:
            time.sleep(10)
            os._exit(0)
        forked += 1
except OSError:
    print(forked)
"""

_cgroups_here = pytest.mark.skipif(cgroups.unavailable() is not None,
                                   reason=f"no per-sandbox cgroups here: {cgroups.unavailable()}")


def needs_cgroups(test):
    """Per-sandbox cgroups need root (cgroups.unavailable says so otherwise): marked root, skipped without them."""
    return pytest.mark.root(_cgroups_here(test))


@pytest.mark.slow
@needs_cgroups
def test_the_memory_limit_holds_for_all_of_a_sandbox_s_processes_together():
    with Sandbox(memory_bytes=1 << 30) as b:
        out, errors = run(b, FORK_HOARD)
        groups = b.group.dirs.values()
    assert not errors and -9 in ast.literal_eval(out)  # the kernel killed at least one child, not the machine's memory
    assert not any(d.exists() for d in groups)


# Two children hold 450 MB each; then the notebook's own process takes 400 MB more, having volunteered to be
# the process the kernel kills (any process may raise its own oom_score_adj).
OUTGROW = """
import os, time
for _ in range(2):
    if os.fork() == 0:
        hoard = bytearray(450 << 20)
        hoard[::4096] = b"x" * len(hoard[::4096])
        time.sleep(10)
        os._exit(0)
time.sleep(1)
open("/proc/self/oom_score_adj", "w").write("1000")
mine = bytearray(400 << 20)
mine[::4096] = b"x" * len(mine[::4096])
"""


@needs_cgroups
def test_a_sandbox_that_goes_over_the_memory_limit_is_reported_as_out_of_memory():
    run = notebook_run.NotebookRun([], 1 << 30, 60)
    try:
        outputs = run.run_cell(OUTGROW)
    finally:
        run.close()
    assert [(o.ename, "1024 MB memory limit" in o.evalue) for o in outputs] == [("MemoryError", True)]


@pytest.mark.slow
@needs_cgroups
def test_a_fork_bomb_is_capped_per_sandbox_and_leaves_other_sandboxes_their_share():
    with Sandbox() as bomb, Sandbox(start_timeout=5) as other:
        for box in (bomb, other):  # with one process cap for the sandboxes' user, the second would fork none
            out, _ = run(box, FORK_BOMB)
            assert 200 < int(out) < DEFAULTS.sandbox_processes


@pytest.mark.slow
@needs_cgroups
def test_a_notebook_s_busy_processes_leave_other_sandboxes_their_share_of_the_cpu():
    if "cpu" not in cgroups._own_groups():
        pytest.skip("the cgroup v1 cpu hierarchy is not mounted here")
    burn = ("import time\nstart, cpu = time.monotonic(), time.process_time()\n"
            "while time.process_time() - cpu < 0.5:\n    pass\nprint(time.monotonic() - start)")
    with Sandbox() as hog, Sandbox() as other:
        # each in a session of its own: where the kernel has autogroups, a session is scheduled as one
        run(hog, "import os\nfor _ in range(60):\n    if os.fork() == 0:\n        os.setsid()\n        while True:\n"
                 "            pass")
        out, _ = run(other, burn)
    # shared per process (61 busy processes, 2 CPUs), half a second of CPU took 15 s here
    assert float(out) < 3, f"0.5 s of CPU took {float(out):.1f} s next to a notebook's 60 busy processes"


@pytest.mark.slow
def test_timeout_kills_the_sandbox_and_everything_it_started(tmp_path):
    marker = "4242.4242"
    b = Sandbox().start()
    try:
        with pytest.raises(WorkerGone, match="timeout"):
            b.request({"op": "run", "code": f"import os, subprocess, time\n"
                                          f"subprocess.Popen(['sleep', '{marker}'], start_new_session=True)\n"
                                          "time.sleep(600)"}, timeout=3)
        assert not b.alive
    finally:
        b.close()
    time.sleep(0.5)
    sleepers = [p for p in Path("/proc").iterdir() if p.name.isdigit() and marker in _cmdline(p)]
    assert not sleepers


def _cmdline(proc_dir):
    try:
        return (proc_dir / "cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


@pytest.mark.slow
def test_a_function_missing_at_its_test_is_explained_by_the_error_of_its_own_cell():
    # It was "softmax raised NameError: the notebook defines no function 'softmax'": softmax raised nothing
    graded, _ = graded_test_cells("def softmax(z):\n    e = np.exp(z - z.max(axis=0)\n    return e", ["softmax"])
    assert "softmax is not defined where its test cell stands: its cell stopped with SyntaxError: " \
           "'(' was never closed (line 2)." in graded["softmax"][0].evalue, graded
    graded, _ = graded_test_cells("def soft_max(z):\n    return z", ["softmax"])
    assert "softmax is not defined where its test cell stands: is its cell run, and is the function still " \
           "called softmax?" in graded["softmax"][0].evalue, graded
    assert "?." not in graded["softmax"][0].evalue
    # the sandbox that ran a cell stopped at the time limit is replaced without that cell: softmax is gone
    graded, _ = graded_test_cells("def softmax(z):\n    return z\n\nwhile True:\n    pass", ["softmax"], timeout=3)
    assert "softmax is not defined where its test cell stands: its cell stopped with CellTimeoutError: this cell " \
           "did not finish within 3 s." in graded["softmax"][0].evalue, graded


def test_text_that_utf8_cannot_hold_is_escaped_so_the_graded_notebook_can_be_written():
    # print('\\ud800') in an answer cell made nbgrader fail to write the notebook: a correct one scored 0
    graded, outputs = graded_test_cells("print('\\ud800')\n"
                                        "def softmax(z):\n    raise ValueError('\\udfff' * 3)\n"
                                        "raise KeyError('\\ud801')", ["softmax"])
    report = graded["softmax"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("", outputs=outputs + report)])
    nbformat.writes(nb).encode("utf-8")  # what nbgrader does
    assert outputs[0].text == "\\ud800\n" and "\\ud801" in outputs[1].evalue, outputs
    assert "raised ValueError: \\udfff\\udfff\\udfff" in report[0].evalue, report


@pytest.mark.slow
def test_untrusted_messages_are_bounded_and_never_unpickled():
    assert decode_untrusted(plain.dumps({"x": np.ones(3)}))["x"].sum() == 3
    buf = io.BytesIO()
    np.savez_compressed(buf, __tree__=np.array('{"array": 0}'), a0=np.zeros(10_000_000))  # a zip bomb
    with pytest.raises(ValueError):
        decode_untrusted(buf.getvalue(), limit=1 << 20)
    buf = io.BytesIO()
    np.savez(buf, __tree__=np.array('{"array": 0}'), a0=np.array([object()], dtype=object))  # needs pickle
    with pytest.raises(ValueError):
        decode_untrusted(buf.getvalue())
    with pytest.raises(ValueError):
        decode_untrusted(b"PK\x03\x04 not a zip")
    with zipfile.ZipFile(io.BytesIO(plain.dumps(1))) as z:  # what the worker sends is stored, not compressed
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_STORED}
    assert len(decode_untrusted(plain.dumps([np.zeros(0)] * (sandbox.MAX_ARRAYS - 1)))) == sandbox.MAX_ARRAYS - 1
    with pytest.raises(ValueError):  # cheap to send, slow to decode
        decode_untrusted(plain.dumps([np.zeros(0)] * sandbox.MAX_ARRAYS))  # and the tree
    from autograder.key.cases import hidden_cases, visible_cases
    largest = max(len(zipfile.ZipFile(io.BytesIO(plain.dumps(case))).infolist())
                  for name in SIGNATURES for case in [*visible_cases(name), *hidden_cases(name, SEED)])
    assert largest < sandbox.MAX_ARRAYS / 10


def test_what_a_sandbox_writes_to_stderr_does_not_pile_up_in_the_grader(box):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert run(box, "import os\nfor _ in range(400):\n    os.write(2, b'a' * (1 << 20))") == ("", [])
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 << 10  # KiB: one line of 400 MB
    assert len(box.stderr_tail) <= 4000


def test_the_grader_reads_a_sandbox_s_stderr_only_until_it_greets():
    # every byte written to fd 2 was read by the grader, on its CPU: 105 GB in 40 s took more of it than the
    # sandbox spent writing them
    with Sandbox() as box:
        box.stderr_reader.join(5)
        assert not box.stderr_reader.is_alive() and box.proc.stderr.closed
        out, errors = run(box, "import os\nos.write(2, b'x' * 1_000_000)\nprint(os.path.realpath('/proc/self/fd/2'))")
        assert (out, errors) == ("/dev/null\n", [])


def test_no_sandbox_sees_the_machine_s_cgroups(box):
    # pids.current of every sandbox's group was a live channel between sandboxes graded at once
    assert run(box, "import os\nprint(os.listdir('/sys/fs/cgroup'))") == ("[]\n", [])


def test_missing_bubblewrap_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(launch.shutil, "which", lambda name: None)
    with pytest.raises(SandboxError, match="apt-get install bubblewrap"):
        Sandbox().start()


def test_a_changed_reference_is_refused(tmp_path, monkeypatch):
    original = sys.modules.get("autograder.key.reference")
    copies = tuple(tmp_path / path.name for path in REFERENCE_FILES)
    for path, copy in zip(REFERENCE_FILES, copies):
        copy.write_bytes(path.read_bytes())
    monkeypatch.setattr(verified, "REFERENCE", tmp_path)
    monkeypatch.setattr(verified, "REFERENCE_FILES", copies)
    monkeypatch.setattr(verified, "_verified", {})
    digest = lambda: verified.reference_digest({copy: copy.read_bytes() for copy in copies})  # noqa: E731
    try:
        with pytest.raises(errors.TrustedGradingError, match="is not the version it must be"):
            verified.verified_reference("0" * 64)
        module = verified.verified_reference(digest())
        assert module.softmax(np.zeros((2, 1))).tolist() == [[0.5], [0.5]]
        # a later file's import of an earlier one got the verified module, not the one on disk
        assert module.lstm_cell_forward.__globals__["softmax"] is module.softmax
        copies[2].write_text(copies[2].read_text() + "\nsoftmax = lambda z: z\n")  # changed while grading
        with pytest.raises(errors.TrustedGradingError, match=r"reference.*gated\.py\} changed while grading"):
            verified.verified_reference(digest())
    finally:
        if original is not None:
            verified.install_reference(original)


def test_a_reference_file_changed_since_the_commit_is_named(tmp_path, monkeypatch):
    """Outside the configured digest, each file is compared with its committed version and the changed one named."""
    if not (COURSE_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    monkeypatch.setattr(verified, "_verified", {})
    committed = verified._committed
    edited = lambda path: committed(path) + (b"#" if path.name == "gated.py" else b"")  # noqa: E731
    monkeypatch.setattr(verified, "_committed", edited)
    with pytest.raises(errors.TrustedGradingError, match=r"^autograder/key/reference/gated\.py is not the version"):
        verified.verified_reference()


def test_a_reference_that_cannot_be_verified_is_named_as_such(tmp_path, monkeypatch):
    # A downloaded archive (no .git) with no sha256 set graded with whatever reference.py held, saying so only
    # in the workers' log; ./run grade now says it before it starts (batch_settings)
    monkeypatch.setattr(verified, "COURSE_ROOT", tmp_path)  # a course without .git
    assert "cannot be verified: the course is not a git checkout" in verified.unverifiable_reference()
    assert verified.unverifiable_reference("0" * 64) is None
    (tmp_path / ".git").mkdir()
    assert verified.unverifiable_reference() is None


def test_the_committed_reference_is_the_verified_one():
    """In this git checkout the expected digest is the committed file's (what nbgrader_config.py relies on)."""
    for path in REFERENCE_FILES:
        committed = verified._committed(path)
        if committed is None:
            pytest.skip("not a git checkout")
        assert committed == path.read_bytes(), f"{path} differs from its committed version"


PLAIN_PIPELINE = """
# plain nbgrader: hidden tests run in the student's kernel (autograder/key/hidden.py)
from nbgrader.preprocessors import Execute
c.Autograde.autograde_preprocessors = [Execute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
                                       SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
"""


@pytest.mark.slow
def test_plain_nbgrader_still_grades_and_is_fooled_where_trusted_grading_is_not(tmp_path):
    """Without TrustedExecute the course still grades (hidden.py), but a cheat wins there: why it exists."""
    a = "rnn_forward"
    ws = Workspace.create(tmp_path, [a])
    with open(ws.root / "nbgrader_config.py", "a") as f:
        f.write(PLAIN_PIPELINE)
    release = read(ws.generate(a) / f"{a}.ipynb")
    solved = solution_code(read(COURSE_ROOT / "source" / a / f"{a}.ipynb"))
    cheat = dict(solved, softmax="import course.selfcheck, autograder.key.hidden\n"
                                 "autograder.key.hidden.grade_hidden = lambda name, fn: None\n"
                                 "check = lambda name, fn: None\n"
                                 "def softmax(z):\n    return z")
    ws.submit("solved", a, {a: fill(release, solved)})
    ws.submit("cheat", a, {a: fill(release, cheat)})
    ws.autograde(a)
    scores = ws.scores(a)
    assert all(s == m for s, m in scores["solved"].values())
    assert scores["cheat"]["test_softmax"] == (2.0, 2.0)  # fooled
    Workspace.create(ws.root, [a])  # the course's own config again: trusted grading
    ws.autograde(a, "--student", "cheat")
    assert ws.scores(a)["cheat"]["test_softmax"] == (0.0, 2.0)


@pytest.mark.slow
def test_plain_autograde_grades_no_submission_that_links_to_the_course(tmp_path):
    # nbgrader copies a submission following its links, before any preprocessor runs: a notebook that is a
    # link to the source notebook scored full marks. Trusted grading refuses it; nbgrader drops the copy.
    a = "rnn_forward"
    ws = Workspace.create(tmp_path, [a])
    ws.generate(a)
    folder = ws.root / "submitted" / "mallory" / a
    folder.mkdir(parents=True)
    (folder / f"{a}.ipynb").symlink_to(ws.root / "source" / a / f"{a}.ipynb")
    (folder / "loot.html").symlink_to(ws.root / "gradebook.db")
    proc = ws.nbgrader("autograde", a, "--create", "--force", check=False)
    assert proc.returncode != 0 and "the submission holds a link" in proc.stdout + proc.stderr
    assert all(s is None for s, _ in ws.scores(a)["mallory"].values())  # not graded: nbgrader exports 0
    assert not (ws.root / "autograded" / "mallory" / a).exists()  # nothing copied survives, so no feedback


def test_parents_of_bound_paths_are_crossable():
    """bwrap makes a mount point's missing parents 0700; the sandbox's user must cross them to reach the
    Python install (e.g. under /root/.pyenv) or a course cloned under /tmp."""
    binds = [Path("/root/.pyenv/versions/3.11.7"), Path("/tmp/clone/.venv"), Path("/tmp/clone/course")]
    made = launch._parents_to_make(binds, [Path("/root")])
    assert set(made) == {Path("/root/.pyenv"), Path("/root/.pyenv/versions"), Path("/tmp/clone")}
    assert made.index(Path("/root/.pyenv")) < made.index(Path("/root/.pyenv/versions"))


def test_outputs_keep_no_script_for_formgrader_s_page():
    # formgrader writes an output's HTML into the instructor's page as it is (attack round 6: a script there
    # ran with the instructor's login); javascript and SVG outputs would run too
    script = "<script>document.title = 'XSS ran'</script><b onclick=\"x()\">bold</b>"
    out, = outputs.kept_outputs({"outputs": [{"output_type": "display_data", "metadata": {}, "data": {
        "text/html": script, "application/javascript": "alert(1)", "image/svg+xml": "<svg onload='x()'/>",
        "text/markdown": "<script>x()</script>", "text/plain": "<b>bold</b>", "image/png": "iVBORw0KGgo="}}]})
    assert sorted(out.data) == ["image/png", "text/html", "text/plain"]
    assert "<script" not in out.data["text/html"] and "onclick" not in out.data["text/html"]
    assert "<b>bold</b>" in out.data["text/html"]


def test_a_student_s_markdown_shows_its_html_as_text_and_the_assignment_s_keeps_it():
    from nbformat.v4 import new_markdown_cell, new_notebook, new_raw_cell

    from autograder.core.safe_html import EscapeStudentHtml
    answer = new_markdown_cell("A *saturated* unit, where $a<b$.\n<script>x()</script><img src=x onerror=y()>")
    given = new_markdown_cell("<details><summary>Hint</summary>given</details>")
    given.metadata["nbgrader"] = {"locked": True}
    raw = new_raw_cell("<script>x()</script>", metadata={"format": "text/html"})
    nb, _ = EscapeStudentHtml().preprocess(new_notebook(cells=[answer, given, raw]), {})
    assert "<script" not in answer.source and "<img" not in answer.source and "&lt;script>" in answer.source
    assert "*saturated*" in answer.source and "$a&lt;b$" in answer.source  # markdown and math still render
    assert given.source.startswith("<details>") and nb.cells[2].cell_type == "markdown"
    assert "format" not in nb.cells[2].metadata and "&lt;script&gt;" in nb.cells[2].source


def test_an_output_s_metadata_keeps_only_image_sizes_as_numbers():
    # nbconvert writes an image's width into formgrader's page unquoted: `1 onerror=eval(...)` ran as the
    # instructor and rewrote grades (attack round 7)
    out, = outputs.kept_outputs({"outputs": [{"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo="},
                                          "metadata": {"image/png": {"width": "1 onerror=eval(atob(`x`))",
                                                                     "height": 200}, "isolated": True}}]})
    assert out.metadata == {"image/png": {"height": 200}}


def test_a_student_s_markdown_links_to_no_script():
    # nbconvert's markdown renderer passes javascript: URLs through (attack round 7: a link in a written answer)
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    from autograder.core.safe_html import _urls, student_markdown
    shown = student_markdown("[see](javascript:alert(1)) [or](JaVa Script:x) [and](&#106;avascript:y)")
    assert not [u for u in _urls(markdown2html_mistune(shown)) if "script" in u.lower()] and "&amp;#106;" in shown
    assert student_markdown("the data: *m* columns, a & b") == "the data: *m* columns, a &amp; b"


def _graded(cell, grade_id, solution):
    cell.metadata["nbgrader"] = {"grade": True, "solution": solution, "locked": not solution, "grade_id": grade_id,
                                 "points": 2, "schema_version": 3}
    return cell


def test_no_written_answer_or_output_takes_a_score_box_of_formgrader_s_page():
    # formgrader binds each grade's score box to the panel around the first element whose id is the grade's
    # (`$("#test_softmax")`): a written answer's heading "#### test_softmax", moved above the tests, got the tests'
    # score boxes bound to the answer's panel, and one "Full credit" for the answer gave full credit for every
    # test it named (attack round 11: 10/12 against its honest twin's 2/12)
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    from autograder.core.safe_html import EscapeStudentHtml
    cheat = _graded(new_markdown_cell("The units saturate.\n\n###### test_softmax\n"), "q_saturation", True)
    comment = _graded(new_markdown_cell("# q_saturation-comment\nThe radius grows."), "q_radius", True)
    honest = new_markdown_cell("#### Why tanh saturates\n\nIts tails are flat.")
    test = _graded(new_code_cell("check('softmax', softmax)"), "test_softmax", False)
    EscapeStudentHtml().preprocess(new_notebook(cells=[cheat, comment, honest, test]), {})
    assert cheat.source.startswith("<pre>") and comment.source.startswith("<pre>")
    assert honest.source == "#### Why tanh saturates\n\nIts tails are flat."
    # an output's HTML keeps no id at all (a panel of its own around one took the score box the same way)
    out, = outputs.kept_outputs({"outputs": [{"output_type": "display_data", "metadata": {}, "data": {
        "text/html": '<div class="nbgrader_cell"><h4 id="test_softmax">Full credit</h4></div>'}}]})
    assert out.data["text/html"] == '<div class="nbgrader_cell"><h4>Full credit</h4></div>'


def test_a_written_answer_takes_no_score_box_of_a_cell_the_notebook_lacks(tmp_path):
    # formgrader's score boxes are the gradebook's grades: a test cell the student deleted still has one
    from nbformat.v4 import new_markdown_cell, new_notebook

    from autograder.core.safe_html import EscapeStudentHtml
    ws = Workspace.create(tmp_path, ["rnn_forward"])
    ws.generate("rnn_forward")
    answer = new_markdown_cell("Saturated.\n\n###### test_rnn_forward\n")
    ids = {"db_url": ws.db_url, "notebook": "rnn_forward", "assignment": "rnn_forward"}
    EscapeStudentHtml().preprocess(new_notebook(cells=[answer]), {"nbgrader": ids})
    assert answer.source.startswith("<pre>")


ROUND_8_LINKS = ["[see my plot](javascript\\:eval(atob('eA')))", "[a](javascript&#58;x)", "[b](vbscript\\:x)",
                 "[r][1]\n\n[1]: javascript\\:y", "[c](data:text/html,<b>)", "![i](attachment:page.html)",
                 # round 9: formgrader's strip_files_prefix turns "files/javascript:..." into "javascript:..."
                 "[f](files/javascript\\:eval(atob('eA')))", "[g](/files/javascript\\:x)",
                 "[s][2]\n\n[2]: files/JaVaScRiPt\\:y", "[h](files/javascript&#58;x)", "[i](files/vbscript\\:x)",
                 "[j](files/data\\:text/html,x)", "[k](files/files/javascript\\:x)"]


@pytest.mark.parametrize("answer", ROUND_8_LINKS)
def test_what_formgrader_renders_of_a_written_answer_links_to_no_script(answer):
    # Attack round 8: the round-7 check read the markdown, but the browser gets mistune's rendering, which
    # decodes backslash escapes (`javascript\:`): one click in formgrader rewrote the gradebook. The check is
    # now made on nbconvert's own rendering, with the cell's attachments.
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
    from nbconvert.filters.strings import strip_files_prefix

    from autograder.core.safe_html import URL_ATTRIBUTES, _urls, student_markdown
    attachments = {"page.html": {"text/html": "PHNjcmlwdD4="}}
    shown = student_markdown(f"My answer: the units saturate.\n\n{answer}", attachments)
    rendered = MarkdownWithMath(renderer=IPythonRenderer(escape=False, attachments=attachments)).render(shown)
    rendered = strip_files_prefix(rendered)  # formgrader's template: markdown2html | strip_files_prefix
    links = [re.sub(r"[\x00-\x20]", "", url).lower() for url in _urls(rendered)]
    assert not [url for url in links if url.startswith(("javascript:", "vbscript:", "data:"))], rendered
    assert "My answer: the units saturate." in rendered and URL_ATTRIBUTES  # the answer still reads
    assert student_markdown("[ok](https://example.org) and ![p](attachment:p.png)", {"p.png": {"image/png": "iVBO"}}) \
        == "[ok](https://example.org) and ![p](attachment:p.png)"  # honest links and pictures are kept


def test_a_written_answer_formgrader_would_render_in_quadratic_time_is_shown_as_text():
    # Attack round 8: 100,000 "[" in an answer held formgrader's only thread for 78 s (strip_files_prefix)
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    from autograder.core.safe_html import student_markdown
    for answer in ("[" * 100_000, "[x" * 101, "x" * (budget.MARKDOWN_CHARS + 1)):
        shown = student_markdown(answer)
        assert shown.startswith("<pre>") and "[" not in markdown2html_mistune(shown)


def test_a_student_s_raw_cell_is_shown_as_text():
    # Attack round 9: formgrader renders a raw cell through bleach, whose time grows faster than its length:
    # 100 KB of <div> held the instructor's Jupyter server 30 s
    from nbformat.v4 import new_notebook, new_raw_cell

    from autograder.core.safe_html import EscapeStudentHtml
    raw = new_raw_cell("<div>" * 20_000 + "[x](javascript:y)", metadata={"format": "text/html", "tags": ["mine"]})
    nb, _ = EscapeStudentHtml().preprocess(new_notebook(cells=[raw]), {})
    shown, = nb.cells
    assert shown.cell_type == "markdown" and shown.id == raw.id and shown.metadata == {"tags": ["mine"]}
    assert shown.source.startswith("<pre>&lt;div&gt;") and "[" not in shown.source


def test_the_feedback_s_files_prefix_filter_makes_no_script_link():
    # Attack round 9: the feedback page's strip_files_prefix ran after clean_html, so "files/javascript:" became
    # a script link there too (the page's policy stopped it, nothing else)
    from autograder.steps.feedback import strip_files_prefix
    for link in ('href="files/javascript:x"', "href=files/java&#9;script:x", 'href="/files/vbscript:x"'):
        assert "files/" in strip_files_prefix(f"<a {link}>"), link
    assert strip_files_prefix('<img src="files/plot.png"> <a href="/files/sub/x.ipynb?a=1&b=2">') == \
        '<img src="plot.png"> <a href="sub/x.ipynb?a=1&b=2">'


def test_an_attachment_is_shown_at_its_first_reference_only():
    # Attack round 8: a 4 MB picture referenced 300,000 times: nbconvert embeds it at every one
    from nbformat.v4 import new_markdown_cell, new_notebook

    from autograder.core.safe_html import EscapeStudentHtml
    cell = new_markdown_cell("![a](attachment:p.png) " * 50)
    cell.attachments = {"p.png": {"image/png": "iVBO"}}
    EscapeStudentHtml().preprocess(new_notebook(cells=[cell]), {})
    assert cell.source.count("attachment:p.png") == 1 and cell.source.count("attachment%3Ap.png") == 49
