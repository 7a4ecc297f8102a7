"""Grade your own notebooks as the course grades a class: hidden checks included, your code in the sandbox.

    ./run check [ASSIGNMENT ...] [--work DIR]

For self-learners. Each assignment's notebooks in work/<assignment>/ (the copies `./run lab` makes; or
DIR/<assignment>/) are handed in to a scratch nbgrader course, build/check/ (replaced on every run, except
the feedback pages of the assignments not checked this time), and
graded by `./run grade`'s pipeline. It prints every test's points, the first hint of each failed one, and
where the feedback page is. Without arguments it checks every assignment found there.
"""
import argparse
import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

from autograder.batch.grade import grade
from autograder.batch.pool import GradingStopped, in_server, worker_context
from autograder.commands.workspace import Workspace
from autograder.core.paths import COURSE_ROOT
from autograder.core.records import PENDING

WORK = COURSE_ROOT / "work"
CHECK_DIR = COURSE_ROOT / "build" / "check"
STUDENT = "you"


def hand_in(ws, assignment, folder):
    """Copy the notebooks of `folder` as STUDENT's submission (missing or renamed ones: the grader says so)."""
    submitted = ws.root / "submitted" / STUDENT / assignment
    submitted.mkdir(parents=True)
    for notebook in folder.glob("*.ipynb"):
        shutil.copy(notebook, submitted)


def report(assignment, outcome, layout, feedback):
    """Lines for the student: the total and reason, each test's points and hint, the feedback page."""
    lines = [f"{assignment}: {outcome['score']:g}/{outcome['max_score']:g}, {outcome['reason']}"]
    for cells in layout.values():
        for test, max_score in cells:
            if outcome.get("manual", {}).get(test) == PENDING:  # a written answer: only a person can score it
                lines.append(f"  {'wait':<4} {test:<32}{'-':>4}/{max_score:g}    a written answer, graded by hand "
                             f"(the model answer is in source/{assignment}/)")
                continue
            score = outcome["scores"].get(test, (0, max_score))[0]
            hint = outcome["diagnoses"].get(test, "") if score < max_score else ""
            line = f"  {'ok  ' if score >= max_score else 'FAIL'} {test:<32}{score:>4g}/{max_score:g}"
            lines.append(f"{line:<48}  {hint}" if hint else line)
    pages = sorted(feedback.glob("*.html"))
    lines += [f"  feedback: {page}" for page in pages]
    return lines


@contextmanager
def _feedback_kept(assignments):
    """Keep the feedback pages of `assignments` across the rebuild of CHECK_DIR: `./run check rnn_forward`
    deleted the pages of every other assignment checked before."""
    keep = CHECK_DIR.parent / "check-feedback-kept"
    shutil.rmtree(keep, ignore_errors=True)  # left by a run that was stopped in between: its pages are older
    kept = [a for a in sorted(assignments) if (CHECK_DIR / "feedback" / STUDENT / a).is_dir()]
    for a in kept:
        (keep / a).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(CHECK_DIR / "feedback" / STUDENT / a, keep / a)
    try:
        yield
    finally:
        for a in kept:
            (CHECK_DIR / "feedback" / STUDENT).mkdir(parents=True, exist_ok=True)
            shutil.move(keep / a, CHECK_DIR / "feedback" / STUDENT / a)
        shutil.rmtree(keep, ignore_errors=True)


def main(argv=None):
    released = sorted(p.name for p in (COURSE_ROOT / "release").iterdir() if p.is_dir())
    parser = argparse.ArgumentParser(prog="./run check", description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="*", default=[], metavar="ASSIGNMENT",
                        help=f"one or more of {', '.join(released)} (default: every one in work/)")
    parser.add_argument("--work", type=Path, default=WORK,
                        help="the folder holding one folder per assignment (default: work/, made by ./run lab)")
    args = parser.parse_args(argv)
    work = args.work.resolve()
    unknown = [a for a in args.assignments if a not in released]
    if unknown:
        sys.exit(f"check: no assignment called {', '.join(unknown)}; the assignments are {', '.join(released)}")
    if work == CHECK_DIR or CHECK_DIR in work.parents:
        sys.exit(f"check: {work} is inside {CHECK_DIR}, which every check replaces; keep your notebooks elsewhere")
    chosen = args.assignments or [a for a in released if (work / a).is_dir()]
    missing = [a for a in chosen if not (work / a).is_dir()]
    if not chosen or missing:
        where = f"{work / missing[0]} does not exist" if missing else \
            f"{work} holds none of the folders {', '.join(released)}"
        if work != WORK:
            sys.exit(f"check: {where}. --work takes the folder that holds one folder per assignment, named as "
                     "the assignment: DIR/rnn_forward/rnn_forward.ipynb is checked with --work DIR")
        sys.exit(f"check: {where}. `./run lab` makes your copies of the notebooks in work/: answer them, save, "
                 "and check again")

    with _feedback_kept(set(released) - set(chosen)):
        shutil.rmtree(CHECK_DIR, ignore_errors=True)
        ws = Workspace.create(CHECK_DIR, chosen)
    os.environ["RNN_COURSE_DB_URL"] = ws.db_url  # build/check's own gradebook, whatever the shell has set
    for assignment in chosen:
        print(f"checking {work / assignment} ...", flush=True)
        ws.generate(assignment)
        hand_in(ws, assignment, work / assignment)
        try:
            with open(os.devnull, "w") as quiet:  # one student: the class's progress line says nothing new
                outcome = grade(ws.root, assignment, workers=1, progress_stream=quiet)[STUDENT]
        except GradingStopped as stop:  # the grader's fault (no sandbox here, say), not your notebook's
            sys.exit(f"check: the grader cannot grade on this machine: {stop}")
        layout = in_server(worker_context(), "autograder.gradebook.config.batch_settings", ws.root,
                                 assignment)["layout"]
        print("\n".join(report(assignment, outcome, layout, ws.root / "feedback" / STUDENT / assignment)) + "\n")


if __name__ == "__main__":
    main()
