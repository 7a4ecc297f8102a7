"""The instructor pipeline on bundled sample submissions: release, autograde, feedback, a grade table.

    ./run demo            (works in build/demo/, a fresh nbgrader course directory each time)
"""
import argparse
import shutil

from autograder.samples import sample_submissions
from autograder.workspace import COURSE_ROOT, Workspace


def grade_table(ws, assignments):
    """Rows of (student, assignment, score, max score)."""
    rows = []
    for a in assignments:
        for student, grades in sorted(ws.scores(a).items()):
            rows.append((student, a, sum(s or 0 for s, _ in grades.values()), sum(m for _, m in grades.values())))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=str(COURSE_ROOT / "build" / "demo"), help="workspace directory")
    args = parser.parse_args(argv)

    assignments = sorted(p.name for p in (COURSE_ROOT / "source").iterdir() if p.is_dir())
    shutil.rmtree(args.dir, ignore_errors=True)
    ws = Workspace.create(args.dir, assignments)
    for a in assignments:
        print(f"release   {a}: {', '.join(p.name for p in ws.generate(a).glob('*.ipynb'))}")
        for student, notebooks in sample_submissions(ws, a).items():
            ws.submit(student, a, notebooks)
        print(f"autograde {a}: {len(list((ws.root / 'submitted').glob(f'*/{a}')))} submissions")
        ws.autograde(a)
        ws.nbgrader("generate_feedback", a, "--force")
    ws.nbgrader("export", "--to", str(ws.root / "grades.csv"))

    print(f"\n{'student':<12}{'assignment':<16}{'score':>8}")
    for student, a, score, max_score in grade_table(ws, assignments):
        print(f"{student:<12}{a:<16}{score:>5g}/{max_score:g}")
    print(f"\nfeedback: {ws.root / 'feedback'}\ngrades:   {ws.root / 'grades.csv'}")


if __name__ == "__main__":
    main()
