"""./run grade ASSIGNMENT: grade every submission of an assignment, then write the report and grades.csv."""
import argparse
import os
import signal
import sys
from pathlib import Path

from autograder.batch.cpus import usable_cpus
from autograder.batch.grade import grade, grade_table, refresh_feedback
from autograder.batch.plan import slice_of
from autograder.batch.pool import GradingStopped
from autograder.core.limits import LEAST_PROCESS_MEMORY_MB, PROCESS_MEMORY_MB


def main(argv=None):
    parser = argparse.ArgumentParser(prog="./run grade", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assignment")
    parser.add_argument("students", nargs="*", default=[],  # a default: argparse then calls them optional
                        help="grade only these students (default: all in submitted/)")
    parser.add_argument("--workers", type=int, default=usable_cpus(),
                        help="students graded at once (default: the CPUs this process may use, after its CPU "
                        "affinity and its cgroup's CPU quota)")
    parser.add_argument("--force", "--regrade", action="store_true", help="regrade students already graded (a "
                        "notebook whose same code the same grading code graded before keeps its verdicts)")
    parser.add_argument("--redraw", action="store_true", help="regrade on freshly drawn hidden cases, even the "
                        "notebooks --force would replay (after stops the machine's load caused); implies --force")
    parser.add_argument("--new-grading-code", action="store_true", help="grade with this machine's grading code "
                        "although the assignment is graded with other code (a change made on purpose): it becomes the "
                        "code every machine must have; students graded before keep their grades until --force")
    parser.add_argument("--timeout", type=int,
                        help="seconds one cell may run (default: Execute.timeout of nbgrader_config.py)")
    parser.add_argument("--memory-mb", type=int, default=PROCESS_MEMORY_MB,
                        help="address-space cap of each grading process and each process it starts "
                        f"(default: {PROCESS_MEMORY_MB}; 0: none)")
    parser.add_argument("--student-timeout", type=int,
                        help="seconds one student may take before the worker is killed (default: 120 s plus the "
                        "per-cell limit for every cell, four times over)")
    parser.add_argument("--slice", metavar="I/K", type=slice_of,
                        help="grade only slice I of K (1 <= I <= K), for K machines sharing one class; each "
                        "student is in exactly one slice")
    parser.add_argument("--course", default=".", help="the nbgrader course directory (default: here)")
    parser.add_argument("--no-report", action="store_true", help="skip the HTML/PNG report")
    parser.add_argument("--feedback-only", action="store_true", help="grade nobody: after manual grading in "
                        "formgrader, rewrite the feedback of the students whose manual grades changed (with "
                        "--force: of every student), then the grade table, grades.csv and the report")
    args = parser.parse_intermixed_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.timeout is not None and args.timeout < 1:
        parser.error("--timeout must be at least 1 (seconds one cell may run)")
    if args.student_timeout is not None and args.student_timeout < 1:
        parser.error("--student-timeout must be at least 1 (seconds one student may take)")
    if args.memory_mb != 0 and args.memory_mb < LEAST_PROCESS_MEMORY_MB:
        parser.error(f"--memory-mb must be 0 (no cap) or at least {LEAST_PROCESS_MEMORY_MB}")
    args.students = [s.rstrip("/") for s in args.students]  # a shell's completion of submitted/<student>/
    args.assignment = args.assignment.rstrip("/")

    signal.signal(signal.SIGTERM, terminated)
    again = "run the same command again (--force is not needed) to grade the students left"
    try:
        if args.feedback_only:
            outcomes = refresh_feedback(args.course, args.assignment, args.students, everyone=args.force)
        else:
            outcomes = grade(args.course, args.assignment, args.students, args.workers, args.force, args.timeout,
                             args.memory_mb, args.student_timeout, part=args.slice, redraw=args.redraw,
                             new_grading_code=args.new_grading_code)
    except GradingStopped as stop:
        sys.exit(f"\ngrade: grading stopped, because the grader cannot grade correctly: {stop}\n"
                 f"No student was scored for this; students graded before it are kept. Fix it and {again}.")
    except KeyboardInterrupt as stop:
        how = "stopped (SIGTERM)" if isinstance(stop, Terminated) else "interrupted"
        print(f"\ngrade: {how}. Students graded so far are kept; {again}.", file=sys.stderr)
        sys.exit(143 if isinstance(stop, Terminated) else 130)
    report_on(args, outcomes)


class Terminated(KeyboardInterrupt):
    """SIGTERM (Slurm's scancel or time limit, a pod's end, `kill`): the batch stops as on Ctrl-C, its workers
    killed and every outcome written kept, so that a resubmitted run grades only the students left."""


def terminated(signum, frame):
    raise Terminated


def report_on(args, outcomes):
    """Print the grade table and where feedback, grades and report are; write the report."""
    print("\n" + grade_table(outcomes))
    course = Path(args.course).resolve()
    print(f"\nfeedback: {course / 'feedback'}/<student>/{args.assignment}/\ngrades:   {course / 'grades.csv'}")
    if not args.no_report:
        from autograder.report.write import write_report
        page = write_report(course, args.assignment)
        print(f"report:   {page}")


if __name__ == "__main__":
    main()
    # Everything is written and closed; skip tearing down nbgrader's module graph (0.4 s of CPU).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
