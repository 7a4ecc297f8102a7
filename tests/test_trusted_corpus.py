"""Trusted grading on the regression corpus (tests/corpus/): correct solutions in many styles get full marks,
single mistakes lose exactly their own test, and cheats score exactly what their honest wrong twins score.

The corpus is graded by two `nbgrader autograde` runs at once (each on half of every assignment), with the
course's own nbgrader_config.py, so the figures printed here are those of the real pipeline.
"""
import re
import threading
import time

import corpus
import pytest
from corpus import bptt as bptt_corpus
from corpus import rnn_forward as forward_corpus
from traitlets.config.loader import PyFileConfigLoader

from autograder.commands.answers import read
from autograder.commands.workspace import Workspace
from autograder.core.limits import GradingLimits
from autograder.core.paths import COURSE_ROOT, REFERENCE_FILES
from autograder.key.cases import hidden_cases
from autograder.trusted import draws
from autograder.trusted.secret import course_secret, hidden_seed, notebook_code

CORPORA = [c for c in (forward_corpus, bptt_corpus) if (COURSE_ROOT / "source" / c.ASSIGNMENT).is_dir()]
PROCESSES = 2  # autograde runs at once, each on its share of every assignment's corpus
EVIL_MARKER = b'np.maximum(0, p["Waa"]'  # in what cheat-overwrite_reference_file writes


def grade_share(share, root):
    """Grade [(corpus module, {student: (kind, codes)})] in one workspace, one autograde run per assignment."""
    ws = Workspace.create(root, [c.ASSIGNMENT for c, _ in share])
    for c, _ in share:
        corpus.with_instructor_tests(ws.root, c)
    out = {}
    for c, subs in share:
        a = c.ASSIGNMENT
        release = read(ws.generate(a) / f"{a}.ipynb")
        for student, (_, codes) in subs.items():
            ws.submit(student, a, {a: corpus.notebook(release, codes, student in c.KEEP_LESSON)})
        started = time.monotonic()
        proc = ws.autograde(a)
        out[a] = {"ws": ws, "scores": ws.scores(a), "log": proc.stdout + proc.stderr,
                  "seconds": time.monotonic() - started, "count": len(subs)}
    return out


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """{assignment: {subs, scores, ws (student -> workspace), logs, seconds, wall}}."""
    shares = [[] for _ in range(PROCESSES)]
    results = {}
    for c in CORPORA:
        subs = corpus.submissions(c, read(COURSE_ROOT / "source" / c.ASSIGNMENT / f"{c.ASSIGNMENT}.ipynb"))
        results[c.ASSIGNMENT] = {"subs": subs, "scores": {}, "ws": {}, "logs": [], "seconds": 0.0}
        students = sorted(subs)
        for i, share in enumerate(shares):
            share.append((c, {s: subs[s] for s in students[i::PROCESSES]}))
    roots = [tmp_path_factory.mktemp(f"share{i}") for i in range(PROCESSES)]
    done, errors = [], []

    def run(share, root):
        try:
            done.append(grade_share(share, root))
        except Exception as exc:  # re-raised below, in the test's thread
            errors.append(exc)

    started = time.monotonic()
    threads = [threading.Thread(target=run, args=args) for args in zip(shares, roots)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    for part in done:
        for a, r in part.items():
            results[a]["scores"].update(r["scores"])
            results[a]["ws"].update({s: r["ws"] for s in r["scores"]})
            results[a]["logs"].append(r["log"])
            results[a]["seconds"] += r["seconds"]
    results["wall"] = time.monotonic() - started
    return results


def outcome(kind, scores, twin_scores, lost=None):
    """(category, ok) of one graded submission; lost: {test: score} of a mistake (corpus.mistake_scores), full
    marks on every other test."""
    if kind == "correct":
        return "correct", all(s == m for s, m in scores.values())
    if kind.startswith("mistake:"):
        return "mistake", all(s == lost.get(t, m) for t, (s, m) in scores.items()) and set(lost) <= set(scores)
    return "cheat", scores == twin_scores


def test_corpus_figures(graded):
    counts = {k: [0, 0] for k in ("correct", "mistake", "cheat")}
    gained, failures, notebooks, seconds = 0.0, [], 0, 0.0
    for a, r in graded.items():
        if a == "wall":
            continue
        notebooks += len(r["subs"])
        seconds += r["seconds"]
        lost = corpus.mistake_scores(next(c for c in CORPORA if c.ASSIGNMENT == a))
        for student, (kind, _) in r["subs"].items():
            scores = r["scores"][student]
            twin = r["scores"].get(kind.split(":", 1)[1]) if kind.startswith("cheat:") else None
            category, ok = outcome(kind, scores, twin, lost.get(student))
            counts[category][0] += ok
            counts[category][1] += 1
            if category == "cheat":
                gained += sum(max(0.0, s - twin[t][0]) for t, (s, _) in scores.items())
            if not ok:
                failures.append(f"{a}/{student} ({kind}): {scores}" + (f" twin: {twin}" if twin else ""))
    print(f"\nfull marks for correct solutions {counts['correct'][0]}/{counts['correct'][1]}, "
          f"mistakes caught {counts['mistake'][0]}/{counts['mistake'][1]}, points gained by cheating {gained:g} "
          f"({counts['cheat'][0]}/{counts['cheat'][1]} cheats scored exactly as their honest twins)")
    print(f"{notebooks} notebooks graded: {seconds / notebooks:.1f} s per notebook in each autograde run, "
          f"{graded['wall']:.0f} s in all with {PROCESSES} runs at once")
    assert not failures, "\n".join(failures)
    assert gained == 0
    if len(CORPORA) == 2:
        assert counts["correct"][1] >= 10 and counts["mistake"][1] >= 25 and counts["cheat"][1] >= 20


def test_test_cells_hold_only_the_trusted_verdict(graded):
    """A course test cell's outputs are the pass line or a SelfCheckFailed error, an instructor's test cell's
    what the test itself made (its value, a failed assert, a StudentError, a NameError for a function the
    notebook never defined, HiddenTestFailed for any other failure in a hidden test), never a stderr stream."""
    import nbformat
    for c in CORPORA:
        a, instructor = c.ASSIGNMENT, getattr(c, "INSTRUCTOR_TESTS", {})
        for student, ws in graded[a]["ws"].items():
            nb = nbformat.read(str(ws.root / "autograded" / student / a / f"{a}.ipynb"), 4)
            for cell in nb.cells:
                if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
                    kinds = [(o.output_type, o.get("name"), o.get("ename")) for o in cell.outputs]
                    where = (student, cell.metadata.nbgrader.grade_id, kinds)
                    if cell.metadata.nbgrader.grade_id in instructor:
                        assert kinds in ([], [("execute_result", None, None)], [("error", None, "AssertionError")],
                                         [("error", None, "StudentError")], [("error", None, "NameError")],
                                         [("error", None, "HiddenTestFailed")]), where
                    else:
                        assert kinds in ([("stream", "stdout", None)], [("error", None, "SelfCheckFailed")]), where


KERNEL = """
import ast
import json
import sys

cells, tests = json.loads(sys.stdin.read())
namespace = {"__name__": "__main__"}
for code in cells:
    exec(code, namespace)
scores = {}
for name, (points, code) in tests.items():  # nbgrader's rule: an error scores 0, a number is partial credit
    tree = ast.parse(code)
    last = tree.body.pop() if isinstance(tree.body[-1], ast.Expr) else None
    try:
        exec(compile(tree, name, "exec"), namespace)
        value = eval(compile(ast.Expression(last.value), name, "eval"), namespace) if last else None
    except Exception:
        scores[name] = 0.0
        continue
    scores[name] = min(float(value), points) if isinstance(value, (int, float)) else float(points)
print(json.dumps(scores))
"""


def kernel_scores(c, codes):
    """{instructor test: score} of answer cells `codes` graded as plain nbgrader grades them: the notebook's
    imports, its answer cells in order, then the tests, all in one namespace and one process (a kernel's)."""
    import json
    import subprocess
    import sys
    source = read(COURSE_ROOT / "source" / c.ASSIGNMENT / f"{c.ASSIGNMENT}.ipynb")
    cells = []
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta and not meta.get("grade"):  # the imports, then the answers
            cells.append(codes[meta["grade_id"]] if meta.get("solution") else cell.source)
    tests = {name: (points, code) for name, (_, _, points, code) in c.INSTRUCTOR_TESTS.items()}
    proc = subprocess.run([sys.executable, "-c", KERNEL], input=json.dumps([cells, tests]), capture_output=True,
                          text=True, cwd=COURSE_ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.slow
@pytest.mark.parametrize("cheat", sorted(forward_corpus.STAND_IN_CHEATS))
def test_stand_in_cheats_would_gain_in_plain_nbgrader_s_kernel(cheat):
    """Each cheat at the stand-ins is a real one: where the instructor's tests share the notebook's kernel, it
    scores more on them than its honest twin (and under trusted grading exactly what the twin scores)."""
    subs = corpus.submissions(forward_corpus, read(COURSE_ROOT / "source" / "rnn_forward" / "rnn_forward.ipynb"))
    kind, codes = subs[f"cheat-{cheat}"]
    cheat_scores = kernel_scores(forward_corpus, codes)
    twin_scores = kernel_scores(forward_corpus, subs[kind.split(":", 1)[1]][1])
    assert sum(cheat_scores.values()) > sum(twin_scores.values()), (cheat_scores, twin_scores)


def test_no_submission_wrote_grading_files(graded):
    """What the overwriting cheat writes is nowhere in the grading code, its data or its bytecode caches."""
    written = [str(p) for folder in ("autograder", "course") for p in (COURSE_ROOT / folder).rglob("*")
               if p.is_file() and EVIL_MARKER in p.read_bytes()]
    assert not written, written


def test_students_after_the_overwriting_cheat_are_graded_right(graded):
    """The cheat that writes the reference file is graded before the correct and wrong submissions of its
    autograde run, and those all score as expected (test_corpus_figures): its attempt changed no grade."""
    cheat = "cheat-overwrite_reference_file"
    for log in graded["rnn_forward"]["logs"]:
        order = re.findall(r"Autograding \S*/autograded/([^/]+)/", log)
        if cheat in order:
            later = [s for s in order[order.index(cheat) + 1:] if s.startswith(("correct-", "mistake-"))]
            assert later and len(later) == sum(s.startswith(("correct-", "mistake-")) for s in order)
            return
    pytest.fail(f"{cheat} was not graded")


def _reference_lines(source_codes):
    """Lines of the reference's code, except those a student's own notebook also contains."""
    text = "\n".join(path.read_text() for path in REFERENCE_FILES)
    return [line.strip() for line in text.splitlines()
            if len(line.strip()) > 25 and not line.strip().startswith(("#", '"""')) and line.strip() not in source_codes
            and not line.strip()[0].isupper()]


@pytest.mark.parametrize("student,expect", [
    ("mistake-cell_no_bias", ["rnn_cell_forward failed", "Hint: this is what rnn_cell_forward returns without ba"]),
    ("cheat-overwrite_reference_file", ["rnn_cell_forward failed", "rnn_forward passed all"]),
    ("cheat-ast_transformer", ["rnn_cell_forward failed"]),
    ("correct-stderr_logging", ["softmax passed all", "rnn_forward passed all"]),
    ("cheat-leak_hidden_inputs", ["softmax failed hidden check", "not shown for hidden checks"]),
])
def test_feedback(graded, student, expect):
    """What the student reads: which check failed and why, never hidden-test source, hidden inputs or reference code."""
    import html as html_lib
    r = graded["rnn_forward"]
    ws = r["ws"][student]
    ws.nbgrader("generate_feedback", "rnn_forward", "--student", student, "--force")
    page = html_lib.unescape((ws.root / "feedback" / student / "rnn_forward" / "rnn_forward.html").read_text())
    text = re.sub(r"<[^>]+>", "", page)
    for phrase in expect:
        assert phrase in text, phrase
    release = read(ws.root / "release" / "rnn_forward" / "rnn_forward.ipynb")
    own_code = "\n".join([*r["subs"][student][1].values(), *(c.source for c in release.cells)])
    for secret in ("BEGIN HIDDEN TESTS", "grade_hidden", "autograder.key.hidden", "hidden_cases", "HIDDEN_SEED"):
        assert secret in own_code or secret not in text, secret  # a cheat may name them in its own code
    leaked = [line for line in _reference_lines(own_code) if line in text]
    assert not leaked, leaked
    graded_nb = read(ws.root / "autograded" / student / "rnn_forward" / "rnn_forward.ipynb")
    config = PyFileConfigLoader("nbgrader_config.py", path=str(ws.root)).load_config()
    grading = draws.grading(config.Execute.timeout, GradingLimits.of(config).sandbox_memory_mb)
    seed = hidden_seed(course_secret(ws.db_url, "rnn-from-scratch"), "rnn_forward", student, notebook_code(graded_nb),
                       grading)
    for value in hidden_cases("softmax", seed)[0]["args"][0].ravel()[:2]:  # what cheat-leak_hidden_inputs sends
        assert f"{value:.6f}" not in text and f"{value:.6f}".replace(".", "_") not in text, value
    if student.startswith("correct"):
        assert "SelfCheckFailed" not in text
