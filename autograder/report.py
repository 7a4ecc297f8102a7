"""The instructor's report of a graded assignment: who got what and why, and which checks the class failed.

    ./run python -m autograder.report ASSIGNMENT [--course DIR]

Reads what `./run grade` recorded (reports/<assignment>/outcomes/) and writes, next to it:
scores.png (histogram of total scores), tests.png (pass rate of every test), grades.csv (score and reason
of every student) and report.html (all of it on one page).
"""
import argparse
import csv
import html
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

from autograder.gradebook import assignment_layout, load_config, require_assignment  # noqa: E402
from autograder.outcomes import PENDING, load_outcomes, outcomes_dir  # noqa: E402


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


def plot_scores(outcomes, max_score, path):
    """Histogram of total scores, one bar per point."""
    scores = [o["score"] for o in outcomes.values()]
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


def write_csv(outcomes, path):
    with open(path, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["student", "score", "max_score", "graded", "reason"])
        for s, o in sorted(outcomes.items()):
            out.writerow([s, o["score"], o["max_score"], "no" if o["failed"] else "yes", o["reason"]])


def feedback_links(course, assignment, student, notebooks):
    """Links, from reports/<assignment>/, to the student's feedback page of each of `notebooks` (names). Only
    those: nbgrader copies every other file a student handed in into feedback/, an .html page of theirs too."""
    folder = course / "feedback" / student / assignment
    pages = [f"{n}.html" for n in sorted(notebooks) if (folder / f"{n}.html").is_file()]
    href = f"../../feedback/{quote(student)}/{quote(assignment)}"
    return " ".join(f"<a href='{href}/{quote(p)}'>{html.escape(p[:-5])}</a>" for p in pages) or "none"


def write_html(assignment, outcomes, stats, max_score, links, path):
    """`links`: {student: HTML links to their feedback pages}."""
    e = html.escape
    scores = sorted(o["score"] for o in outcomes.values())
    n, failed = len(scores), sum(o["failed"] for o in outcomes.values())
    median = (scores[(n - 1) // 2] + scores[n // 2]) / 2
    rows = "".join(
        f"<tr class='{'bad' if o['failed'] else 'warn' if o['problems'] else ''}'><td>{e(s)}</td>"
        f"<td class=num>{o['score']:g} / {o['max_score']:g}</td>"
        f"<td>{links[s]}</td><td>{e(o['reason'])}</td></tr>"
        for s, o in sorted(outcomes.items()))
    test_rows = "".join(
        f"<tr><td>{e(gid)}</td><td class=num>{points:g}</td><td class=num>{passed}/{total}</td>"
        f"<td>{e(top) + f' <span class=count>({count})</span>' if top else ''}</td></tr>"
        for gid, points, passed, total, top, count in stats)
    path.write_text(f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{e(assignment)}: grading report</title>
<style>
body {{ font-family: sans-serif; max-width: 60em; margin: 2em auto; color: #222; }}
table {{ border-collapse: collapse; width: 100%; margin-bottom: 2em; }}
td, th {{ border-bottom: 1px solid #ddd; padding: .3em .6em; text-align: left; vertical-align: top; }}
td.num {{ text-align: right; white-space: nowrap; }}
tr.bad {{ background: #fbe3e4; }} tr.warn {{ background: #fff6d9; }}
.count {{ color: #777; }} img {{ max-width: 100%; }}
</style></head><body>
<h1>{e(assignment)}: grading report</h1>
<p>{n} students; mean {sum(scores) / n:.2f}, median {median:g} out of {max_score:g};
{failed} not graded (they score 0; the reason is in the table).</p>
<img src="scores.png" alt="histogram of total scores">
<h2>Tests, most failed first</h2>
<p>The diagnosis is the most frequent hint (or, without one, the most frequent first problem) in the
failing test cells of the graded notebooks.</p>
<table><tr><th>test</th><th>points</th><th>passed</th><th>diagnosis (hints first)</th></tr>{test_rows}</table>
<img src="tests.png" alt="pass rate of each test">
<h2>Grades</h2>
<p>Red: not graded. Yellow: graded, but something went wrong on the way (the reason says what).
Also as <a href="grades.csv">grades.csv</a>.</p>
<table><tr><th>student</th><th>score</th><th>feedback</th><th>reason</th></tr>{rows}</table>
</body></html>
""")


def write_report(course, assignment):
    """Write the report files into reports/<assignment>/; returns the path of report.html."""
    course = Path(course).resolve()
    config = load_config(course, "report")
    require_assignment(course, assignment, "report")
    outcomes = load_outcomes(course, assignment)
    if not outcomes:
        raise SystemExit(f"report: {assignment} has not been graded in {course} yet: run ./run grade {assignment}")
    layout = assignment_layout(config.CourseDirectory.db_url, config.CourseDirectory.course_id, assignment, course)
    max_score = sum(p for cells in layout.values() for _, p in cells)
    stats = pass_rates(outcomes, layout)
    folder = outcomes_dir(course, assignment).parent
    plot_scores(outcomes, max_score, folder / "scores.png")
    plot_tests(stats, folder / "tests.png")
    write_csv(outcomes, folder / "grades.csv")
    links = {s: feedback_links(course, assignment, s, layout) for s in outcomes}
    write_html(assignment, outcomes, stats, max_score, links, folder / "report.html")
    return folder / "report.html"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="./run python -m autograder.report", description=__doc__.splitlines()[0])
    parser.add_argument("assignment")
    parser.add_argument("--course", default=".", help="the nbgrader course directory (default: here)")
    args = parser.parse_args(argv)
    print(write_report(args.course, args.assignment))


if __name__ == "__main__":
    main()
