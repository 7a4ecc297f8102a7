"""A feedback page opened in chromium runs no script a notebook brought, by any way nbconvert writes it.

The student's notebook chooses its markdown, raw cells and outputs, down to their metadata, and instructors
open these pages too. Each attack calls alert() with its own name; the test counts the dialogs that open.
"""
import copy

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell
from test_feedback import course_exporter

from autograder.batch_worker import GRADED

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
