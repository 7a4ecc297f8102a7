"""Fixtures of the end-to-end tests: one JupyterLab server, one chromium and one JupyterLab page for the
session, and per released notebook its solved copy and its untouched copy, each opened in a tab of that page
and run once, shared by the tests that look at it."""
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from .labdriver import ARTIFACTS, VIEWPORT, Lab, LabServer, Notebook, launch_chromium, make_root, released_notebooks

NOTEBOOKS = released_notebooks()
IDS = [f"{a}/{n}" for a, n in NOTEBOOKS]


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    for old in ARTIFACTS.glob("FAILED-*.png"):  # failures of an earlier run would mislead
        old.unlink(missing_ok=True)
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "root"
    root.mkdir()
    make_root(root)
    server = LabServer(base, root)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser():
    """Chromium, one for the session: Playwright's sync API cannot be started twice at once."""
    with sync_playwright() as p:
        browser = launch_chromium(p)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def lab(lab_server, browser):
    """The JupyterLab page, in a browser window of a laptop's size."""
    context = browser.new_context(viewport=VIEWPORT, base_url=lab_server.url)
    yield Lab(context.new_page(), lab_server).start()
    context.close()


@pytest.fixture(scope="session", params=NOTEBOOKS, ids=IDS)
def _solved(request, lab):
    assignment, name = request.param
    nb = lab.open(f"solved/{assignment}/{name}")
    nb.run_all()
    yield nb, assignment, name
    nb.close()


@pytest.fixture(scope="session", params=NOTEBOOKS, ids=IDS)
def _untouched(request, lab):
    assignment, name = request.param
    nb = lab.open(f"release/{assignment}/{name}")
    nb.run_all_past_errors()
    yield nb, assignment, name
    nb.close()


@pytest.fixture
def solved(_solved):
    """(notebook, assignment, name): the notebook with the instructor's answers, run top to bottom."""
    _solved[0].activate()
    return _solved


@pytest.fixture
def untouched(_untouched):
    """(notebook, assignment, name): the released notebook as a student first opens it, every cell run once
    (Run All, then on from each cell that raised)."""
    _untouched[0].activate()
    return _untouched


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """When a test fails, save a screenshot of the page under test-artifacts/browser/."""
    report = yield
    if report.when == "call" and report.failed:
        for value in getattr(item, "funcargs", {}).values():
            nb = value[0] if isinstance(value, tuple) and value else value
            if isinstance(nb, Notebook) and not nb.page.is_closed():
                nb.snapshot(f"FAILED-{item.name}")
                break
    return report


def pytest_collection_modifyitems(items):
    """Every test of this folder drives chromium: marked `browser` (a conftest's hook sees every test: by path)."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.browser)
