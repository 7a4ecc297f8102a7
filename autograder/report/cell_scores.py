"""The per-test CSV of an assignment (reports/<assignment>/cell-scores.csv): one row per student of the
roster, one column per graded cell (test cells and manually graded answers), every score the gradebook's.

A cell is empty when it waits for manual grading or the student handed nothing in (status says which);
score is nbgrader's total, raw_score minus late_submission_penalty (at least 0), the same number as in
grades.csv (`nbgrader export`) and the Canvas and Moodle files.
"""
import csv
import os

from autograder.gradebook.sheet import number

COLUMNS = ["student_id", "last_name", "first_name", "email", "status", "timestamp", "seconds_late", "raw_score",
           "late_submission_penalty", "score", "max_score"]


def write_cell_scores(rows, cells, path):
    """rows: autograder.report.rows.student_rows; cells: [(notebook, grade id, points)]."""
    writing = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # a reader never sees half a file
    with open(writing, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(COLUMNS + [gid for _, gid, _ in cells] + ["reason"])
        for r in rows:
            out.writerow([r["student"], r["last_name"], r["first_name"], r["email"], r["status"], r["timestamp"],
                          f"{r['seconds_late']:.0f}", number(r["raw_score"]), number(r["penalty"]),
                          number(r["score"]), number(r["max_score"])]
                         + [number(r["cells"].get(gid)) for _, gid, _ in cells] + [r["reason"]])
    os.replace(writing, path)
