"""Each draw of hidden cases reaches one sandbox only; grading the same draw again replays its verdicts.

A sandbox can leave traces that no namespace or system-call filter removes: which pages of the shared,
read-only system it read (the page cache) can be timed by a later sandbox. A notebook can so carry what it
saw during one grading (its hidden inputs, the reference's answers to its calls) into a later grading of
itself, and print it into the feedback or replay it for points, if that later grading hands it the same
hidden cases. So no grading does: the draw's name covers everything that decides the verdicts (the
student, the assignment, the notebook's code, the grading code and limits), and the gradebook keeps, per
draw, how often it was started and the verdicts of the grading that finished. A grading of a finished draw
replays those verdicts without starting a sandbox (so a regrade of the same code is exact); a draw that
was started but never finished (the grader was stopped) is drawn afresh.
"""
import functools
import hashlib
import json
import zlib

from sqlalchemy import Column, Integer, LargeBinary, MetaData, String, Table, create_engine, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.pool import NullPool

from autograder.core.paths import COURSE_ROOT, grading_files

DRAWS = Table("rnn_course_draws", MetaData(),
              Column("course_id", String(128), primary_key=True),
              Column("draw", String(64), primary_key=True),
              Column("started", Integer, nullable=False),
              Column("verdicts", LargeBinary, nullable=True))


@functools.cache
def grading_code_digest():
    """sha256 of the code that decides a verdict (autograder/ and course/, their stored answers too)."""
    h = hashlib.sha256()
    for path in grading_files():
        h.update(f"{path.relative_to(COURSE_ROOT)}\0".encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def grading(timeout, memory_mb):
    """What decides a verdict besides the notebook (secret.draw_name's `grading`): the grading code, and the
    limits a cell runs under."""
    return f"{grading_code_digest()}:{timeout}:{memory_mb}"


@functools.cache
def _engine(db_url):
    engine = create_engine(db_url, poolclass=NullPool)  # no connection outlives a call (graders fork)
    try:
        DRAWS.create(engine, checkfirst=True)
    except (IntegrityError, OperationalError, ProgrammingError):  # another grader made the table meanwhile
        pass
    return engine


def start(db_url, course_id, draw, redraw=False):
    """(how many times `draw` was started, this one included, None) for a draw to grade; (count, verdicts)
    for a draw graded to the end before, whose verdicts are to be replayed. redraw: grade it afresh anyway
    (its kept verdicts are dropped, and the new count draws other cases)."""
    engine = _engine(db_url)
    key = (DRAWS.c.course_id == course_id) & (DRAWS.c.draw == draw)
    for _ in range(3):  # another grader may insert the same draw between our read and our write
        with engine.begin() as db:
            row = db.execute(select(DRAWS.c.started, DRAWS.c.verdicts).where(key)).first()
            if row is not None and row.verdicts is not None and not redraw:
                return row.started, json.loads(zlib.decompress(row.verdicts))
            try:
                if row is None:
                    db.execute(insert(DRAWS).values(course_id=course_id, draw=draw, started=1))
                    return 1, None
                db.execute(update(DRAWS).where(key).values(started=row.started + 1, verdicts=None))
                return row.started + 1, None
            except IntegrityError:
                continue
    raise RuntimeError(f"could not record draw {draw[:12]} in the gradebook: another grader keeps writing it")


def finish(db_url, course_id, draw, verdicts):
    """Keep `verdicts` (plain JSON data) of a draw graded to the end, to be replayed by later gradings."""
    data = zlib.compress(json.dumps(verdicts).encode())
    key = (DRAWS.c.course_id == course_id) & (DRAWS.c.draw == draw)
    with _engine(db_url).begin() as db:
        db.execute(update(DRAWS).where(key).values(verdicts=data))
