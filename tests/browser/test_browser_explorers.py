"""The explorers in JupyterLab: every slider moves with the keyboard and the mouse, the picture changes and the
numbers shown agree with the sliders; before the student's code works, each explorer says so plainly.

Explorers are found from the notebooks (a code cell that builds a `...Explorer(...)`), so every explorer of
every released notebook is covered. Screenshots before and after the moves go to test-artifacts/browser/.
"""
import re
import time

from .labdriver import ARTIFACTS

EXPLORER_CALL = re.compile(r"\b\w+Explorer\(")
READOUT_TIMEOUT_S = 20


def explorer_cells(nb):
    """Indices of the code cells that build an explorer."""
    return [i for i, c in enumerate(nb.file().cells) if c.cell_type == "code" and EXPLORER_CALL.search(c.source)]


def readout_text(cell):
    """The text the explorer shows under its figure (its HTML widgets: notice and readout)."""
    return " ".join(t.strip() for t in cell.locator(".jp-Cell-outputArea .widget-html").all_inner_texts())


def matches(shown, value):
    """`shown` (a number as printed, e.g. '0.90') is `value` rounded to the digits it shows."""
    decimals = len(shown.split(".")[1]) if "." in shown else 0
    return abs(float(shown) - value) <= 0.5 * 10 ** -decimals + 1e-9


def wait_readouts_agree(cell, sliders):
    """Wait until every slider's own readout shows its value, and every number the explorer prints after a
    slider's label (e.g. 'spectral radius of Waa 0.90' for 'radius of Waa') is that slider's value; return
    the labels found in the explorer's readout. The kernel sends the picture and the readout one after the
    other, so the readout may lag the picture by a message."""
    deadline = time.monotonic() + READOUT_TIMEOUT_S
    while True:
        problems, found = [], []
        text = readout_text(cell)
        for s in sliders:
            value, label = s.value, s.label
            if not matches(s.readout_text, value):
                problems.append(f"slider {label!r} shows {s.readout_text}, its value is {value}")
            m = re.search(re.escape(label) + r"\s+(-?\d+(?:\.\d+)?)", text)
            if m:
                found.append(label)
                if not matches(m.group(1), value):
                    problems.append(f"the explorer prints {label} {m.group(1)}, the slider is at {value}")
        if not problems:
            return found
        if time.monotonic() > deadline:
            raise AssertionError("; ".join(problems) + f"\nexplorer readout: {text}")
        cell.page.wait_for_timeout(50)  # poll interval of the condition above


def assert_fits(cell, what):
    """The explorer fits the notebook's width: no horizontal scrolling, the figure inside the output area."""
    area = cell.locator(".jp-Cell-outputArea .jp-OutputArea-output").first
    overflow = area.evaluate("e => e.scrollWidth - e.clientWidth")
    assert overflow <= 1, f"{what} is {overflow} px wider than the notebook"
    img, box = cell.locator(".jp-Cell-outputArea img").first.bounding_box(), area.bounding_box()
    assert img["x"] >= box["x"] and img["x"] + img["width"] <= box["x"] + box["width"] + 1, (
        f"{what}: the figure ({img}) sticks out of the output area ({box})")


def assert_no_clipped_text(cell, what):
    """Every control's text is shown whole: a label or button narrower than its text gets an ellipsis."""
    clipped = cell.locator(".jp-Cell-outputArea").evaluate("""root =>
        [...root.querySelectorAll('.widget-label, .widget-toggle-button, .widget-readout, .widget-html-content')]
            .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
            .map(e => e.textContent.trim())""")
    assert not clipped, f"{what}: text cut off by its box: {clipped}"


def shot(cell, path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    cell.locator(".jp-Cell-outputArea").screenshot(path=path)


def test_every_explorer_is_found(solved):
    nb, assignment, name = solved
    with_sliders = [i for i, c in enumerate(nb.cells()) if c.locator(".jp-Cell-outputArea .widget-slider").count()]
    assert with_sliders == explorer_cells(nb)


def test_explorers_follow_keyboard_and_mouse(solved):
    nb, assignment, name = solved
    cells = nb.cells()
    for k, i in enumerate(explorer_cells(nb)):
        cell, what = cells[i], f"{assignment}/{name} explorer {k + 1} (cell {i})"
        stem = f"{assignment}-{name.removesuffix('.ipynb')}-explorer{k + 1}"
        sliders = nb.sliders(cell)
        assert sliders, f"{what} has no sliders"
        assert cell.locator(".jp-Cell-outputArea img").first.is_visible(), f"{what} shows no figure: " + (
            readout_text(cell))
        assert not nb.error_outputs(cell), f"{what} raised: {nb.error_outputs(cell)}"
        wait_readouts_agree(cell, sliders)
        shot(cell, ARTIFACTS / f"{stem}-before.png")
        assert_fits(cell, what)
        assert_no_clipped_text(cell, what)

        for s in sliders:  # one key press each: one step, a new picture, the numbers follow
            low, high = s.bounds
            before, picture = s.value, nb.fingerprint(cell)
            key = "ArrowRight" if before < high else "ArrowLeft"
            s.press(key)
            nb.wait_picture_change(cell, picture)
            assert (s.value > before) if key == "ArrowRight" else (s.value < before), (
                f"{what}: {key} on {s.label!r} left it at {s.value}")
            wait_readouts_agree(cell, sliders)

        for s in sliders:  # the mouse: drag each handle to a quarter of its track
            low, high = s.bounds
            target = low + 0.25 * (high - low)
            if abs(s.value - target) < 0.05 * (high - low):
                target = low + 0.75 * (high - low)
            picture = nb.fingerprint(cell)
            s.drag_to((target - low) / (high - low))
            nb.wait_picture_change(cell, picture)
            assert abs(s.value - target) <= 0.05 * (high - low), (
                f"{what}: dragged {s.label!r} to {target:.3g}, it reads {s.value}")
            wait_readouts_agree(cell, sliders)

        for button in cell.locator(".widget-toggle-button:not(.mod-active)").all()[:1]:  # another choice
            picture = nb.fingerprint(cell)
            button.click()
            nb.wait_picture_change(cell, picture)

        assert_fits(cell, what)
        shot(cell, ARTIFACTS / f"{stem}-after.png")


def test_untouched_explorers_say_what_is_missing(untouched):
    nb, assignment, name = untouched
    cells = nb.cells()
    for i in explorer_cells(nb):
        cell = cells[i]
        text = nb.output_text(cell)
        assert "not implemented yet" in text, f"cell {i}: {text}"
        assert not nb.error_outputs(cell), f"cell {i} raised instead: {nb.error_outputs(cell)}"
        assert "Traceback" not in text and "Cell In[" not in text, text
        assert not cell.locator(".jp-Cell-outputArea img").first.is_visible(), "a figure of unfinished code"
