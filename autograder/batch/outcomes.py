"""What a batch records for each student, in files only (no gradebook, no nbgrader import):
the outcome that the resume and the report read, and the feedback page of a notebook that could not be
graded.
"""
import datetime
import html
import json
import os
import secrets
import shutil
import stat

from autograder.core.records import OUTCOME_SCHEMA, Outcome


def outcomes_dir(course, assignment):
    """One file per student, so that several grading machines sharing the course directory never write
    the same file."""
    return course / "reports" / assignment / "outcomes"


def load_outcomes(course, assignment) -> dict[str, Outcome]:
    """{student: outcome} of every student graded so far."""
    outcomes = {p.stem: json.loads(p.read_text()) for p in sorted(outcomes_dir(course, assignment).glob("*.json"))}
    newer = sorted(s for s, o in outcomes.items() if o.get("schema", 0) > OUTCOME_SCHEMA)
    if newer:
        raise SystemExit(f"grade: {outcomes_dir(course, assignment)} holds outcomes written by a newer version of the "
                         f"course's grader ({', '.join(newer[:5])}{', ...' if len(newer) > 5 else ''}): grade with "
                         "that version, or move the folder away to grade everyone again with this one")
    return outcomes


def save_outcome(course, assignment, outcome: Outcome):
    outcome["schema"] = OUTCOME_SCHEMA
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


# The look of nbgrader's feedback pages (JupyterLab's fonts and width), without their stylesheets
PAGE_STYLE = ("<style>body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:52em;"
              "margin:2em auto;padding:0 1em;line-height:1.5;color:#212121}</style>")


# What `nbgrader collect` puts next to a submission and `nbgrader release_feedback` reads next to each page
# (it stops at the first folder without them, and releases nobody's feedback after it).
# {name: a stand-in for it}
COLLECTED = {"timestamp.txt": lambda: datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f %Z"),
             "submission_secret.txt": lambda: secrets.token_hex(64)}  # as nbgrader submit makes one
COLLECTED_LIMIT = 65536  # bytes; nbgrader writes a timestamp and a 128-character secret


def failure_feedback(course, assignment, student, notebooks, reason, scores):
    """A feedback page for a notebook nbgrader could not grade (nbgrader writes none for it), next to the
    collection's files, as nbgrader leaves them next to the pages it writes."""
    earned, total = sum(s for s, _ in scores.values()), sum(m for _, m in scores.values())
    _stand_in_pages(course, assignment, student, notebooks, (
        f"<p><b>This notebook could not be graded:</b> {html.escape(_sentence(reason))}</p>"
        f"<p>It scores 0. Your total for {html.escape(assignment)} is {earned:g} / {total:g}.</p>"
        f"<p>Fix the problem and hand the assignment in again, or ask your instructor.</p>"))


def unrendered_feedback(course, assignment, student, notebooks, reason, scores):
    """A feedback page for a notebook that was graded but whose page nbgrader could not write: its scores."""
    earned, total = sum(s for s, _ in scores.values()), sum(m for _, m in scores.values())
    rows = "".join(f"<tr><td>{html.escape(test)}</td><td>{score:g} / {most:g}</td></tr>"
                   for test, (score, most) in scores.items())
    _stand_in_pages(course, assignment, student, notebooks, (
        f"<p><b>This notebook was graded, but its feedback page could not be made:</b> "
        f"{html.escape(_sentence(reason))}</p>"
        f"<p>Your total for {html.escape(assignment)} is {earned:g} / {total:g}.</p>"
        f"<table><tr><th>test</th><th>score</th></tr>{rows}</table>"
        f"<p>Run the notebook's self-checks in JupyterLab to see what each test reports.</p>"))


def _sentence(text):
    return text if text.endswith((".", "?", "!")) else text + "."


def _stand_in_pages(course, assignment, student, notebooks, body):
    folder = course / "feedback" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    for name in COLLECTED:
        _copy_small_file(course / "submitted" / student / assignment / name, folder / name)
    for name in notebooks:
        (folder / f"{name}.html").write_text(
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(name)}</title>{PAGE_STYLE}</head>"
            f"<body><h1>{html.escape(assignment)}: {html.escape(name)}.ipynb</h1>{body}</body></html>")


def drop_handed_in_pages(course, assignment, student, notebooks):
    """Remove from the student's feedback folder whatever is named *.html and is not a page of `notebooks`.
    nbgrader copies every file handed in next to the notebooks into feedback/, and `nbgrader release_feedback`
    copies every *.html there as a feedback page: it stops the whole release at one that is a folder. The
    student's originals stay in submitted/."""
    folder = course / "feedback" / student / assignment
    pages = {f"{name}.html" for name in notebooks}
    for path in folder.glob("*.html") if folder.is_dir() else []:
        if path.name in pages and path.is_file() and not path.is_symlink():
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)  # follows no link
        else:
            path.unlink(missing_ok=True)  # a link is removed, not followed


def _copy_small_file(source, destination, limit=COLLECTED_LIMIT):
    """Copy a regular file of at most `limit` bytes; nothing else (a link could name any file on the machine,
    and the destination goes to the student). What is not copied gets a stand-in (releasable)."""
    try:
        fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:  # missing (copied in by hand, not collected), or a link
        return
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):  # not a folder or a pipe, which the student may hand in instead
            data = os.read(fd, limit + 1)
            if len(data) <= limit:
                destination.write_bytes(data)
    except OSError:
        pass
    finally:
        os.close(fd)


def releasable(folder, handed_in):
    """Problems (a list) of making a student's feedback folder one that nbgrader release_feedback can go
    through. It reads the files of COLLECTED next to every page and stops at the first folder where it
    cannot: nobody after that student got feedback. Any that is missing (a submission copied in by hand) or
    not a small text file (a folder, a link, an empty or huge file handed in under its name) is replaced by a
    stand-in; a stand-in secret releases that student's pages under a name no one can derive. handed_in: the
    submission's folder, where a file failure_feedback would not copy is found."""
    if not folder.is_dir():
        return []
    replaced = []
    for name, stand_in in COLLECTED.items():
        path = folder / name
        try:
            found = path.lstat()
        except FileNotFoundError:
            found = None
        if found is not None and _readable_text(path, found):
            continue
        if found is not None or os.path.lexists(handed_in / name):
            replaced.append(name)
        if found is not None:
            shutil.rmtree(path) if stat.S_ISDIR(found.st_mode) else path.unlink()  # rmtree follows no link
        path.write_text(stand_in())
    return [f"its {' and '.join(replaced)} is not a small text file, so nbgrader release_feedback cannot deliver "
            "its feedback (a stand-in lets it go on to the other students)"] if replaced else []


def small_text_file(path):
    """Whether `path` is a regular file (not a link) that release_feedback, and autograde, can read whole."""
    try:
        return _readable_text(path, path.lstat())
    except FileNotFoundError:
        return False


def _readable_text(path, found):
    """Whether release_feedback can read the file: regular, small, UTF-8, not empty (an empty secret fails an
    assertion of nbgrader's)."""
    if not stat.S_ISREG(found.st_mode) or not 0 < found.st_size <= COLLECTED_LIMIT:
        return False
    try:
        path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return True
