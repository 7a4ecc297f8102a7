"""The instructor pipeline on bundled sample submissions: release, hand in, grade the class, report.

    ./run demo [--students alice,bob,...] [--workers N]

Works in build/demo/, a fresh nbgrader course directory each time. Every assignment is released, a
sample class hands it in (correct, partly wrong, untouched, broken and hostile notebooks: see
autograder/samples.py), and `./run grade` grades it; the demo prints each grade table and the report.
"""
import argparse
import os
import shutil

from autograder import batch
from autograder.report import write_report
from autograder.samples import STUDENTS, sample_submissions
from autograder.workspace import COURSE_ROOT, Workspace


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=str(COURSE_ROOT / "build" / "demo"), help="workspace directory")
    parser.add_argument("--students", default=",".join(STUDENTS),
                        help=f"sample students, comma-separated (default: all of {', '.join(STUDENTS)})")
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="students graded at once")
    parser.add_argument("--timeout", type=int, default=20,
                        help="seconds per cell (the never-ending cell waits this long)")
    args = parser.parse_args(argv)
    students = args.students.split(",")

    assignments = sorted(p.name for p in (COURSE_ROOT / "source").iterdir() if p.is_dir())
    shutil.rmtree(args.dir, ignore_errors=True)
    ws = Workspace.create(args.dir, assignments)
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
