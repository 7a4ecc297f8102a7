"""What of a submission nbgrader may copy into autograded/ and feedback/: nbgrader copies every file handed in
next to the notebooks, twice, and `nbgrader release_feedback` hands out every *.html of a feedback folder.
Whatever would cost the grader more than autograder.core.budget allows, or trip a later step of nbgrader's, stays
in submitted/ only, and the outcome says why.
"""
import fnmatch
import glob
import os

from autograder.core import budget
from autograder.core.submitted import sparse, submission_entries

# Files copied next to the feedback page and into autograded/ (which formgrader serves on the instructor's
# own origin): only kinds no browser runs script from, for a list of those that do is never complete (.xht,
# .xpdl, .xbl were not on it). Data a notebook reads, text, code, pictures.
INERT = (".npy", ".npz", ".csv", ".tsv", ".txt", ".dat", ".json", ".py", ".md", ".png", ".jpg", ".jpeg", ".gif")


def on_disk(info):
    return max(info.st_size, info.st_blocks * 512)


def not_copied(folder, ignore=()):
    """{name: reason} of the entries of a submission folder that nbgrader must not copy. `ignore`: nbgrader's
    CourseDirectory.ignore (what it never copies, notebooks included), so they cost nothing here."""
    refused, total, files, more = {}, 0, 0, 0
    skipped = set()  # folders not copied, with all they hold
    patterns = list(ignore) + ["*.ipynb"]
    for path, kind, where in submission_entries(folder):
        name = os.path.basename(path).decode("utf-8", "backslashreplace")
        shown = path.decode("utf-8", "backslashreplace")
        if any(path.startswith(d + b"/") for d in skipped):
            continue
        if any(fnmatch.fnmatch(name, p) for p in patterns):
            if kind == "dir":
                skipped.add(path)
            continue
        if kind == "dir":
            if b"/" not in path and name.endswith(".html"):
                # release_feedback copies every *.html next to the pages as a page, and stops at a folder
                refused[name] = (f"the folder {shown} was not copied into the feedback: a name ending in .html "
                                 "there is taken for a feedback page (rename the folder to keep it)")
                skipped.add(path)
            continue
        if kind != "file":
            continue  # links and devices are refused before grading (autograder.core.submitted.unsafe_entry)
        info = os.lstat(where)
        if not name.lower().endswith(INERT):
            refused[name] = (f"{shown} was not copied into the feedback: only data, text and picture files are "
                             f"({' '.join(INERT)}); a browser may run what another kind holds")
        elif sparse(info):
            refused[name] = (f"{shown} was not copied: it is a sparse file ({info.st_size:,} bytes long, "
                             f"{info.st_blocks * 512:,} on disk), which a copy would write out in full; the "
                             "notebook cannot open it while graded anyway")
        elif files >= budget.COPIED_FILES:
            more += 1
            refused[name] = None
        elif total + on_disk(info) > budget.COPIED_BYTES:
            refused[name] = (f"{shown} ({info.st_size:,} bytes) was not copied: the files handed in next to the "
                             f"notebooks may take {budget.COPIED_BYTES >> 20} MB in all: hand in only what the "
                             "notebook needs")
        else:
            total += on_disk(info)
            files += 1
    if more:
        refused[f"... {more}"] = (f"{more} more files were not copied: at most {budget.COPIED_FILES} files handed "
                                  "in next to the notebooks are")
    return refused


def ignore_patterns(refused):
    """nbgrader's CourseDirectory.ignore globs for the names of `refused`. nbgrader matches them against the
    name of every file and folder it copies, at any depth: a file of the same name elsewhere stays behind too."""
    return [glob.escape(name) for name in refused if not name.startswith("... ")]


def reasons(refused):
    return [r for r in refused.values() if r]
