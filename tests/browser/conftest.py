"""Fixtures of the end-to-end tests: one JupyterLab server and one chromium for the session, and per released
notebook a page where its solved copy (or its untouched copy) has been opened and run, shared by the tests
that look at it so that each notebook runs once per session."""
import pytest
from playwright.sync_api import sync_playwright

from .labdriver import VIEWPORT, Lab, LabServer, launch_chromium, make_root, released_notebooks

NOTEBOOKS = released_notebooks()
IDS = [f"{a}/{n}" for a, n in NOTEBOOKS]


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
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
    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()


def _lab(browser, server):
    context = browser.new_context(viewport=VIEWPORT, base_url=server.url)
    return Lab(context.new_page(), server)


def _close(lab):
    lab.close_all()
    lab.page.context.close()


@pytest.fixture
def lab(browser, lab_server):
    """A fresh page on the server."""
    lab = _lab(browser, lab_server)
    yield lab
    _close(lab)


@pytest.fixture(scope="session", params=NOTEBOOKS, ids=IDS)
def solved(request, browser, lab_server):
    """(lab, assignment, name): the notebook with the instructor's answers, opened and run top to bottom."""
    assignment, name = request.param
    lab = _lab(browser, lab_server).open(f"solved/{assignment}/{name}")
    lab.run_all()
    yield lab, assignment, name
    _close(lab)


@pytest.fixture(scope="session", params=NOTEBOOKS, ids=IDS)
def untouched(request, browser, lab_server):
    """(lab, assignment, name): the released notebook as a student first opens it, every cell run once."""
    assignment, name = request.param
    lab = _lab(browser, lab_server).open(f"release/{assignment}/{name}")
    lab.run_all_past_errors()
    yield lab, assignment, name
    _close(lab)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """When a test fails, save a screenshot of each page it used under test-artifacts/browser/."""
    report = yield
    if report.when == "call" and report.failed:
        for value in getattr(item, "funcargs", {}).values():
            lab = value[0] if isinstance(value, tuple) and value and isinstance(value[0], Lab) else value
            if isinstance(lab, Lab) and not lab.page.is_closed():
                lab.snapshot(f"FAILED-{item.name}")
    return report
