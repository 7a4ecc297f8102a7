"""What is in a student's submission folder (submitted/<student>/<assignment>/), read without trusting it:
its entries (never following a link), whether nbgrader may be handed it, and its fingerprint.
"""
import hashlib
import os

from autograder.core import budget


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
        try:
            path.decode("utf-8")
        except UnicodeDecodeError:
            return f"the file name {shown} is not valid UTF-8: rename the file and hand in again"
    return None


def fingerprint(folder):
    """A hash of a submission: a resubmission has a new one and is graded again. Each path, kind and content
    (a link's target) enters with its length, so no two different submissions run together into the same
    bytes; a file that cannot be read counts as "?unreadable" (the worker then says why it cannot grade).
    It is taken on every run, so it reads the notebooks that can be graded and at most budget.HASHED_BYTES of
    the other files: a sparse file, and every file past that much, enter by length and modification time, which
    a new copy of a file changes (neither is copied: autograder.batch.copied)."""
    h, left = hashlib.sha256(), budget.HASHED_BYTES

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
                    info = os.fstat(f.fileno())
                    h.update(info.st_size.to_bytes(8, "big"))
                    graded = path.endswith(b".ipynb") and info.st_size <= budget.NOTEBOOK_BYTES
                    if not graded and (info.st_size > left or sparse(info)):
                        add(b"?unread" + info.st_mtime_ns.to_bytes(16, "big"))
                        continue
                    left -= 0 if graded else info.st_size
                    while chunk := f.read(1 << 20):
                        h.update(chunk)
            except OSError:
                add(b"?unreadable")
    return h.hexdigest()[:16]


def sparse(info):
    """Whether a file is much longer than what it takes on disk: copying it writes every byte of its length."""
    return info.st_size > info.st_blocks * 512 + budget.SPARSE_SLACK
