"""What the report shows, as plain rows: each student of the roster with the gradebook's scores (from
autograder.gradebook.sheet) and what grading recorded about them (reasons and diagnoses, from the outcome files), and
which students made each known mistake."""
from autograder.batch.grade import standing
from autograder.gradebook.sheet import lateness, status


def student_rows(sheet, outcomes, layout):
    """One row per student of the roster or with an outcome, sorted by id:
    {"student", "name", "email", "status", "score", "max_score", "raw_score", "penalty", "seconds_late",
     "late", "timestamp", "cells": {grade id: score, None pending, absent when not submitted}, "reason",
     "outcome": the outcome with the gradebook's scores, or None}."""
    rows = []
    for student in sorted(set(sheet["students"]) | set(outcomes)):
        row = sheet["students"].get(student) or _not_in_gradebook(sheet)
        outcome = standing(outcomes[student], row, layout) if student in outcomes else None
        if outcome is not None and outcome["failed"]:
            state = "not graded"
        else:
            state = status(row)
        reason = outcome["reason"] if outcome else ("no submission" if not row["submitted"] else
                                                   "graded by nbgrader autograde, not ./run grade")
        name = ", ".join(p for p in (row["last_name"], row["first_name"]) if p)
        rows.append({"student": student, "name": name, "last_name": row["last_name"],
                     "first_name": row["first_name"], "email": row["email"], "status": state,
                     "score": row["score"], "max_score": row["max_score"], "raw_score": row["raw_score"],
                     "penalty": row["penalty"], "seconds_late": row["seconds_late"],
                     "late": lateness(row["seconds_late"]), "timestamp": row["timestamp"] or "",
                     "cells": dict(row["cells"]), "pending": list(row["pending"]), "reason": reason,
                     "outcome": outcome})
    return rows


def _not_in_gradebook(sheet):
    """A student with an outcome whose grading never reached the gradebook."""
    return {"first_name": "", "last_name": "", "email": "", "submitted": False, "timestamp": None,
            "seconds_late": 0.0, "raw_score": 0.0, "penalty": 0.0, "score": 0.0, "max_score": sheet["max_score"],
            "cells": {}, "pending": []}


def known_mistakes(rows, cells):
    """[(grade id, hint, [students])]: for each test, every known mistake ("Hint: ...", the grader's diagnosis
    of a failing test cell) and the students whose cell shows it and still scores below full marks in the
    gradebook; most common first."""
    found = {}
    for row in rows:
        outcome = row["outcome"]
        if outcome is None or outcome["failed"]:
            continue
        for _, gid, points in cells:
            hint = outcome.get("diagnoses", {}).get(gid, "")
            score = row["cells"].get(gid)
            if hint.startswith("Hint:") and score is not None and score < points:
                found.setdefault((gid, hint), []).append(row["student"])
    order = {gid: i for i, (_, gid, _) in enumerate(cells)}
    return sorted(((gid, hint, who) for (gid, hint), who in found.items()),
                  key=lambda m: (-len(m[2]), order[m[0]], m[1]))


def summary(rows):
    """Counts of the class by status, and the mean and median of the submitted students' scores."""
    counts = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    scores = sorted(r["score"] for r in rows if r["status"] != "missing")
    n = len(scores)
    median = (scores[(n - 1) // 2] + scores[n // 2]) / 2 if n else 0.0
    return {"students": len(rows), "submitted": n, "counts": counts, "late": sum(r["seconds_late"] > 0 for r in rows),
            "mean": sum(scores) / n if n else 0.0, "median": median}
