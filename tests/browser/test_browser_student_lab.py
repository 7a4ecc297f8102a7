"""The students' JupyterLab (`./run lab`) shows the student side of nbgrader only: the Validate button, and
the Assignment List where an exchange is configured; never Formgrader, Course List or Create Assignment.

was: every nbgrader plugin and server extension was on in a student's lab, with an Nbgrader menu of instructor
tools and an Assignment List that said "Error fetching courses!" (no exchange on a student's machine).
"""
import re
import shutil
import urllib.error
import urllib.request

import pytest

from autograder.core.paths import COURSE_ROOT

from .labdriver import VIEWPORT, Lab, LabServer, make_root

INSTRUCTOR_PLUGINS = ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:course-list",
                      "@jupyter/nbgrader:create-assignment"]
EXCHANGE_PLUGINS = ["@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:menu"]
INSTRUCTOR_COMMANDS = ["nbgrader:open-formgrader", "nbgrader:open-formgrader-local", "nbgrader:open-course-list",
                       "nbgrader:open-create-assignment"]
INSTRUCTOR_URLS = ["/formgrader", "/formgraders"]  # the formgrader and course_list server extensions
FIRST = "rnn_forward/rnn_forward.ipynb"


def registered(page, plugins):
    """The plugins of `plugins` that the JupyterLab page knows (a disabled one is never registered)."""
    return page.evaluate("ids => ids.filter(id => window.jupyterapp.hasPlugin(id))", plugins)


def commands(page, ids):
    return page.evaluate("ids => ids.filter(id => window.jupyterapp.commands.hasCommand(id))", ids)


def menu_bar(page):
    return [t.strip() for t in page.locator("#jp-MainMenu .lm-MenuBar-itemLabel").all_inner_texts()]


def status(server, path):
    try:
        with urllib.request.urlopen(f"{server.url}{path}?token={server.token}", timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def palette(lab, query):
    """Open the command palette, type `query`; return the labels of the commands it lists."""
    page = lab.page
    page.evaluate("() => window.jupyterapp.commands.execute('apputils:activate-command-palette')")
    page.locator(".lm-CommandPalette-input").fill(query)
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")  # redrawn
    return [t.strip() for t in page.locator(".lm-CommandPalette-itemLabel:visible").all_inner_texts()]


def close_palette(lab):
    lab.page.keyboard.press("Escape")
    lab.page.locator(".lm-CommandPalette-input").wait_for(state="hidden")


def test_a_student_lab_without_exchange_has_validate_and_no_nbgrader_menu(lab):
    page = lab.page
    nb = lab.open(f"work/{FIRST}")
    try:
        assert "Nbgrader" not in menu_bar(page), menu_bar(page)
        assert registered(page, INSTRUCTOR_PLUGINS + EXCHANGE_PLUGINS) == []
        assert commands(page, INSTRUCTOR_COMMANDS + ["nbgrader:open-assignment-list"]) == []
        assert page.locator("#nbgrader-create_assignemnt").count() == 0  # the sidebar panel (nbgrader's spelling)
        assert page.evaluate("() => window.jupyterapp.isPluginActivated('@jupyter/nbgrader:validate-assignment')")
        validate = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar-item").filter(has_text="Validate")
        assert validate.is_visible()
        nb.snapshot("student-lab-notebook")
        for query in ("nbgrader", "formgrader", "assignment", "course"):  # the palette matches loosely
            found = palette(lab, query)
            nb.snapshot(f"student-lab-palette-{query}")
            close_palette(lab)
            assert not [label for label in found if re.search("grader|assignment|course", label, re.I)], found
        for path in INSTRUCTOR_URLS + ["/assignments"]:
            assert status(lab.server, path) == 404, path
    finally:
        nb.close()


@pytest.fixture(scope="module")
def exchange_lab(tmp_path_factory, browser):
    """A student's lab where the instructor set up nbgrader's exchange (its `c.Exchange.root` in an
    nbgrader_config.py next to the notebooks, as on a shared machine), with rnn_forward released in it."""
    base = tmp_path_factory.mktemp("exchange-lab")
    exchange = base / "exchange"
    outbound = exchange / "rnn-from-scratch" / "outbound" / "rnn_forward"
    shutil.copytree(COURSE_ROOT / "release" / "rnn_forward", outbound)  # what `nbgrader release_assignment` does
    root = base / "root"
    root.mkdir()
    make_root(root)
    (root / "nbgrader_config.py").write_text(f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\n")
    server = LabServer(base, root)
    try:
        server.wait_ready()
        context = browser.new_context(viewport=VIEWPORT, base_url=server.url)
        yield Lab(context.new_page(), server).start()
        context.close()
    finally:
        server.stop()


def test_a_student_lab_with_exchange_has_the_assignment_list_only(exchange_lab):
    lab = exchange_lab
    page = lab.page
    assert registered(page, INSTRUCTOR_PLUGINS) == []
    assert commands(page, INSTRUCTOR_COMMANDS) == []
    assert "Nbgrader" in menu_bar(page), menu_bar(page)
    page.locator(".jp-DirListing-item", has_text="work").wait_for()  # the lab's folder, listed as usual
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    items = [t.strip() for t in page.locator(".lm-Menu:visible .lm-Menu-itemLabel:visible").all_inner_texts()]
    assert items == ["Assignment List"], items
    lab.snapshot("student-lab-exchange-menu")
    page.locator(".lm-Menu-itemLabel", has_text="Assignment List").click()
    panel = page.locator("#nbgrader-assignment-list")
    released = panel.locator("#released_assignments_list")
    released.get_by_text("rnn_forward").wait_for()
    assert "rnn-from-scratch" in released.inner_text()
    assert "Error" not in panel.inner_text(), panel.inner_text()
    lab.snapshot("student-lab-exchange-assignment-list")
    for path in INSTRUCTOR_URLS:
        assert status(lab.server, path) == 404, path
    assert status(lab.server, "/assignments") != 404  # the assignment_list server extension answers
