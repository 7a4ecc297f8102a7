"""The course's nbgrader configuration and gradebook, as autograder.batch.grade and its workers use them.

The gradebook is nbgrader's (SQLite by default, or PostgreSQL through RNN_COURSE_DB_URL); everything here
goes through nbgrader's own API, so nbgrader's commands and the formgrader see the same grades.
"""
import sqlite3

from nbgrader.api import Gradebook
from sqlalchemy import Engine, event
from sqlalchemy.orm import scoped_session, sessionmaker


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
    cross a fork): autograder.batch.student.worker_main."""
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


