"""The released notebooks in JupyterLab: with the instructor's answers every self-check passes and nbgrader's
Validate button says so; untouched, every self-check says plainly what is missing and Validate fails."""
import re

from autograder.submissions import read
from autograder.workspace import COURSE_ROOT


def self_checks(assignment, name):
    """{cell index: function name} of the cells that run a self-check (`check("name", fn)`)."""
    nb = read(COURSE_ROOT / "release" / assignment / name)
    return {i: m.group(1) for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and (m := re.search(r'^check\("(\w+)"', c.source, re.M))}


def graded_cells(assignment, name):
    nb = read(COURSE_ROOT / "release" / assignment / name)
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


def test_solved_notebook_passes_every_self_check(solved):
    lab, assignment, name = solved
    checks = self_checks(assignment, name)
    assert checks, f"{assignment}/{name} has no self-check cells"
    cells = lab.cells()
    for i, function in checks.items():
        assert re.search(rf"\u2714 {function} passed all \d+ checks\.", lab.output_text(cells[i])), (
            f"cell {i}: the self-check of {function} did not pass:\n{lab.output_text(cells[i])}")
    errors = {i: lab.error_outputs(c) for i, c in enumerate(cells) if lab.error_outputs(c)}
    assert not errors, f"cells raised with the instructor's answers: {errors}"


def test_untouched_notebook_self_checks_say_what_is_missing(untouched):
    lab, assignment, name = untouched
    cells = lab.cells()
    for i, function in self_checks(assignment, name).items():
        errors = lab.error_outputs(cells[i])
        assert len(errors) == 1, f"cell {i} ({function}): expected one SelfCheckFailed message, got {errors}"
        assert f"{function} is not implemented yet" in errors[0], errors[0]
        assert "Traceback" not in errors[0] and "Cell In[" not in errors[0], f"a traceback, not a message:\n{errors[0]}"
        # SelfCheckFailed renders its message in red (ANSI red, which JupyterLab turns into a CSS class)
        assert cells[i].locator(".jp-Cell-outputArea .ansi-red-fg").count() == 1


def test_validate_button_on_solved_notebook(solved):
    lab, assignment, name = solved
    message = lab.validate()
    try:
        assert message.inner_text().strip() == "Success! Your notebook passes all the tests."
    finally:
        lab.close_dialog()


def test_validate_button_on_untouched_notebook(untouched):
    lab, assignment, name = untouched
    message = lab.validate()
    try:
        text = message.inner_text()
        assert "validation-failed" in message.get_attribute("class"), text
        failed = text.count("The following cell failed:")
        assert failed == len(graded_cells(assignment, name)), text
        assert text.count("is not implemented yet") == failed, text
    finally:
        lab.close_dialog()
