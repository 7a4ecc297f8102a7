"""Every machine grades an assignment with the same grading code, or does not grade it.

Two machines whose answer keys differ (an uncommitted edit to cases.py or signatures.py, another commit) draw
different hidden cases and check them differently, and nothing in the grades shows it. So a batch, before it
grades anyone, compares a manifest of what decides a grade with the one the assignment is graded with:
  - the grading code (autograder/ and course/, core.paths.grading_files): the reference, each assignment's
    cases and mistakes, the grader, the functions' signatures, the stored self-check answers;
  - the course directory's nbgrader_config.py (the pipeline and its limits);
  - the course secret's identity (a digest of it, never the secret): a machine pointed at another gradebook
    draws other hidden cases;
  - the versions of Python, numpy and nbgrader.
The first batch of an assignment records its manifest in the gradebook (autograder.gradebook.graded_with) and in
reports/<assignment>/grading-code.json; a later batch whose manifest differs from either is refused, and the
message names what differs. --new-grading-code records this machine's instead, after a change on purpose.
"""
import hashlib
import json
import os
import platform
import socket
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

from autograder.core.paths import COURSE_ROOT, grading_files
from autograder.gradebook.config import load_config
from autograder.gradebook.graded_with import record_or_read
from autograder.trusted.secret import course_secret

SECRET = "the course secret (its digest)"
CONFIG = "nbgrader_config.py of the course directory"
VERSIONS = {"Python": platform.python_version, "numpy": lambda: version("numpy"),
            "nbgrader": lambda: version("nbgrader")}
HINTS = {SECRET: "is this machine's gradebook the class's? (RNN_COURSE_DB_URL)",
         CONFIG: "copy the course's nbgrader_config.py to every machine"}


def manifest(course, db_url, course_id):
    """{what decides a grade: its sha256 (a file) or value}."""
    files = {path.relative_to(COURSE_ROOT).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
             for path in grading_files()}
    files[CONFIG] = hashlib.sha256((Path(course) / "nbgrader_config.py").read_bytes()).hexdigest()
    files[SECRET] = hashlib.sha256(b"identity of the course secret\0" + course_secret(db_url, course_id)).hexdigest()
    files.update({name: f"version {get()}" for name, get in VERSIONS.items()})
    return files


def digest_of(files):
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()


def record_path(course, assignment):
    return Path(course) / "reports" / assignment / "grading-code.json"


def record_in_directory(course, assignment, record, replace=False):
    """The record kept in the course directory, or `record`, kept now if there is none (or `replace`)."""
    path = record_path(course, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{socket.gethostname()}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record, indent=1, sort_keys=True))
    try:
        if replace:
            os.replace(tmp, path)
            return record
        try:
            os.link(tmp, path)  # whole, and only if no other grader kept one first
            return record
        except FileExistsError:
            return json.loads(path.read_text())
    finally:
        tmp.unlink(missing_ok=True)


def differences(mine, theirs):
    """What differs between two manifests, one phrase each, in the order of the names."""
    uncommitted = set(uncommitted_files())
    out = []
    for name in sorted(set(mine) | set(theirs)):
        if mine.get(name) == theirs.get(name):
            continue
        if name not in theirs:
            what = f"{name} is only here"
        elif name not in mine:
            what = f"{name} is missing here"
        elif name in VERSIONS:
            what = f"{name} is {mine[name]} here, {theirs[name]} there"
        else:
            what = f"{name} differs"
        if name in uncommitted:
            what += " (uncommitted changes here)"
        if name in HINTS:
            what += f": {HINTS[name]}"
        out.append(what)
    return out


def uncommitted_files():
    """The grading files with uncommitted changes (git status), where the code is a git checkout."""
    if not (COURSE_ROOT / ".git").exists():
        return []
    try:
        proc = subprocess.run(["git", "-C", str(COURSE_ROOT), "status", "--porcelain", "--untracked-files=all",
                               "--", "autograder", "course"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return []
    names = (line[3:].split(" -> ")[-1].strip('"') for line in proc.stdout.splitlines())
    return sorted(n for n in names if n.endswith((".py", ".npz")))


def check_grading_code(course, assignment, renew=False):
    """Exit, naming what differs, unless this machine's manifest is the one `assignment` is graded with (it
    becomes that one if none is recorded yet, or `renew`). Returns a note for the instructor, or None."""
    config = load_config(course)
    db_url, course_id = config.CourseDirectory.db_url, config.CourseDirectory.course_id
    files = manifest(course, db_url, course_id)
    mine = {"digest": digest_of(files), "manifest": files,
            "recorded_by": f"{socket.gethostname()} at {time.strftime('%Y-%m-%d %H:%M:%S %Z')}"}
    anchors = [("in the gradebook", lambda: record_or_read(db_url, course_id, assignment, mine["digest"], files,
                                                           replace=renew)),
               (f"in {record_path(course, assignment).relative_to(course)}",
                lambda: record_in_directory(course, assignment, mine, replace=renew))]
    for where, kept in anchors:
        theirs = kept()
        if theirs["digest"] != mine["digest"]:
            found = differences(files, theirs["manifest"])
            shown = "; ".join(found[:12]) + (f"; and {len(found) - 12} more" if len(found) > 12 else "")
            sys.exit(f"grade: this machine's grading code is not the code {assignment} is graded with (recorded by "
                     f"{theirs['recorded_by']}, {where}): {shown}.\nMachines with different code grade students on "
                     "different hidden cases and checks. Give every machine the same code (the same commit and no "
                     "uncommitted changes: git status; the same nbgrader_config.py; the same gradebook), then run "
                     f"this again. If the grading code changed on purpose, run once with --new-grading-code: this "
                     f"machine's becomes the code {assignment} is graded with (--force then regrades the students "
                     "graded before).")
    changed = uncommitted_files()
    if changed:
        return (f"grading with uncommitted changes to {', '.join(changed[:5])}{', ...' if len(changed) > 5 else ''} "
                f"(git status): every machine grading {assignment} needs the same, or it is refused")
    return None
