"""nbgrader collect, taking from the exchange only what each student may hand in, as they handed it in.

The exchange's inbound folder is writable by every student, and nbgrader's collect copies from it with the
instructor's rights: it followed links (a link to the instructor's source notebook was graded as the student's
own; two links to "." copied 2^40 trees), kept mode bits (a setuid program arrived owned by root), took the
student from the folder's name (an entry named after a classmate replaced their submission) and the time from
what the student's own `nbgrader submit` wrote (attack rounds 8 and 9). A check before a copy by name lost the
race against a student who swapped a file for a link while the copy ran (round 10). Here:
  - an entry whose owner is not the student its name claims is not collected (where students are users of their
    own: c.ExchangeCollect.check_owner, nbgrader's default), unless the collecting user owns it (one user for all);
  - an entry is copied through file descriptors, each folder and file opened without following a link and
    checked on what was opened: a link, a device or a pipe, whenever it appears, and more than the budget of
    what is actually read, leave that student uncollected (the log says why) and the others collected;
  - files arrive as contents (644 in 755 folders), never with the student's mode bits;
  - the time recorded is the student's claim unless what was copied changed more than GRACE after it: a file's
    ctime is set by the kernel whenever it or its name changes, and no user can set it back.
"""
import datetime
import fnmatch
import glob
import os
import pwd
import shutil
import stat

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.exchange.default import ExchangeCollect
from nbgrader.utils import parse_utc

from autograder.core import budget

GRACE = datetime.timedelta(seconds=60)  # nbgrader submit writes the time, then copies: a slow copy is not late
TIMESTAMP = "timestamp.txt"
# Characters of a time as nbgrader submit writes it ("2026-12-07 21:52:04.123456 UTC": 30). dateutil's time grows
# with the square of what it parses: 1,000,000 digits in timestamp.txt held the class's collect 28 s, and the
# copy allows 120 MB (attack round 11). A longer text is no claim: the files' time is recorded.
CLAIM_CHARS = 100
MAX_ENTRIES = budget.COPIED_FILES + 100  # files and folders of one inbound entry (notebooks and what is beside them)
MAX_BYTES = budget.COPIED_BYTES + 10 * budget.NOTEBOOK_BYTES
FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK  # a pipe swapped in does not block the open


class Uncollectable(Exception):
    """Why an inbound entry is not collected, in a sentence."""


def recorded_time(claimed, changed):
    """The time to record for a submission whose student claims `claimed` (a naive UTC datetime, or None) and
    whose copied files last changed at `changed`."""
    return claimed if claimed is not None and changed <= claimed + GRACE else changed


def claimed_time(path):
    """The time a copied timestamp.txt claims (naive UTC), or None: missing, unreadable, longer than CLAIM_CHARS,
    or not a time."""
    try:
        with open(path, "rb") as fh:  # the copy's, as the student wrote it
            text = fh.read(CLAIM_CHARS + 1)
        return parse_utc(text.decode().strip()) if len(text) <= CLAIM_CHARS else None
    except (OSError, ValueError, OverflowError):  # UnicodeDecodeError is a ValueError
        return None


def owner_name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


class Copy:
    """One inbound entry copied through file descriptors; `latest` is the latest ctime of what was read."""

    def __init__(self, ignore, include, max_file_size):
        self.ignore, self.include, self.max_file_size = ignore, include, max_file_size
        self.entries, self.bytes, self.latest = 0, 0, 0.0

    def tree(self, folder_fd, dest):
        os.mkdir(dest, 0o755)
        self.latest = max(self.latest, os.fstat(folder_fd).st_ctime)
        for name in sorted(os.listdir(folder_fd)):
            self.entries += 1
            if self.entries > MAX_ENTRIES:
                raise Uncollectable(f"it holds more than {MAX_ENTRIES} files and folders")
            if any(fnmatch.fnmatch(name, pattern) for pattern in self.ignore):
                continue
            try:
                fd = os.open(name, FOLDER, dir_fd=folder_fd)
            except NotADirectoryError:
                self.file(folder_fd, name, os.path.join(dest, name))
                continue
            except OSError as exc:  # ELOOP: a link, whenever it was put there
                raise Uncollectable(f"{name} cannot be opened as a folder or a file ({exc.strerror})") from None
            try:
                self.tree(fd, os.path.join(dest, name))
            finally:
                os.close(fd)

    def file(self, folder_fd, name, dest):
        if self.include and not any(fnmatch.fnmatch(name, pattern) for pattern in self.include):
            return
        try:
            fd = os.open(name, FILE, dir_fd=folder_fd)
        except OSError as exc:
            raise Uncollectable(f"{name} cannot be opened as a file ({exc.strerror}): a link, or gone") from None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise Uncollectable(f"{name} is not a file or a folder")
            if os.fstat(fd).st_size > self.max_file_size * 1000:
                return  # nbgrader's CourseDirectory.max_file_size (kB): left out, as nbgrader leaves it out
            with open(dest, "xb") as out:
                os.fchmod(out.fileno(), 0o644)
                while chunk := os.read(fd, 1 << 20):
                    self.bytes += len(chunk)
                    if self.bytes > MAX_BYTES:
                        raise Uncollectable(f"it holds more than {MAX_BYTES >> 20} MB")
                    out.write(chunk)
            self.latest = max(self.latest, os.fstat(fd).st_ctime)  # after reading: a change while copied counts
        finally:
            os.close(fd)


class CollectAtFileTimes(ExchangeCollect):
    """nbgrader's collect (c.ExchangeFactory.collect), with the checks above."""

    def init_src(self):
        """nbgrader's init_src, but an entry whose name does not parse, or that is in another student's name,
        is left out with a log line instead of stopping the whole collection."""
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        if not os.path.isdir(self.inbound_path):
            self.fail(f"Course not found: {self.inbound_path}")
        collector = owner_name(os.geteuid())
        student_id = self.coursedir.student_id or "*"
        records = []
        for path in glob.glob(os.path.join(self.inbound_path, f"{student_id}+{self.coursedir.assignment_id}+*")):
            name = os.path.basename(path)
            try:
                record = self._path_to_record(path)
                maker = owner_name(os.lstat(path).st_uid)
            except Exception as exc:  # nbgrader's parse of the name, a folder gone meanwhile
                self.log.error("%s is not collected: its name or folder cannot be read (%s)", name, exc)
                continue
            if self.check_owner and maker not in (record["username"], collector):
                self.log.error("%s is not collected: it claims to be %s's, but %s made it", name,
                               record["username"], maker)
                continue
            records.append(record)
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            try:
                self.duedate = gb.find_assignment(self.coursedir.assignment_id).duedate
            except MissingEntry:
                self.duedate = None
        self.src_records = self._choose(records)

    def _choose(self, records):
        """One entry per student, as nbgrader chooses: the latest, or with --before-duedate the latest before it."""
        by_student = {}
        for record in self._sort_by_timestamp(records):
            by_student.setdefault(record["username"], []).append(record)
        chosen = []
        for entries in by_student.values():
            on_time = [r for r in entries if self.duedate is not None and r["timestamp"] <= self.duedate]
            chosen.append(on_time[0] if self.before_duedate and on_time else entries[0])
        return chosen

    def do_copy(self, src, dest, log=None):
        copy = Copy(self.coursedir.ignore, self.coursedir.include, self.coursedir.max_file_size)
        try:
            try:
                fd = os.open(src, FOLDER)
            except OSError as exc:
                raise Uncollectable(f"it cannot be opened as a folder ({exc.strerror})") from None
            try:
                maker = owner_name(os.fstat(fd).st_uid)
                student = os.path.basename(os.path.dirname(dest))
                if self.check_owner and maker not in (student, owner_name(os.geteuid())):
                    raise Uncollectable(f"it claims to be {student}'s, but {maker} made it")
                copy.tree(fd, dest)
            finally:
                os.close(fd)
        except (Uncollectable, OSError) as exc:
            self.log.error("%s is not collected: %s", os.path.basename(src), exc)
            shutil.rmtree(dest, ignore_errors=True)
            try:
                os.rmdir(os.path.dirname(dest))  # the student's folder nbgrader made for it, when nothing else is in it
            except OSError:
                pass
            return
        claimed = claimed_time(os.path.join(dest, TIMESTAMP))
        changed = datetime.datetime.fromtimestamp(copy.latest, datetime.timezone.utc).replace(tzinfo=None)
        recorded = recorded_time(claimed, changed)
        if recorded != claimed:
            self.log.warning("%s: its files changed at %s, after the time it claims (%s): recorded as submitted "
                             "then", os.path.basename(src), recorded, claimed)
        with open(os.path.join(dest, TIMESTAMP), "w") as fh:
            fh.write(recorded.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))  # as nbgrader submit writes it
