"""The instructor's report of a graded assignment: who got what and why, and which checks the class failed.

    ./run python -m autograder.report.write ASSIGNMENT [--course DIR]

Every score comes from the nbgrader gradebook (autograder.gradebook.sheet), so manual grades, extra credit and late
penalties given after ./run grade show as soon as the report is written again; what grading recorded about
each student (the reason, the hints) comes from reports/<assignment>/outcomes/. Writes, in the course
directory, grades.csv (nbgrader export's, the whole gradebook), and next to the outcomes: cell-scores.csv
(one row per student of the roster, one column per graded cell), scores.png (histogram of total scores),
tests.png (pass rate of every test) and report.html (all of it on one page, sortable and filterable).
"""
import argparse
from collections import Counter
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

from autograder.batch.outcomes import load_outcomes, outcomes_dir  # noqa: E402
from autograder.core.records import PENDING  # noqa: E402
from autograder.gradebook.config import load_config
from autograder.gradebook.layout import require_assignment
from autograder.gradebook.scores import export_csv  # noqa: E402
from autograder.gradebook.sheet import class_sheet  # noqa: E402
from autograder.report.cell_scores import write_cell_scores  # noqa: E402
from autograder.report.page import feedback_links, render  # noqa: E402
from autograder.report.rows import known_mistakes, student_rows, summary  # noqa: E402


def pass_rates(outcomes, layout):
    """[(grade_id, points, students passed, students graded on it, most frequent diagnosis or None, "k of n"
    diagnosed failures that have it)],
    the test the class failed most first. A student who could not be graded failed every test. A written
    answer that awaits manual grading has neither passed nor failed: it is left out of its cell's counts, and
    the diagnosis says how many await grading."""
    stats = []
    for cells in layout.values():
        for gid, points in cells:
            graded = [o for o in outcomes.values() if o.get("manual", {}).get(gid) != PENDING]
            passed = sum(1 for o in graded if _passed(o, gid))
            failing = [o["diagnoses"][gid] for o in graded
                       if not _passed(o, gid) and not o["failed"] and gid in o.get("diagnoses", {})]
            hints = Counter(d for d in failing if d.startswith("Hint:")) or Counter(failing)
            top, count = hints.most_common(1)[0] if hints else (None, 0)
            waiting = len(outcomes) - len(graded)
            if waiting and top is None:
                top, count, failing = "awaiting manual grading", waiting, outcomes
            stats.append((gid, points, passed, len(graded), top, f"{count} of {len(failing)}"))
    return sorted(stats, key=lambda s: (s[2] / s[3] if s[3] else 1.0, s[0]))


def _passed(outcome, gid):
    score, max_score = outcome["scores"].get(gid, (0, 1))
    return not outcome["failed"] and score >= max_score


def plot_scores(scores, max_score, path):
    """Histogram of total scores, one bar per point."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6), dpi=100)
    bins = [b - 0.5 for b in range(int(max_score) + 2)]
    ax.hist(scores, bins=bins, color="#4c72b0", edgecolor="white")
    mean = sum(scores) / len(scores)
    ax.axvline(mean, color="#c44e52", linestyle="--")
    ax.set(xlabel=f"total score (out of {max_score:g})", ylabel="students", xlim=(-0.5, max_score + 0.5),
           title=f"Total scores of {len(scores)} students (dashed: the mean, {mean:.1f})")
    ax.yaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_tests(stats, path):
    """Horizontal bars: the share of students who passed each test, the most failed test on top."""
    fig, ax = plt.subplots(figsize=(6.4, 0.9 + 0.5 * len(stats)), dpi=100)
    names = [s[0] for s in stats][::-1]
    rates = [100 * s[2] / max(s[3], 1) for s in stats][::-1]
    colours = ["#c44e52" if r < 50 else "#dd8452" if r < 80 else "#55a868" for r in rates]
    bars = ax.barh(names, rates, color=colours)
    for bar, s in zip(bars, stats[::-1]):
        label = f"{s[2]}/{s[3]}" if s[3] else "awaiting manual grading"  # no answer graded yet: not a failure
        ax.text(min(bar.get_width() + 1, 88 if s[3] else 1), bar.get_y() + bar.get_height() / 2, label, va="center")
    ax.set(xlim=(0, 100), xlabel="students who passed (%): red under 50, orange under 80, green 80 or more",
           title="Pass rate of each test")
    fig.tight_layout()
    fig.savefig(path, bbox_inches="tight")  # a long axis label centred under the bars passed the right edge
    plt.close(fig)


def write_report(course, assignment):
    """Write grades.csv and the report files into reports/<assignment>/; returns the path of report.html."""
    course = Path(course).resolve()
    config = load_config(course, "report")
    require_assignment(course, assignment, "report")
    db_url, course_id = config.CourseDirectory.db_url, config.CourseDirectory.course_id
    sheet = class_sheet(db_url, course_id, assignment, course)
    outcomes = load_outcomes(course, assignment)
    if not outcomes and not any(r["submitted"] for r in sheet["students"].values()):
        raise SystemExit(f"report: {assignment} has not been graded in {course} yet: run ./run grade {assignment}")
    layout = {}
    for notebook, gid, points in sheet["cells"]:
        layout.setdefault(notebook, []).append((gid, points))
    rows = student_rows(sheet, outcomes, layout)
    graded = {r["student"]: r["outcome"] for r in rows if r["outcome"] is not None}
    stats = pass_rates(graded, layout)
    folder = outcomes_dir(course, assignment).parent
    folder.mkdir(parents=True, exist_ok=True)
    plot_scores([r["score"] for r in rows if r["status"] != "missing"], sheet["max_score"], folder / "scores.png")
    plot_tests(stats, folder / "tests.png")
    export_csv(db_url, course_id, course / "grades.csv")  # the one grades.csv, from the same gradebook
    write_cell_scores(rows, sheet["cells"], folder / "cell-scores.csv")
    (folder / "grades.csv").unlink(missing_ok=True)  # what earlier versions wrote here, from the outcome files
    links = {r["student"]: feedback_links(course, assignment, r["student"], layout) for r in rows}
    page = folder / "report.html"
    page.write_text(render(assignment, sheet, rows, stats, known_mistakes(rows, sheet["cells"]), summary(rows),
                           links))
    return page


def main(argv=None):
    parser = argparse.ArgumentParser(prog="./run python -m autograder.report.write",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("assignment")
    parser.add_argument("--course", default=".", help="the nbgrader course directory (default: here)")
    args = parser.parse_args(argv)
    print(write_report(args.course, args.assignment))


if __name__ == "__main__":
    main()
