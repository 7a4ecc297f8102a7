"""The course's nbgrader configuration and gradebook, as autograder.batch and its workers use them.

The gradebook is nbgrader's (SQLite by default, or PostgreSQL through RNN_COURSE_DB_URL); everything here
goes through nbgrader's own API, so nbgrader's commands and the formgrader see the same grades.
"""
import sqlite3
import sys

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy import Engine, event, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import scoped_session, sessionmaker
from traitlets.config import PyFileConfigLoader

from autograder.trusted import unverifiable_reference


def serialize_sqlite_writes():
    """Make every SQLite transaction in this process BEGIN IMMEDIATE and wait up to 5 minutes for the lock.

    pysqlite starts transactions lazily, so two workers that both read and then write can each hold a read
    lock the other needs, and SQLite answers "database is locked" at once instead of waiting. Taking the
    write lock at BEGIN makes writers queue behind each other (SQLAlchemy's documented pysqlite recipe).
    nbgrader opens the gradebook only briefly (never while a notebook runs), so the queue is short."""
    if getattr(serialize_sqlite_writes, "done", False):
        return

    @event.listens_for(Engine, "connect")
    def _connect(dbapi_connection, _record):
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.isolation_level = None  # let the "begin" hook below issue BEGIN itself
            dbapi_connection.execute("PRAGMA busy_timeout = 300000")

    @event.listens_for(Engine, "begin")
    def _begin(conn):
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    serialize_sqlite_writes.done = True


_nbgrader_init = Gradebook.__init__
_engines = {}  # (db_url, course_id) -> the engine of the first Gradebook this process opened on it


def share_engines():
    """Let every nbgrader Gradebook this process opens on one gradebook use one SQLAlchemy engine, kept open.

    A worker opens a Gradebook about 11 times per student (nbgrader's autograde and feedback, the scores
    here). Each made a new engine, so SQLAlchemy compiled every query again, checked that every table
    exists (a write-locked transaction on SQLite) and that the course is recorded, and connected again:
    0.06 s of CPU per student, a quarter of the worker's own. The first Gradebook still does all of that, so
    an empty gradebook gets its tables. For processes that do not fork after it (connections must not
    cross a fork): autograder.batch_worker.worker_main."""
    Gradebook.__init__, Gradebook.close = _shared_init, _shared_close


def _shared_init(gradebook, db_url, course_id="default_course", authenticator=None):
    engine = _engines.get((db_url, course_id))
    if engine is None:
        _nbgrader_init(gradebook, db_url, course_id, authenticator)
        _engines[db_url, course_id] = gradebook.engine
        return
    # What nbgrader's __init__ sets, but the tables and the course, which the first one made sure of
    # (tests/test_batch.py checks that these are all it sets).
    gradebook.engine, gradebook.course_id, gradebook.authenticator = engine, course_id, authenticator
    gradebook.db = scoped_session(sessionmaker(autoflush=True, bind=engine, future=True))


def _shared_close(gradebook):
    gradebook.db.remove()  # the session ends and its connection goes back to the engine, for the next one


def load_config(course, program="grade"):
    """The course's nbgrader configuration (nbgrader_config.py in the course directory)."""
    if not (course / "nbgrader_config.py").exists():
        if not course.exists():  # the default, ".", always does: --course named it
            sys.exit(f"{program}: --course {course}: no such directory")
        sys.exit(f"{program}: {course} is not an nbgrader course directory (no nbgrader_config.py); run from the "
                 "course directory or pass --course")
    return PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()


def require_assignment(course, assignment, program="grade"):
    """Exit, listing the course's assignments, unless `assignment` is one of them (a folder of source/)."""
    known = sorted(p.name for p in (course / "source").glob("*") if p.is_dir())
    if assignment not in known:
        sys.exit(f"{program}: this course has no assignment '{assignment}' (source/ has: "
                 f"{', '.join(known) or 'nothing'})")


def assignment_layout(db_url, course_id, assignment, course):
    """{notebook: [(grade_id, max points)]} of an assignment, test cells in notebook order."""
    with Gradebook(db_url, course_id) as gb:
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            require_assignment(course, assignment)
            # --force: generate_assignment skips an assignment whose release/ exists without recording it
            sys.exit(f"grade: the gradebook has no assignment '{assignment}'. Record it (and its release/ "
                     f"version) first: ./run python -m nbgrader generate_assignment {assignment} --force")
        layout = {nb.name: {c.name: c.max_score for c in nb.grade_cells} for nb in found.notebooks}
    for name, cells in layout.items():  # the gradebook keeps no order; the source notebook does
        source = course / "source" / assignment / f"{name}.ipynb"
        cells_in_order = nbformat.read(str(source), as_version=4).cells if source.exists() else []
        order = [c.metadata.get("nbgrader", {}).get("grade_id") for c in cells_in_order]
        layout[name] = sorted(cells.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 1e9)
    return layout


def batch_settings(course, assignment):
    """What autograder.batch needs before it grades an assignment, read in one go: the gradebook's URL and
    course id, the per-cell timeout, the assignment's layout, who is graded already and, when the reference
    cannot be verified, why."""
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
            "unverifiable": unverifiable_reference(config.TrustedExecute.get("reference_sha256", "")),
            "cell_timeout": config.Execute.timeout if "timeout" in config.Execute else 30,
            "layout": layout, "graded": graded}


def _shown(db_url):
    """The URL without its password."""
    try:
        return make_url(db_url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        return "a URL that SQLAlchemy cannot read"


def zero_submission(db_url, course_id, assignment, student, notebooks):
    """Score zero on every test of `notebooks` (creating the submission if needed), as nbgrader itself
    does for a missing notebook; without this a failed regrade would leave the previous run's scores."""
    with Gradebook(db_url, course_id) as gb:
        gb.update_or_create_student(student)
        submission = gb.update_or_create_submission(assignment, student)
        for nb in submission.notebooks:
            if nb.name in notebooks:
                for grade in nb.grades:
                    grade.auto_score, grade.needs_manual_grade = 0, False
        gb.db.commit()


def zero_lost_submission(db_url, course_id, assignment, student, notebooks):
    """Zero on every test of a student whose worker died before it recorded anything; the scores."""
    serialize_sqlite_writes()
    zero_submission(db_url, course_id, assignment, student, notebooks)
    return gradebook_scores(db_url, course_id, assignment, student)


def gradebook_scores(db_url, course_id, assignment, student):
    """{grade_id: (score, max score)} of one submission."""
    with Gradebook(db_url, course_id) as gb:
        submission = gb.find_submission(assignment, student)
        return {g.name: (g.score or 0.0, g.max_score) for nb in submission.notebooks for g in nb.grades}


def graded_students(db_url, course_id, assignment):
    """The students who have a submission of `assignment` in the gradebook."""
    with Gradebook(db_url, course_id) as gb:
        return {s.student.id for s in gb.assignment_submissions(assignment)}


def export_csv(db_url, course_id, path):
    """The course's grades.csv (`nbgrader export`'s columns, autograder.grades_csv), of the whole gradebook;
    replaced whole, so runs on several machines sharing the course directory never leave half of one."""
    from autograder.grades_csv import GradesCsvExportPlugin

    with Gradebook(db_url, course_id) as gb:
        GradesCsvExportPlugin(to=str(path)).export(gb)
