"""What a new student tripped on (issue 31): hints that say what is wrong and where to look, never the line
that fixes the code; hints for the mistakes the notebooks name; reports that say what they leave out."""
import ast
import re

import numpy as np
import pytest

from autograder.commands.answers import read, solution_code
from autograder.core.paths import COURSE_ROOT, REFERENCE_FILES
from autograder.key import reference
from autograder.key.assignments import KEYS, MISTAKES
from course.checking import SelfCheckFailed
from course.selfcheck import check
from course.signatures import CALLED_AS, DEFINED_IN, DEPENDENCIES, function_of
from harness import known_mistake

# p["Waa"], parameters['Wax'] -> Waa, Wax: the notebooks unpack the parameters, so a hint would write the name
PARAMETER = re.compile(r"""\b(?:p|parameters)\[["'](\w+)["']\]""")
SHORTEST_EXPRESSION = 13  # shorter ones ("Waa @ a_prev", 10 without spaces) are the notation the notebooks teach
SHORTEST_ASSIGNMENT = 8   # "dWax = dz @ xt.T" is a whole line however short
SHORTEST_VALUE = 11       # the whole value of a line: "(y_pred - y) / m" was printed as a bptt hint


def _squeezed(text):
    return re.sub(r"\s+", "", PARAMETER.sub(r"\1", text))


def _commuted(node):
    """node's source, and with the operands of its top-level + or * swapped (the same line, written the other
    way round: `da_next * (1 - a_next**2)` is `(1 - a_next**2) * da_next`)."""
    yield ast.unparse(node)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mult)):
        yield ast.unparse(ast.BinOp(node.right, node.op, node.left))


def _notation(node):
    """Whether node is a name the notebooks use as a word (a function's name, `Waa.T`) or a tuple of names
    whose order the notebooks state as the contract (the cache (a_next, a_prev, xt, parameters))."""
    if isinstance(node, (ast.Name, ast.Attribute, ast.Constant)):
        return True
    return isinstance(node, ast.Tuple) and all(isinstance(e, ast.Name) for e in node.elts)


def reference_lines():
    """(what a hint must not contain, where it comes from) for every line of the reference that computes
    something: `name = value` (dict entries "name": value too) and every sub-expression of a value, return
    values included, that is long enough to be a line of code rather than a bit of notation."""
    tree = ast.parse("\n".join(path.read_text() for path in REFERENCE_FILES))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            pairs = [(ast.unparse(t), node.value) for t in targets]
        elif isinstance(node, ast.Dict):
            pairs = [(k.value, v) for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant)]
        elif isinstance(node, ast.Return) and node.value is not None:
            pairs = [(None, node.value)]
        else:
            continue
        for target, value in pairs:
            for sub in ast.walk(value):
                if isinstance(sub, ast.expr) and not _notation(sub):
                    for source in _commuted(sub):
                        if len(_squeezed(source)) >= SHORTEST_EXPRESSION:
                            yield _squeezed(source), source
            if not _notation(value):  # a whole right-hand side is a line of code sooner than a part of one
                for source in _commuted(value):
                    if len(_squeezed(source)) >= SHORTEST_VALUE:
                        yield _squeezed(source), source
            if target is not None:
                for source in _commuted(value):
                    line = f"{target}={_squeezed(source)}"
                    if len(_squeezed(line)) >= SHORTEST_ASSIGNMENT and "." not in target.split("[")[0]:
                        yield _squeezed(line), f"{target} = {source}"


ALL_HINTS = [(name, hint) for name, hints in MISTAKES.items() for hint in hints]


def test_the_reference_lines_are_found():
    # the test itself: it must see the lines issue 31 found printed in hints
    lines = {squeezed for squeezed, _ in reference_lines()}
    for printed in ("dz = (1 - a_next**2) * da_next", "dWaa = dz @ a_prev.T", "-np.sum(y * np.log(y_pred)) / m",
                    "(y_pred - y) / m",
                    "dWax = dz @ xt.T", "np.max(z, axis=0, keepdims=True)"):
        assert _squeezed(printed) in lines, printed


@pytest.mark.parametrize("name, hint", ALL_HINTS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(ALL_HINTS)])
def test_no_hint_prints_a_line_of_the_reference(name, hint):
    squeezed_hint = _squeezed(hint)
    printed = sorted({source for squeezed, source in reference_lines() if squeezed in squeezed_hint})
    assert not printed, f"the hint of {name} prints the reference's {printed}: {hint}"


# ---- Mistakes the notebooks name get a hint, whether numpy raises on them or not ----
# The single slips (seed 002's Wya and * for @ in rnn_cell_forward; bptt's dby that lost its column or is
# overwritten at each step) are known mistakes of tests/test_rnn_forward.py and tests/test_bptt.py
# (tests/harness.py checks what their self-check says).


def test_two_mistakes_at_once_get_both_hints():
    # the student's case of issue 31: no 1/m and dby + np.sum(dz_y, axis=1) gave three "wrong values" lines,
    # no hint, and no word about dby (neither mistake's whole output matched)
    code = solution_code(read(COURSE_ROOT / "source" / "bptt" / "bptt.ipynb"))["bptt"]
    wrong = code.replace("(y_pred[:, :, t] - y[:, :, t]) / m", "(y_pred[:, :, t] - y[:, :, t])") \
        .replace("dby += dzy.sum(axis=1, keepdims=True)", "dby = dby + np.sum(dzy, axis=1)")
    namespace = {"np": np, **{k: v for k, v in vars(reference).items() if callable(v)}}
    exec(wrong, namespace)
    with np.errstate(all="ignore"), pytest.raises(SelfCheckFailed) as failed:
        check("bptt", namespace["bptt"])
    lines = str(failed.value).splitlines()
    assert lines[1].startswith("  - Hint: the gradients are m times too large"), lines
    assert lines[2].startswith("  - Hint: the sum over the examples lost its column"), lines
    assert lines[3] == '  - gradients["dby"] has shape (2, 2), expected (2, 1)', lines  # structure first
    assert re.fullmatch(r"  - and \d+ more problems? not listed here", lines[-1]), lines


def test_wrong_steps_are_named_as_the_arrays_index_them():
    # was: "only steps 1, 2 are wrong", read as a<1>, a<2> while the notebook calls a[:, :, 0] a<1>
    from course.diagnose import compare
    expected = np.random.default_rng(0).normal(size=(3, 2, 4))
    got = expected.copy()
    got[:, :, 1:3] += 1
    assert compare(got, expected, "a")[0].endswith("; only a[:, :, 1], a[:, :, 2] are wrong")


# ---- Explorers read the student's current function ----

def notebook_namespace(replace=None):
    """A namespace as the rnn_forward notebook's kernel holds it after running the solution cells, with
    (name, old, new) applied to one of them."""
    codes = solution_code(read(COURSE_ROOT / "source" / "rnn_forward" / "rnn_forward.ipynb"))
    namespace = {"np": np, "__name__": "__main__"}
    for name, code in codes.items():
        if replace and replace[0] == name:
            code = code.replace(*replace[1:])
        exec(code, namespace)
    return namespace


KEEPS_ONE_CACHE = ("rnn_forward", "caches.append(cache)", "caches = [cache]")
CELL_WITHOUT_BA = ("rnn_cell_forward", " + ba)", ")")


@pytest.mark.parametrize("wrong", [KEEPS_ONE_CACHE, CELL_WITHOUT_BA])
def test_the_state_explorer_uses_the_function_fixed_after_it_was_made(wrong):
    # was: the explorer kept the rnn_forward it was given, so after the fix (self-check passing) every slider
    # move still said the function does not pass its self-check
    from course.state_explorer import StateExplorer

    name, old, _ = wrong
    code = solution_code(read(COURSE_ROOT / "source" / "rnn_forward" / "rnn_forward.ipynb"))[name]
    assert old in code, f"the solution of {name} no longer contains {old!r}"
    namespace = notebook_namespace(wrong)
    explorer = StateExplorer(namespace["rnn_forward"])
    assert "does not pass its self-check" in explorer.message
    assert "run the cell that defines rnn_forward and its self-check cell again" in explorer.message
    exec(code, namespace)  # the student fixes the function and runs its cell again
    explorer.move(radius=0.5)
    assert explorer.message is None, explorer.message
    assert explorer.png.startswith(b"\x89PNG")


def test_an_explorer_keeps_a_function_that_is_not_a_notebook_definition():
    from course.explorer import current_version

    def rnn_forward(x, a0, p):  # a function inside another: nothing to re-read
        return reference.rnn_forward(x, a0, p)

    assert current_version(rnn_forward) is rnn_forward
    namespace = notebook_namespace()
    first = namespace["rnn_forward"]
    namespace["rnn_forward"] = 3  # the name now holds something else
    assert current_version(first) is first


# ---- Explorer details the notebook's "things to try" rely on ----

def test_the_radius_the_notebook_asks_for_can_be_set():
    # was: a step of 0.05, so "radius 0.99" could not be set
    from course.state_explorer import StateExplorer
    explorer = StateExplorer(reference.rnn_forward)
    radius = explorer.controls["radius"]
    steps = (0.99 - radius.min) / radius.step  # the browser's slider moves on this grid only
    assert steps == pytest.approx(round(steps)), f"0.99 is not on the slider's steps of {radius.step}"
    explorer.move(radius=0.99)
    assert radius.value == pytest.approx(0.99)
    assert "spectral radius of Waa</b> 0.99" in explorer.readout


def test_the_saturated_band_has_a_colour_of_its_own():
    # was: the band and the flat ends of the tanh curve drawn in the same grey
    from matplotlib.colors import to_rgb
    from matplotlib.patches import Rectangle

    from course.state_explorer import StateExplorer
    explorer = StateExplorer(reference.rnn_forward)
    tanh_axes = explorer.artists["z of unit 0"].axes
    curve = next(line for line in tanh_axes.get_lines() if line not in explorer.artists.values())
    bands = {to_rgb(p.get_facecolor()) for p in tanh_axes.patches if isinstance(p, Rectangle)}
    assert len(bands) == 1
    band = bands.pop()
    assert len(set(band)) > 1, "the band is a grey"
    assert np.abs(np.subtract(band, to_rgb(curve.get_color()))).max() > 0.3


def test_the_sine_question_has_an_answer():
    # "Sine input, input scale 0.3, radius 0.3 versus 1.8": at 0.3 every unit swings around 0; at 1.8 some sit
    # away from 0 and barely move (was: radius 0.3 versus 1.3 at the defaults, where both follow the input)
    from course.state_explorer import explorer_problem
    notebook = read(COURSE_ROOT / "source" / "rnn_forward" / "rnn_forward.ipynb")
    assert any("Sine input, input scale 0.3, radius 0.3 versus 1.8" in c.source for c in notebook.cells)
    tails = {}
    for radius in (0.3, 1.8):
        a = reference.rnn_forward(*explorer_problem(radius, 0.3, 0.0, 30, "sine"))[0][:, 0, -12:]
        tails[radius] = (np.abs(a.mean(axis=1)), (a.max(axis=1) - a.min(axis=1)) / 2)
    offset, swing = tails[0.3]
    assert offset.max() < 0.05 and swing.min() > 0.1
    offset, swing = tails[1.8]
    assert offset.max() > 0.8 and swing.min() < 0.05


def test_the_written_question_on_radius_quotes_what_the_explorer_shows():
    # was: "much more with radius 1.3 than with radius 0.3 (try noise input at input scale 1)", where the
    # explorer shows 0% and 2% saturated
    from course.state_explorer import explorer_problem
    notebook = read(COURSE_ROOT / "source" / "rnn_forward" / "rnn_forward.ipynb")
    assert any("step input at input scale 1: 0% of the states saturated at radius 0.3, 22% at 1.3" in c.source
               for c in notebook.cells)
    for radius, percent in ((0.3, 0), (1.3, 22)):
        a = reference.rnn_forward(*explorer_problem(radius, 1.0, 0.0, 30, "step"))[0]
        assert round(100 * np.mean(np.abs(a) > 0.95)) == percent


def test_the_gradient_explorers_legend_is_readable():
    from course.gradient_explorer import GradientExplorer
    explorer = GradientExplorer(reference.rnn_forward, reference.rnn_backward)
    legend = explorer.artists["norm"].axes.get_legend()
    assert min(t.get_fontsize() for t in legend.get_texts()) >= 11


@pytest.mark.parametrize("assignment, made", [("rnn_forward", "StateExplorer("), ("bptt", "GradientExplorer("),
                                              ("architectures", "BiRNNExplorer(")])
def test_an_explorer_output_without_its_kernel_says_to_run_the_cell(assignment, made):
    # was: after a restart "Error displaying widget: model not found" and nothing else
    from course.explorer import NOT_RUNNING
    cells = read(COURSE_ROOT / "release" / assignment / f"{assignment}.ipynb").cells
    i = next(i for i, c in enumerate(cells) if c.cell_type == "code" and made in c.source)
    assert cells[i - 1].cell_type == "markdown" and "model not found" in cells[i - 1].source
    # "run it again" alone gave NameError: StateExplorer and the functions are defined in the cells above
    assert "Run All Above Selected Cell" in cells[i - 1].source
    assert "Run All Above Selected Cell" in NOT_RUNNING


def test_an_explorer_displays_what_to_do_as_its_plain_text():
    from IPython.core.interactiveshell import InteractiveShell

    from course.explorer import NOT_RUNNING
    from course.state_explorer import StateExplorer
    shell, shown = InteractiveShell.instance(), []
    publish = shell.display_pub.publish
    shell.display_pub.publish = lambda data, metadata=None, **kwargs: shown.append(data)
    try:
        from IPython.display import display
        display(StateExplorer(reference.rnn_forward))
    finally:
        shell.display_pub.publish = publish
    assert shown[0]["text/plain"] == NOT_RUNNING
    assert "application/vnd.jupyter.widget-view+json" in shown[0]


def test_an_explorer_s_picture_is_never_shrunk_below_readable():
    # was: a 900 px window with the file browser open shrank the gradient explorer's 765 px picture so far that
    # its legend's text was 6 px high
    from course.explorer import MIN_SCALE
    from course.gradient_explorer import GradientExplorer
    explorer = GradientExplorer(reference.rnn_forward, reference.rnn_backward)
    width = explorer.figure.bbox.width
    assert explorer._image.layout.min_width == f"{int(round(width) * MIN_SCALE)}px" and MIN_SCALE >= 0.8
    legend = explorer.artists["norm"].axes.get_legend()
    smallest_px = min(t.get_fontsize() for t in legend.get_texts()) * explorer.figure.dpi / 72 * MIN_SCALE
    assert smallest_px >= 10, smallest_px


def test_an_explorer_says_under_its_sliders_what_a_restart_did_to_them():
    # was: after a kernel restart, with the page open, the sliders moved and nothing redrew, and nothing said why
    from course.explorer import STALE
    from course.state_explorer import StateExplorer
    captions = [w.value for w in StateExplorer(reference.rnn_forward).widget.children if hasattr(w, "value")]
    assert any(STALE in c for c in captions) and "Run All Above Selected Cell" in STALE


# ---- Small things ----

def test_the_training_tables_header_lines_up_with_its_columns():
    # was: "input     target    before    after" over columns 12 characters wide and a space
    import contextlib
    import io

    from course import training
    cells = read(COURSE_ROOT / "source" / "bptt" / "bptt.ipynb").cells
    source = next(c.source for c in cells if c.cell_type == "code" and '"input", "target"' in c.source)
    header_code = "\n".join(line for line in source.splitlines()
                            if line.startswith("width =") or '"input", "target"' in line)
    x_new, y_new = training.delayed_symbol_task(m=2, T_x=12, rng=np.random.default_rng(1), delay=2)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(header_code, {"x_new": x_new})
    header = printed.getvalue().strip("\n")
    row = " ".join([training.decode(x_new[:, 0, :])] * 4)
    starts = [i for i, ch in enumerate(header) if ch != " " and (i == 0 or header[i - 1] == " ")]
    assert starts == [0, 13, 26, 39] == [i for i in range(len(row)) if i == 0 or row[i - 1] == " "], (header, row)


def test_an_inline_formula_keeps_the_punctuation_after_it():
    # was: "our z" at the end of a line and ": the pre-activation" on the next, in JupyterLab and on the page
    from autograder.steps.feedback import mathml, with_its_punctuation
    bptt = "".join(c.source for c in read(COURSE_ROOT / "source" / "bptt" / "bptt.ipynb").cells)
    assert "our $z$" not in bptt
    html = with_its_punctuation(f"<p>the seed's a is our {mathml('z', 'inline')}: the pre-activation</p>")
    assert re.search(r'<span class="nobr"><math [^>]*>.*</math>:</span> the', html), html


# ---- A failing function that a checked function calls comes first ----
# The student's walkthrough: lstm_backward's self-check led with "the cell state's gradient is not carried back"
# when lstm_cell_backward was wrong, and named lstm_cell_backward only in a note at the end.

def _assignment_of(case_set):
    return next(a for a, key in KEYS.items() if case_set in key.ARG_BUILDERS)


def _answer_cell_dependencies():
    """(caller, dependency, case set that checks it as the caller calls it) of every dependency a student writes
    (defined in an answer cell, not a read-only given one) that has a known mistake."""
    for caller, dependency in DEFINED_IN:
        case_set = CALLED_AS.get((caller, dependency), dependency)
        codes = solution_code(read(COURSE_ROOT / "source" / (a := _assignment_of(caller)) / f"{a}.ipynb"))
        if dependency in codes and MISTAKES.get(case_set):
            yield caller, dependency, case_set


DEPENDENCY_CASES = sorted(_answer_cell_dependencies())


def _report_with_wrong(caller, dependency, wrong, caller_code=None):
    """The self-check report of the solution's `caller` (or caller_code) when `dependency` is `wrong`."""
    assignment = _assignment_of(caller)
    codes = solution_code(read(COURSE_ROOT / "source" / assignment / f"{assignment}.ipynb"))
    namespace = {"np": np, **{k: v for k, v in vars(reference).items() if callable(v)}}
    for code in codes.values():
        exec(code, namespace)
    if caller_code:
        exec(caller_code, namespace)
    namespace[dependency] = wrong
    with np.errstate(all="ignore"), pytest.raises(SelfCheckFailed) as failed:
        check(caller, namespace[caller])
    return str(failed.value)


@pytest.mark.parametrize("caller, dependency, case_set", DEPENDENCY_CASES,
                         ids=[f"{c}-{d}" for c, d, _ in DEPENDENCY_CASES])
def test_a_failing_dependency_leads_the_report_and_the_callers_hints_wait(caller, dependency, case_set):
    assert {_assignment_of(c) for c, _, _ in DEPENDENCY_CASES} == set(KEYS)  # all five assignments
    wrong = next(iter(MISTAKES[case_set].values()))
    report = _report_with_wrong(caller, dependency, wrong)
    lines = report.splitlines()
    assert lines[0].startswith(f"Note: {caller} calls {dependency}, which fails its own self-check; fix that first "
                               f"(its cell is in {DEFINED_IN[caller, dependency]}), run its self-check"), report
    assert lines[1].startswith(f"{caller} failed check 1 of ") or lines[1].startswith(f"{caller} raised "), report
    assert not any("Hint: " in line for line in lines), report
    assert all(line.endswith(")") for line in lines if "has wrong values in" in line), report  # no pattern either


def test_lstm_backward_does_not_blame_itself_for_lstm_cell_backwards_mistake():
    wrong = known_mistake("lstm_cell_backward", "dc lacks dc_next")
    report = _report_with_wrong("lstm_backward", "lstm_cell_backward", wrong)
    assert report.startswith("Note: lstm_backward calls lstm_cell_backward, which fails its own self-check; fix that "
                             "first (its cell is in section 4)"), report
    assert "not carried back" not in report and "Hint" not in report, report


def test_a_failing_function_the_caller_does_not_call_leaves_its_hints():
    # lstm_cell_forward with its own softmax (and its own mistake): the failing softmax beside it explains nothing
    code = solution_code(read(COURSE_ROOT / "source" / "lstm_gru" / "lstm_gru.ipynb"))["lstm_cell_forward"]
    code = code.replace("softmax(", "own_softmax(").replace("a_next = ot * np.tanh(c_next)", "a_next = ot * c_next")
    code += "\n\ndef own_softmax(z):\n    e = np.exp(z - z.max(axis=0))\n    return e / e.sum(axis=0)\n"
    report = _report_with_wrong("lstm_cell_forward", "softmax", lambda z: z, caller_code=code)
    assert "Note:" not in report and "Hint: a_next is missing the tanh of the cell state" in report, report


def test_defined_in_names_the_section_of_each_dependencys_cell():
    def section(line):
        part = re.match(r"#+ (Part \d+)\b", line)
        number = re.match(r"#+ (\d+(?:\.\d+)?)\.? ", line)
        return part.group(1) if part else f"section {number.group(1)}" if number else None

    found = {}
    for assignment in KEYS:
        where, defined, tested = None, {}, []
        for cell in read(COURSE_ROOT / "source" / assignment / f"{assignment}.ipynb").cells:
            if cell.cell_type == "markdown":
                where = ([where] + [s for line in cell.source.splitlines() if (s := section(line))])[-1]
            else:
                defined.update({d: where for d in re.findall(r"^def (\w+)\(", cell.source, re.M) if d not in defined})
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
                tested += [function_of(grade_id[5:])] if grade_id.startswith("test_") else []
        found.update({(f, d): defined[d] for f in tested for d in DEPENDENCIES.get(f, [])})
    assert DEFINED_IN == found
