"""The feedback folder as nbgrader release_feedback needs it: a page for a notebook nbgrader wrote none for (from a
template, escaped), the collection's files next to each page, and nothing handed in that would stop the release."""
import datetime
import os
import secrets
import shutil
import stat
from pathlib import Path

import jinja2

# What `nbgrader collect` puts next to a submission and `nbgrader release_feedback` reads next to each page
# (it stops at the first folder without them, and releases nobody's feedback after it).
# {name: a stand-in for it}
COLLECTED = {"timestamp.txt": lambda: datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f %Z"),
             "submission_secret.txt": lambda: secrets.token_hex(64)}  # as nbgrader submit makes one


COLLECTED_LIMIT = 65536  # bytes; nbgrader writes a timestamp and a 128-character secret


PAGE = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                          autoescape=True).get_template("stand_in_page.html")


def failure_feedback(course, assignment, student, notebooks, reason, scores):
    """A feedback page for a notebook nbgrader could not grade (nbgrader writes none for it), next to the
    collection's files, as nbgrader leaves them next to the pages it writes."""
    _stand_in_pages(course, assignment, student, notebooks, reason, scores, None)


def unrendered_feedback(course, assignment, student, notebooks, reason, scores):
    """A feedback page for a notebook that was graded but whose page nbgrader could not write: its scores."""
    _stand_in_pages(course, assignment, student, notebooks, reason, scores,
                    [(test, f"{score:g}", f"{most:g}") for test, (score, most) in scores.items()])


def _stand_in_pages(course, assignment, student, notebooks, reason, scores, rows):
    folder = course / "feedback" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    for name in COLLECTED:
        _copy_small_file(course / "submitted" / student / assignment / name, folder / name)
    earned, total = sum(s for s, _ in scores.values()), sum(m for _, m in scores.values())
    reason = reason if reason.endswith((".", "?", "!")) else reason + "."
    for name in notebooks:
        (folder / f"{name}.html").write_text(PAGE.render(
            notebook=name, assignment=assignment, reason=reason, earned=f"{earned:g}", total=f"{total:g}", scores=rows))


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
