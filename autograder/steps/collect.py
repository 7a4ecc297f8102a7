"""nbgrader collect, taking from the exchange only what each student may hand in, as they handed it in.

The exchange's inbound folder is writable by every student, and nbgrader's collect copies from it with the
instructor's rights: it followed links (a link to the instructor's source notebook was graded as the student's
own; two links to "." copied 2^40 trees), kept mode bits (a setuid program arrived owned by root), took the
student from the folder's name (an entry named after a classmate replaced their submission) and the time from
what the student's own `nbgrader submit` wrote (attack rounds 8 and 9). Here:
  - an entry whose owner is not the student its name claims is not collected (where students are users of their
    own: c.ExchangeCollect.check_owner, nbgrader's default), unless the collecting user owns it (one user for all);
  - an entry holding a link, a device, a pipe, or more than the budget allows, is not collected: nothing of it
    is followed or copied;
  - files are copied as contents (modes 644, folders 755), never with the student's mode bits;
  - the time recorded is the student's claim unless the entry's files changed more than GRACE after it: a file's
    ctime is set by the kernel whenever it or its name changes, and no user can set it back.
"""
import datetime
import glob
import os
import pwd
import shutil
from pathlib import Path

from nbgrader.exchange.default import ExchangeCollect
from nbgrader.utils import ignore_patterns, parse_utc

from autograder.core import budget
from autograder.core.submitted import submission_entries, unsafe_entry

GRACE = datetime.timedelta(seconds=60)  # nbgrader submit writes the time, then copies: a slow copy is not late
TIMESTAMP = "timestamp.txt"
MAX_ENTRIES = budget.COPIED_FILES + 100  # files and folders of one inbound entry (notebooks and what is beside them)
MAX_BYTES = budget.COPIED_BYTES + 10 * budget.NOTEBOOK_BYTES


def last_changed(folder):
    """The latest ctime of a folder and everything in it (links not followed), in UTC, as parse_utc gives
    times (naive)."""
    latest = os.lstat(folder).st_ctime
    for _, _, where in submission_entries(folder):
        latest = max(latest, os.lstat(where).st_ctime)
    return datetime.datetime.fromtimestamp(latest, datetime.timezone.utc).replace(tzinfo=None)


def submission_time(folder, claimed):
    """The time to record for a submission folder whose student claims `claimed` (a datetime, or None)."""
    changed = last_changed(folder)
    return claimed if claimed is not None and changed <= claimed + GRACE else changed


def uncollectable(folder):
    """Why an inbound entry is not collected (a sentence), or None."""
    if os.path.islink(folder) or not os.path.isdir(folder):
        return "it is not a folder"
    entries, size = 0, 0
    for _, kind, where in submission_entries(folder):  # bounded first: the checks below read every entry
        entries += 1
        size += os.lstat(where).st_size if kind == "file" else 0
        if entries > MAX_ENTRIES or size > MAX_BYTES:
            return f"it holds more than {MAX_ENTRIES} entries or {MAX_BYTES >> 20} MB"
    return unsafe_entry(Path(folder))


def owner(path):
    uid = os.lstat(path).st_uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


class CollectAtFileTimes(ExchangeCollect):
    """nbgrader's collect (c.ExchangeFactory.collect), with the checks above."""

    def init_src(self):
        super().init_src()  # nbgrader's checks, its due date and its choice among each student's entries
        if not self.check_owner:
            return
        collector = pwd.getpwuid(os.geteuid()).pw_name
        student_id = self.coursedir.student_id or "*"
        pattern = os.path.join(self.inbound_path, f"{student_id}+{self.coursedir.assignment_id}+*")  # as nbgrader
        genuine = []
        for path in glob.glob(pattern):
            record = self._path_to_record(path)
            if owner(path) in (record["username"], collector):
                genuine.append(record)
            else:
                self.log.error("%s is not collected: it claims to be %s's, but %s made it", record["filename"],
                               record["username"], owner(path))
        self.src_records = self._choose(genuine)

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
        why = uncollectable(src)
        if why:
            self.log.error("%s is not collected: %s", os.path.basename(src), why)
            try:
                os.rmdir(os.path.dirname(dest))  # the student's folder nbgrader made for it, when nothing else is in it
            except OSError:
                pass
            return
        shutil.copytree(src, dest, symlinks=True, copy_function=shutil.copyfile,  # contents, never modes
                        ignore=ignore_patterns(exclude=self.coursedir.ignore, include=self.coursedir.include,
                                               max_file_size=self.coursedir.max_file_size, log=self.log))
        for top, _, files in os.walk(dest):
            os.chmod(top, 0o755)
            for name in files:
                path = os.path.join(top, name)
                if not os.path.islink(path):
                    os.chmod(path, 0o644)
        try:
            with open(os.path.join(src, TIMESTAMP)) as fh:
                claimed = parse_utc(fh.read().strip())
        except (OSError, ValueError, OverflowError):
            claimed = None
        recorded = submission_time(src, claimed)  # after the copy: a change made during it counts
        if recorded != claimed:
            self.log.warning("%s: its files changed at %s, after the time it claims (%s): recorded as submitted "
                             "then", os.path.basename(src), recorded, claimed)
        with open(os.path.join(dest, TIMESTAMP), "w") as fh:
            fh.write(recorded.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))  # as nbgrader submit writes it
