import pytest

from autograder.core.paths import assignments
from notebook_probe import execute
from services import postgres_server

ASSIGNMENTS = assignments()


@pytest.fixture(scope="session")
def assignments():
    return ASSIGNMENTS


@pytest.fixture(scope="module")
def postgres_url():
    """The URL of a database on a PostgreSQL server started for this module only (tests/services.py)."""
    yield from postgres_server()


@pytest.fixture(scope="module")
def executed(request):
    """The released notebook of the module's ASSIGNMENT with the instructor's solutions filled in, run top to
    bottom plus the module's PROBE cell: (the executed notebook, the probe's findings). Cells that raise stop
    the run unless the module sets ALLOW_ERRORS = True (then its tests look at the errors)."""
    module = request.module
    return execute(module.ASSIGNMENT, module.PROBE, allow_errors=getattr(module, "ALLOW_ERRORS", False))


# Fixtures that take over about 5 s to set up (a notebook run top to bottom, a class graded): every test that
# uses one is marked slow, so that the fast subset (-m "not slow ...") never pays for them.
SLOW_FIXTURES = {"executed", "untouched", "graded_class", "graded"}


def pytest_collection_modifyitems(items):
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
