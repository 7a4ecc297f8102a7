"""Whether every slice of a class split over K machines (or Slurm array tasks) has been graded.

    ./run python -m autograder.commands.slices ASSIGNMENT --slices K [--course DIR]

One line per slice: its students, how many are graded, and those who are not yet (no outcome, an outcome
of a grading that did not finish, or a submission changed since it was graded). Exits 1 when a student is
left, so that a job chained after the grading (slurm/report.sbatch) writes no report of half a class.
Reads files only (submitted/ and the outcomes), no gradebook.
"""
import argparse
import sys
from pathlib import Path

from autograder.batch.outcomes import load_outcomes
from autograder.batch.plan import in_slice
from autograder.batch.progress import counted, printable
from autograder.core.submitted import fingerprint


def not_graded(course, assignment, students, outcomes):
    """The students of `students` whose grading is not done."""
    left = []
    for student in students:
        outcome = outcomes.get(student)
        if (outcome is None or outcome.get("retry") or outcome.get("regrade") or outcome.get("fingerprint")
                != fingerprint(course / "submitted" / student / assignment)):
            left.append(student)
    return left


def main(argv=None):
    parser = argparse.ArgumentParser(prog="./run python -m autograder.commands.slices",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("assignment")
    parser.add_argument("--slices", type=int, required=True, metavar="K", help="the number of slices")
    parser.add_argument("--course", default=".", help="the nbgrader course directory (default: here)")
    parser.add_argument("--resubmit", metavar="COMMAND", help="how to grade a slice again, {task} standing for its "
                        "number (default: ./run grade ASSIGNMENT --slice {task}/K)")
    args = parser.parse_args(argv)
    if args.slices < 1:
        parser.error("--slices must be at least 1")
    course = Path(args.course).resolve()
    students = sorted(p.parent.name for p in (course / "submitted").glob(f"*/{args.assignment}") if p.is_dir())
    if not students:
        sys.exit(f"slices: no student has handed in {args.assignment} in {course / 'submitted'}")
    outcomes = load_outcomes(course, args.assignment)
    again = args.resubmit or f"./run grade {args.assignment} --slice {{task}}/{args.slices}"
    incomplete = 0
    for part in range(1, args.slices + 1):
        mine = [s for s in students if in_slice(s, part, args.slices)]
        left = not_graded(course, args.assignment, mine, outcomes)
        line = f"slice {part}/{args.slices}: {counted(len(mine), 'student')}, {len(mine) - len(left)} graded"
        if left:
            incomplete += 1
            shown = ", ".join(printable(s) for s in left[:5]) + (", ..." if len(left) > 5 else "")
            line += f", {len(left)} not yet ({shown}): grade them with {again.format(task=part)}"
        print(line)
    if incomplete:
        sys.exit(f"slices: {counted(incomplete, 'slice')} of {args.assignment} not graded whole; no report written")


if __name__ == "__main__":
    main()
