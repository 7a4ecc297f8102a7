"""The course's nbgrader configuration, and what the batch reads of it before grading an assignment."""
import sys

from sqlalchemy import make_url
from sqlalchemy.exc import SQLAlchemyError
from traitlets.config import PyFileConfigLoader

from autograder.core.limits import GradingLimits
from autograder.gradebook.layout import assignment_layout
from autograder.gradebook.scores import graded_students


def load_config(course, program="grade"):
    """The course's nbgrader configuration (nbgrader_config.py in the course directory)."""
    if not (course / "nbgrader_config.py").exists():
        if not course.exists():  # the default, ".", always does: --course named it
            sys.exit(f"{program}: --course {course}: no such directory")
        sys.exit(f"{program}: {course} is not an nbgrader course directory (no nbgrader_config.py); run from the "
                 "course directory or pass --course")
    return PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()


def batch_settings(course, assignment):
    """What autograder.batch.grade needs before it grades an assignment, read in one go: the gradebook's URL and
    course id, the per-cell timeout, the assignment's layout, who is graded already and the
    reference's configured sha256."""
    config = load_config(course)
    db_url, course_id = config.CourseDirectory.db_url, config.CourseDirectory.course_id
    try:
        layout = assignment_layout(db_url, course_id, assignment, course)
        graded = graded_students(db_url, course_id, assignment)
    except SQLAlchemyError as exc:  # a wrong URL, a server that is down, a driver that is not installed
        sys.exit(f"grade: cannot open the gradebook at {_shown(db_url)}: "
                 f"{(str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]}\nCheck RNN_COURSE_DB_URL (or "
                 "c.CourseDirectory.db_url in nbgrader_config.py); a PostgreSQL URL starts postgresql+psycopg2://")
    return {"db_url": db_url, "course_id": course_id,
            "reference_sha256": config.TrustedExecute.get("reference_sha256", ""),
            "cell_timeout": GradingLimits.of(config).cell_timeout,
            "layout": layout, "graded": graded}


def _shown(db_url):
    """The URL without its password."""
    try:
        return make_url(db_url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        return "a URL that SQLAlchemy cannot read"
