"""A feedback page opened in chromium runs no script a notebook brought, by any way nbconvert writes it.

The student's notebook chooses its markdown, raw cells and outputs, down to their metadata, and instructors
open these pages too. Each attack calls alert() with its own name; the test counts the dialogs that open.
"""
import copy

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell
from test_feedback import course_exporter

from autograder.batch.student import GRADED

BROKEN_IMAGE = "AAAA"  # not an image: its onerror, if it had one, would run


def hostile_notebook():
    outputs = [
        # nbconvert writes width={{ width }} unquoted
        new_output("display_data", data={"image/png": BROKEN_IMAGE, "text/plain": ""},
                   metadata={"image/png": {"width": "1 onerror=alert('png-width')", "height": 5}}),
        new_output("display_data", data={"image/jpeg": BROKEN_IMAGE, "text/plain": ""},
                   metadata={"image/jpeg": {"height": "1 onerror=alert('jpeg-height')"}}),
        new_output("display_data", data={"image/png": BROKEN_IMAGE},
                   metadata={"image/png": {"unconfined": "x onerror=alert('unconfined')"}}),
        new_output("display_data",
                   data={"text/html": "<script>alert('html')</script><img src=x onerror=alert('img')>"}),
        new_output("display_data", data={"image/svg+xml": "<svg xmlns='http://www.w3.org/2000/svg' "
                                                          "onload=\"alert('svg')\"></svg>"}),
        new_output("display_data", data={"text/markdown": "<img src=x onerror=alert('markdown-output')>"}),
        new_output("display_data", data={"application/javascript": "alert('javascript')"}),
        new_output("error", ename="<img src=x onerror=alert('ename')>", evalue="<script>alert('evalue')</script>",
                   traceback=["<img src=x onerror=alert('traceback')>"]),
    ]
    return new_notebook(cells=[
        new_markdown_cell("<img src=x onerror=alert('markdown')>\n<script>alert('markdown-script')</script>"),
        new_raw_cell("<script>alert('raw')</script>", metadata={"raw_mimetype": "text/html"}),
        new_code_cell("show()", outputs=outputs),
    ], metadata={"language_info": {"name": "python"}})


def test_a_feedback_page_runs_no_script_that_a_notebook_brought(tmp_path, browser):
    page_file = tmp_path / "feedback.html"
    html, _ = course_exporter().from_notebook_node(hostile_notebook(), resources=copy.deepcopy(GRADED))
    page_file.write_text(html)
    page = browser.new_page()
    try:
        alerts = []
        page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
        page.goto(page_file.as_uri())
        page.wait_for_load_state("load")
        images = page.locator("img").count()
    finally:
        page.close()
    assert alerts == []
    assert images >= 3  # the broken images are on the page, without their handlers


def looks_notebook():
    """What a feedback page of this course shows: a failed check's long report (red, as IPython writes it), a
    markdown table, math in a sentence and tanh' with an overline below a line of text."""
    report = ("rnn_backward failed check 1 of 3 (n_x=3, n_a=5, n_y=2, m=4, T_x=3):\n  - Hint: " + "a long hint " * 30)
    failed = new_output("error", ename="SelfCheckFailed", evalue=report, traceback=["\x1b[0;31m" + report + "\x1b[0m"])
    return new_notebook(cells=[
        new_markdown_cell("| seed 001 | course |\n|---|---|\n| $h^t$ | $a^{\\langle t\\rangle}$ |\n| $o^t$ | $z_y$ |"),
        new_markdown_cell("A line of text above the formula, long enough to fill the line it is on, and more.\n"
                          "Where $\\rho$ is the spectral radius and $\\overline{\\tanh'}$ a typical factor."),
        new_code_cell('check("rnn_backward", rnn_backward)', outputs=[failed]),
    ], metadata={"language_info": {"name": "python"}})


def test_a_feedback_page_wraps_reports_colours_failures_and_rules_tables(tmp_path, browser):
    # was: a report in one line cut at the right edge, in black; tables without rules; math smaller than the
    # text; the overline of tanh' drawn through the line above
    page_file = tmp_path / "feedback.html"
    html, _ = course_exporter().from_notebook_node(looks_notebook(), resources=copy.deepcopy(GRADED))
    page_file.write_text(html)
    page = browser.new_page(viewport={"width": 900, "height": 900})
    try:
        page.goto(page_file.as_uri())
        page.wait_for_load_state("load")
        report = page.locator("pre", has_text="failed check 1 of 3").first
        assert report.evaluate("e => e.scrollWidth <= e.clientWidth"), "the report does not wrap"
        # wrapped between words: no line of the box starts in the middle of a word ("lon|g hint")
        assert report.evaluate(r"""e => {
            const node = e.querySelector('span').firstChild, range = document.createRange();
            let top = null;
            for (let i = 1; i < node.length; i++) {
                range.setStart(node, i); range.setEnd(node, i + 1);
                const r = range.getClientRects()[0];
                if (!r) continue;
                if (top !== null && r.top > top + 2 && !/\s/.test(node.data[i - 1])) return false;
                top = r.top;
            }
            return true;
        }""")
        red = page.locator(".ansi-red-fg").first.evaluate("e => getComputedStyle(e).color")
        r, g, b = map(int, red[red.index("(") + 1:red.index(")")].split(",")[:3])
        assert r > 150 and g < 100 and b < 100, red
        cell = page.locator(".rendered_html td").first
        assert cell.evaluate("e => parseFloat(getComputedStyle(e).borderBottomWidth)") >= 1
        sizes = page.evaluate("""() => {
            const math = document.querySelector('.rendered_html p math');
            return [parseFloat(getComputedStyle(math).fontSize),
                    parseFloat(getComputedStyle(math.closest('p')).fontSize)];
        }""")
        assert sizes[0] >= sizes[1], sizes
        ruled = page.locator("math .overline")
        assert ruled.count() == 1 and ruled.evaluate("e => parseFloat(getComputedStyle(e).borderTopWidth)") > 0
        assert page.locator("math mover").count() == 0  # the accent the browser placed on the line above
        page.screenshot(path=str(tmp_path / "feedback.png"), full_page=True)
    finally:
        page.close()
