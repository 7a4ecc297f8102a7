import pytest

from autograder.core.paths import COURSE_ROOT
from notebook_probe import execute

ASSIGNMENTS = sorted(p.name for p in (COURSE_ROOT / "source").iterdir() if p.is_dir())


@pytest.fixture(scope="session")
def assignments():
    return ASSIGNMENTS


@pytest.fixture(scope="module")
def executed(request):
    """The released notebook of the module's ASSIGNMENT with the instructor's solutions filled in, run top to
    bottom plus the module's PROBE cell: (the executed notebook, the probe's findings). Cells that raise stop
    the run unless the module sets ALLOW_ERRORS = True (then its tests look at the errors)."""
    module = request.module
    return execute(module.ASSIGNMENT, module.PROBE, allow_errors=getattr(module, "ALLOW_ERRORS", False))
