"""The released notebooks in JupyterLab: with the instructor's answers every self-check passes and nbgrader's
Validate button says so; untouched, every self-check says plainly what is missing and Validate fails."""
import re

import pytest

from course.signatures import function_of

from .labdriver import released_notebooks

NOTEBOOKS = released_notebooks()

# The notebook students open first; Validate re-runs a whole notebook on the server, so the solved case is
# checked on this one only (tests/test_pipeline.py validates every source notebook with nbgrader's command).
FIRST = [nb for nb in NOTEBOOKS if nb[0] == "rnn_forward"][:1] or NOTEBOOKS[:1]


def self_checks(nb):
    """{cell index: function name} of the cells that run a self-check (`check("name", fn)`, name a function or
    a case set)."""
    return {i: function_of(m.group(1)) for i, c in enumerate(nb.file().cells)
            if c.cell_type == "code" and (m := re.search(r'^check\("(\w+)"', c.source, re.M))}


def graded_cells(nb):
    return [c for c in nb.file().cells if c.metadata.get("nbgrader", {}).get("grade")]


def test_solved_notebook_passes_every_self_check(solved):
    nb, assignment, name = solved
    checks = self_checks(nb)
    assert checks, f"{assignment}/{name} has no self-check cells"
    cells = nb.cells()
    for i, function in checks.items():
        assert re.search(rf"\u2714 {function} passed all \d+ checks\.", nb.output_text(cells[i])), (
            f"cell {i}: the self-check of {function} did not pass:\n{nb.output_text(cells[i])}")
    errors = {i: nb.error_outputs(c) for i, c in enumerate(cells) if nb.error_outputs(c)}
    assert not errors, f"cells raised with the instructor's answers: {errors}"


def test_untouched_notebook_self_checks_say_what_is_missing(untouched):
    nb, assignment, name = untouched
    cells = nb.cells()
    for i, function in self_checks(nb).items():
        errors = nb.error_outputs(cells[i])
        assert len(errors) == 1, f"cell {i} ({function}): expected one SelfCheckFailed message, got {errors}"
        assert f"{function} is not implemented yet" in errors[0], errors[0]
        assert "Traceback" not in errors[0] and "Cell In[" not in errors[0], f"a traceback, not a message:\n{errors[0]}"
        # SelfCheckFailed renders its message in red (ANSI red, which JupyterLab turns into a CSS class)
        assert cells[i].locator(".jp-Cell-outputArea .ansi-red-fg").count() == 1


@pytest.mark.parametrize("_solved", FIRST, ids=["/".join(nb) for nb in FIRST], indirect=True)
def test_validate_button_on_solved_notebook(solved):
    nb, assignment, name = solved
    message = nb.validate()
    try:
        assert message.inner_text().strip() == "Success! Your notebook passes all the tests."
    finally:
        nb.close_dialog()


def test_validate_button_on_untouched_notebook(untouched):
    nb, assignment, name = untouched
    message = nb.validate()
    try:
        text = message.inner_text()
        assert "validation-failed" in message.get_attribute("class"), text
        failed = text.count("The following cell failed:")
        assert failed == len(graded_cells(nb)), text
        written = sum(1 for c in graded_cells(nb) if c.cell_type == "markdown")  # the written answers
        assert text.count("is not implemented yet") == failed - written, text
        assert text.count("You did not provide a response") == written, text
    finally:
        nb.close_dialog()


@pytest.mark.parametrize("assignment, name", FIRST)
def test_a_work_copy_is_not_modified_by_opening_it(lab, assignment, name):
    # was: the released notebook held only {"name": "python"} as language_info; JupyterLab wrote the kernel's
    # into it on opening, and the tab showed a modified notebook before the student had typed anything
    nb = lab.open(f"work/{assignment}/{name}")
    try:
        lab.page.wait_for_timeout(1000)  # JupyterLab writes the kernel's language_info once the kernel is idle
        assert not lab.page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.dirty")
    finally:
        nb.close()


# Inline math cannot break: at a line's end its last glyph may stand a few pixels past the text's edge (measured: 2
# and 7 px), which is not a table or a formula the student has to scroll to read.
OVERHANG_PX = 16


def test_no_markdown_is_wider_than_the_notebook(untouched):
    """At a laptop's window width (VIEWPORT) every rendered text cell fits: a table or formula wider than the
    notebook makes the student scroll sideways through it (lstm_gru's crosswalk did, at 1300 px)."""
    nb, assignment, name = untouched
    too_wide = {}
    for i, cell in enumerate(nb.cells()):
        for rendered in cell.locator(".jp-RenderedMarkdown").all():
            rendered.scroll_into_view_if_needed()
            overflow = rendered.evaluate("e => e.scrollWidth - e.clientWidth")
            if overflow > OVERHANG_PX:
                widest = rendered.evaluate("""e => { const right = e.getBoundingClientRect().right;
                    const out = [...e.querySelectorAll('*')].filter(d => d.getBoundingClientRect().right > right + 1);
                    const last = out[out.length - 1];
                    return last ? last.tagName + ' ' + (last.textContent || '').slice(0, 60) : ''; }""")
                too_wide[i] = f"{overflow} px ({widest}): {rendered.inner_text()[:60]!r}"
    assert not too_wide, f"{assignment}/{name}: text cells wider than the notebook: {too_wide}"
