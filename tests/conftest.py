import pytest

from autograder.core.paths import COURSE_ROOT

ASSIGNMENTS = sorted(p.name for p in (COURSE_ROOT / "source").iterdir() if p.is_dir())


@pytest.fixture(scope="session")
def assignments():
    return ASSIGNMENTS
