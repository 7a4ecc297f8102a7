"""The course secret, and the seed of each student's hidden cases drawn from it.

Hidden inputs drawn from one fixed seed are the same for every student, run and term, so what each
feedback round lets slip about them adds up. Each student's hidden cases are drawn instead from
HMAC(secret, assignment, student, the notebook's code, the grading code; see autograder/trusted/draws.py). The
secret is made on first grading and kept in the gradebook (its own table, beside nbgrader's), so every
machine that grades a course with one gradebook draws the same cases, and a regrade of the same code is
exact. It never enters the repository, the sandbox (which cannot reach the gradebook) or the feedback.
"""
import functools
import hashlib
import hmac
import json
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


def draw_name(secret, assignment, student, code="", grading=""):
    """The name of `student`'s draw of hidden cases for `assignment`, graded with `code` (the notebook's code
    cells) by `grading` (what else decides the verdicts: autograder.trusted.draws): 64 hex digits no one without the
    secret can compute. The same code draws the same cases, so a regrade is exact; other code draws others,
    so what one grading let slip (a timing channel, the kind of each difference) is of no use to a changed
    notebook."""
    message = "\0".join([assignment, student, hashlib.sha256(code.encode(errors="surrogatepass")).hexdigest(),
                         grading])
    return hmac.new(secret, message.encode(errors="surrogatepass"), hashlib.sha256).hexdigest()


def hidden_seed(secret, assignment, student, code="", grading="", started=1):
    """The seed (128 bits) of the hidden cases of draw_name(...), the `started`-th time that draw is started:
    a draw whose grading never finished is drawn afresh (autograder.trusted.draws)."""
    draw = draw_name(secret, assignment, student, code, grading)
    return int.from_bytes(hashlib.sha256(f"{draw}\0{started}".encode()).digest()[:16], "big")


def notebook_code(nb):
    """What of a notebook decides its hidden cases (draw_name's `code`): its code cells' sources, in order, as
    JSON (a separator that a cell can hold, "\\0", made [A, B\\0C] and [A, B, C] one draw)."""
    return json.dumps([cell.source for cell in nb.cells if cell.cell_type == "code"])
