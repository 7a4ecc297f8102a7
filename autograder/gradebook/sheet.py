"""The class sheet of an assignment, read from the nbgrader gradebook: the one truth of every score.

Every score this course shows or writes (the batch's table, report.html, the CSVs in reports/, the Canvas
and Moodle files) comes from here, so a manual grade given in formgrader, extra credit, or a late penalty
that nbgrader's AssignLatePenalties recorded reaches all of them alike. The total is nbgrader's own rule
(its `nbgrader export`): max(0, raw score - late penalty), 0 for a student of the roster with no submission.

nbgrader is imported only inside the functions that open a gradebook: autograder.batch.grade imports this module
and never imports nbgrader itself.
"""


def class_sheet(db_url, course_id, assignment, course):
    """read_sheet on the course's gradebook, cells in the notebooks' order (autograder.gradebook.layout)."""
    from nbgrader.api import Gradebook

    from autograder.gradebook.layout import assignment_layout

    layout = assignment_layout(db_url, course_id, assignment, course)
    with Gradebook(db_url, course_id) as gb:
        return read_sheet(gb, assignment, layout)


def read_sheet(gb, assignment, layout=None):
    """Plain data (it crosses processes) of one assignment, every student of the gradebook's roster included:

        {"assignment", "duedate" (ISO text or None), "max_score",
         "cells": [(notebook, grade id, max points)],
         "students": {student id: {"first_name", "last_name", "email", "lms_user_id",
                                   "submitted": bool, "timestamp" (ISO text or None), "seconds_late",
                                   "raw_score", "penalty", "score", "max_score",
                                   "cells": {grade id: score, None while it waits for manual grading},
                                   "pending": [grade ids that need manual grading]}}}

    layout: {notebook: [(grade id, points)]} in the order to show; by default the gradebook's."""
    from nbgrader.api import Assignment, BaseCell, Grade, SubmittedAssignment, SubmittedNotebook

    found = gb.find_assignment(assignment)
    if layout is None:
        layout = {nb.name: [(c.name, c.max_score) for c in nb.grade_cells] for nb in found.notebooks}
    cells = [(nb, gid, points) for nb, graded in layout.items() for gid, points in graded]
    max_score = float(found.max_score)
    # Three queries for the whole class (an ORM walk made several per student: 1,000 students, seconds)
    submissions = (gb.db.query(SubmittedAssignment.student_id, SubmittedAssignment.timestamp,
                               SubmittedAssignment.extension, SubmittedAssignment.score,
                               SubmittedAssignment.late_submission_penalty)
                   .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
                   .filter(Assignment.name == assignment).all())
    grades = (gb.db.query(SubmittedAssignment.student_id, BaseCell.name, Grade.score, Grade.needs_manual_grade)
              .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
              .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
              .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
              .join(BaseCell, Grade.cell_id == BaseCell.id)
              .filter(Assignment.name == assignment).all())
    by_student = {}
    for student, gid, score, needs_manual in grades:
        by_student.setdefault(student, []).append((gid, score, needs_manual))

    students = {}
    for s in gb.students:
        students[s.id] = {"first_name": s.first_name or "", "last_name": s.last_name or "", "email": s.email or "",
                          "lms_user_id": s.lms_user_id or "", "submitted": False, "timestamp": None,
                          "seconds_late": 0.0, "raw_score": 0.0, "penalty": 0.0, "score": 0.0,
                          "max_score": max_score, "cells": {}, "pending": []}
    for student, timestamp, extension, raw, penalty in submissions:
        row = students[student]
        due = found.duedate + extension if found.duedate and extension else found.duedate
        late = max(0.0, (timestamp - due).total_seconds()) if timestamp and due else 0.0
        raw, penalty = float(raw or 0), float(penalty or 0)
        row.update(submitted=True, timestamp=timestamp.isoformat(sep=" ") if timestamp else None,
                   seconds_late=late, raw_score=raw, penalty=penalty, score=max(0.0, raw - penalty))
        for gid, score, needs_manual in by_student.get(student, []):
            row["cells"][gid] = None if needs_manual else float(score or 0)  # awaiting a grader: no score yet
            if needs_manual:
                row["pending"].append(gid)
    return {"assignment": assignment, "duedate": found.duedate.isoformat(sep=" ") if found.duedate else None,
            "max_score": max_score, "cells": cells, "students": students}


def status(row):
    """One word for a student's standing on the assignment, as the report and the CSVs name it."""
    if not row["submitted"]:
        return "missing"
    if row["pending"]:
        return "pending manual grading"
    return "late" if row["seconds_late"] > 0 else "graded"


def lateness(seconds):
    """'2h 05m' (or '3d 4h') for a submission that many seconds late; '' when on time."""
    if seconds <= 0:
        return ""
    minutes = int(seconds // 60) or 1
    days, hours, minutes = minutes // 1440, minutes // 60 % 24, minutes % 60
    return f"{days}d {hours}h" if days else f"{hours}h {minutes:02d}m"


def number(value):
    """A score as a CSV shows it: 8, 7.5, 0.333333 (no trailing .0, no binary noise); '' for None."""
    if value is None:
        return ""
    return f"{round(float(value), 6):g}"
