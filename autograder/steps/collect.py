"""nbgrader collect, with a submission's time no later than its files show: nbgrader's exchange takes it from
timestamp.txt and the inbound folder's name, which the student's own `nbgrader submit` writes, so a student
who renamed their folder and rewrote the file an hour after the deadline was not late (attack round 8).
A file's ctime is set by the kernel whenever it or its name changes, and no user can set it back: the time
recorded is the student's claim, unless the inbound entry changed more than GRACE after it."""
import datetime
import os

from nbgrader.exchange.default import ExchangeCollect
from nbgrader.utils import parse_utc

GRACE = datetime.timedelta(seconds=60)  # nbgrader submit writes the time, then copies: a slow copy is not late
TIMESTAMP = "timestamp.txt"


def last_changed(folder):
    """The latest ctime of a folder and everything in it (links not followed), in UTC, as parse_utc gives
    times (naive)."""
    latest = os.lstat(folder).st_ctime
    for top, dirs, files in os.walk(folder):
        for name in dirs + files:
            latest = max(latest, os.lstat(os.path.join(top, name)).st_ctime)
    return datetime.datetime.fromtimestamp(latest, datetime.timezone.utc).replace(tzinfo=None)


def submission_time(folder, claimed):
    """The time to record for a submission folder whose student claims `claimed` (a datetime, or None)."""
    changed = last_changed(folder)
    return claimed if claimed is not None and changed <= claimed + GRACE else changed


class CollectAtFileTimes(ExchangeCollect):
    """nbgrader's collect (c.ExchangeFactory.collect), then timestamp.txt as submission_time says."""

    def do_copy(self, src, dest, log=None):
        super().do_copy(src, dest, log)
        try:
            with open(os.path.join(src, TIMESTAMP)) as fh:
                claimed = parse_utc(fh.read().strip())
        except (OSError, ValueError, OverflowError):
            claimed = None
        recorded = submission_time(src, claimed)
        if recorded != claimed:
            self.log.warning("%s: its files changed at %s, after the time it claims (%s): recorded as submitted "
                             "then", os.path.basename(src), recorded, claimed)
        with open(os.path.join(dest, TIMESTAMP), "w") as fh:
            fh.write(recorded.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))  # as nbgrader submit writes it
