"""What a batch records for each student, in files only (no gradebook, no nbgrader import):
the outcome that the resume and the report read, the fingerprint that tells a resubmission, and the
feedback page of a notebook that could not be graded; and what in a submission folder must not reach
nbgrader (unsafe_entry), which both the batch and trusted grading check.
"""
import hashlib
import html
import json
import os


def outcomes_dir(course, assignment):
    """One file per student, so that several grading machines sharing the course directory never write
    the same file."""
    return course / "reports" / assignment / "outcomes"


def load_outcomes(course, assignment):
    """{student: outcome} of every student graded so far."""
    return {p.stem: json.loads(p.read_text()) for p in sorted(outcomes_dir(course, assignment).glob("*.json"))}


def save_outcome(course, assignment, outcome):
    folder = outcomes_dir(course, assignment)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{outcome['student']}.json"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(outcome, indent=1, sort_keys=True))
    os.replace(tmp, path)  # a crash mid-write leaves the previous outcome, never half of one


def forget_outcome(course, assignment, student):
    """Before a student is graded again: if that grading never ends (Ctrl-C, a grader error), the next run
    grades them instead of trusting an outcome whose autograded notebooks are gone."""
    (outcomes_dir(course, assignment) / f"{student}.json").unlink(missing_ok=True)


def submission_entries(folder):
    """(path, kind, where) of everything in a submission folder, in a fixed order: path relative to the
    folder and where (absolute) are bytes, as a name need not be UTF-8; kind is "file", "dir", "link"
    (never followed) or "other" (a device, a pipe: never opened)."""
    base, pending = os.fsencode(folder), [b""]
    while pending:
        rel = pending.pop()
        with os.scandir(os.path.join(base, rel) if rel else base) as found:
            for entry in sorted(found, key=lambda e: e.name):
                path = os.path.join(rel, entry.name) if rel else entry.name
                if entry.is_symlink():
                    yield path, "link", entry.path
                elif entry.is_dir(follow_symlinks=False):
                    pending.append(path)
                    yield path, "dir", entry.path
                else:
                    yield path, "file" if entry.is_file(follow_symlinks=False) else "other", entry.path


def unsafe_entry(folder):
    """Why a submission folder cannot be handed to nbgrader, which follows links when it copies (a link to
    the source notebook or the gradebook would be graded, or copied into the feedback), or None."""
    if folder.is_symlink() or folder.parent.is_symlink():
        return f"{folder.parent.name}/{folder.name} is a link to another folder: hand in the files themselves"
    for path, kind, _ in submission_entries(folder):
        shown = path.decode("utf-8", "backslashreplace")
        if kind == "link":
            return f"the submission holds a link ({shown}): hand in the files themselves"
        if kind == "other":
            return f"the submission holds {shown}, which is not a file or a folder"
        if shown != os.fsdecode(path):
            return f"the file name {shown} is not valid UTF-8: rename the file and hand in again"
    return None


def fingerprint(folder):
    """A hash of a submission: a resubmission has a new one and is graded again. Each path, kind and content
    (a link's target) enters with its length, so no two different submissions run together into the same
    bytes; a file that cannot be read counts as "?unreadable" (the worker then says why it cannot grade)."""
    h = hashlib.sha256()

    def add(part):
        h.update(len(part).to_bytes(8, "big") + part)
    for path, kind, where in submission_entries(folder):
        add(path)
        add(kind.encode())
        if kind == "link":
            add(os.readlink(where))
        elif kind == "file":
            try:
                with open(where, "rb") as f:
                    h.update(os.fstat(f.fileno()).st_size.to_bytes(8, "big"))
                    while chunk := f.read(1 << 20):
                        h.update(chunk)
            except OSError:
                add(b"?unreadable")
    return h.hexdigest()[:16]


def failure_feedback(course, assignment, student, notebooks, reason, scores):
    """A feedback page for a notebook nbgrader could not grade (nbgrader writes none for it)."""
    folder = course / "feedback" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    earned, total = sum(s for s, _ in scores.values()), sum(m for _, m in scores.values())
    for name in notebooks:
        (folder / f"{name}.html").write_text(
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(name)}</title></head>"
            f"<body><h1>{html.escape(assignment)}: {html.escape(name)}.ipynb</h1>"
            f"<p><b>This notebook could not be graded:</b> {html.escape(reason)}"
            f"{'' if reason.endswith(('.', '?', '!')) else '.'}</p>"
            f"<p>It scores 0. Your total for {html.escape(assignment)} is {earned:g} / {total:g}.</p>"
            f"<p>Fix the problem and hand the assignment in again, or ask your instructor.</p></body></html>")
