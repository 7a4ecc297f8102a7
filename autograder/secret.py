"""The course secret, and the seed of each student's hidden cases drawn from it.

Hidden inputs drawn from one fixed seed are the same for every student, run and term, so what each
feedback round lets slip about them adds up. Each student's hidden cases are drawn instead from
HMAC(secret, assignment, student). The secret is made on first grading and kept in the gradebook (its own
table, beside nbgrader's), so every machine that grades a course with one gradebook draws the same cases,
and a regrade is exact. It never enters the repository, the sandbox (which cannot reach the gradebook) or
the feedback.
"""
import functools
import hashlib
import hmac
import secrets

from sqlalchemy import Column, MetaData, String, Table, create_engine, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

SECRETS = Table("rnn_course_secret", MetaData(),
                Column("course_id", String(128), primary_key=True),
                Column("secret", String(64), nullable=False))


@functools.lru_cache(maxsize=8)
def course_secret(db_url, course_id):
    """The course's secret (bytes), made and stored in the gradebook at `db_url` if it has none yet."""
    engine = create_engine(db_url)
    try:
        try:
            SECRETS.create(engine, checkfirst=True)
        except (IntegrityError, OperationalError, ProgrammingError):  # another grader made the table meanwhile
            pass  # (PostgreSQL says so with a unique violation in its catalogue, SQLite with "already exists")
        query = select(SECRETS.c.secret).where(SECRETS.c.course_id == course_id)
        with engine.begin() as db:
            stored = db.execute(query).scalar()
        if stored is None:
            try:
                with engine.begin() as db:
                    db.execute(insert(SECRETS).values(course_id=course_id, secret=secrets.token_hex(32)))
            except IntegrityError:  # another grader stored one first: theirs holds
                pass
            with engine.begin() as db:
                stored = db.execute(query).scalar()
        return bytes.fromhex(stored)
    finally:
        engine.dispose()


def hidden_seed(secret, assignment, student):
    """The seed of `student`'s hidden cases for `assignment`: 128 bits no one without the secret can know."""
    message = f"{assignment}\0{student}".encode()
    return int.from_bytes(hmac.new(secret, message, hashlib.sha256).digest()[:16], "big")
