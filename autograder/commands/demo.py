"""The instructor pipeline on bundled sample submissions: release, hand in, grade the class, report.

    ./run demo [--students alice,bob,...] [--workers N]

Works in build/demo/ (or --dir), a fresh nbgrader course directory each time: a directory the demo made
is replaced, any other that is not empty is left alone. Every assignment is released, a
sample class hands it in (correct, partly wrong, untouched, broken and hostile notebooks: see
autograder/commands/samples.py), and `./run grade` grades it; the demo prints each grade table and the report.
"""
import argparse
import os
import shutil
import sys
from pathlib import Path

from autograder.batch import grade as batch
from autograder.batch.cpus import usable_cpus
from autograder.commands.samples import STUDENTS, sample_submissions
from autograder.commands.workspace import Workspace
from autograder.core.paths import COURSE_ROOT
from autograder.core.paths import assignments as course_assignments
from autograder.key.assignments import ORDER
from autograder.report.write import write_report

DEFAULT_DIR = COURSE_ROOT / "build" / "demo"
MARKER = ".made-by-rnn-course-demo"  # besides DEFAULT_DIR, only a directory holding it is ever deleted


def fresh_directory(path):
    """`path`, emptied for a new demo; exits, deleting nothing, if it holds anything the demo did not make."""
    path = Path(path)
    ours = path.resolve() == DEFAULT_DIR or (path / MARKER).exists()
    if path.exists() and not ours and (not path.is_dir() or any(path.iterdir())):
        sys.exit(f"demo: {path} is not empty and was not made by the demo, so nothing was deleted. "
                 "Choose another --dir, or empty it yourself.")
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    (path / MARKER).write_text("./run demo made this directory and replaces it on every run\n")
    print(f"demo course directory: {path} (replaced on every run)")
    return path




def main(argv=None):
    parser = argparse.ArgumentParser(prog="./run demo", description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=str(DEFAULT_DIR), help="workspace directory")
    parser.add_argument("--students", default=",".join(STUDENTS),
                        help=f"sample students, comma-separated (default: all of {', '.join(STUDENTS)})")
    parser.add_argument("--workers", type=int, default=usable_cpus(),
                        help="students graded at once (default: the CPUs this process may use)")
    parser.add_argument("--timeout", type=int, default=20,
                        help="seconds per cell (the never-ending cell waits this long)")
    args = parser.parse_args(argv)
    students = args.students.split(",")

    found = course_assignments()
    assignments = [a for a in ORDER if a in found] + [a for a in found if a not in ORDER]
    ws = Workspace.create(fresh_directory(args.dir), assignments)
    os.environ["RNN_COURSE_DB_URL"] = ws.db_url  # the demo's own gradebook, whatever the shell has set
    print("sample class:", ", ".join(f"{s} ({STUDENTS[s]})" for s in students))
    reports = {}
    for a in assignments:
        print(f"\nrelease {a}: {', '.join(p.name for p in ws.generate(a).glob('*.ipynb'))}")
        for student, notebooks in sample_submissions(ws, a, students).items():
            ws.submit(student, a, notebooks)
        outcomes = batch.grade(ws.root, a, workers=args.workers, timeout=args.timeout)
        print(f"\n{a}\n" + batch.grade_table(outcomes))
        reports[a] = write_report(ws.root, a)

    print(f"\nfeedback: {ws.root / 'feedback'}/<student>/<assignment>/\ngrades:   {ws.root / 'grades.csv'}")
    for page in reports.values():
        print(f"report:   {page}")


if __name__ == "__main__":
    main()
