"""Written answers, graded by hand in formgrader: what the batch, the feedback and a regrade do with them.

An assignment's written answers are nbgrader "Manually graded answer" cells (markdown, grade and solution).
Autograding cannot score them: nbgrader leaves their score unset and flags them `needs_manual_grade` until a
grader gives points in formgrader (an answer left as released scores 0 at once, "No response."). So:
  - a flagged cell is pending, not failed: manual_states() tells the batch which, for its table, outcome and
    report;
  - a feedback page says which answers await grading (MarkPendingGrades, a GenerateFeedback step), instead of
    nbgrader's "Score: 0.0 / 2.0";
  - after manual grading, `./run grade <assignment> --feedback-only` rewrites the pages whose manual grades
    changed (refresh(), fingerprinted by manual_digest());
  - a regrade (`--force`) keeps the manual grade of every answer whose text is unchanged (kept_grades() before
    nbgrader's autograde, restore_grades() after). nbgrader keeps the manual score and comment itself, but
    flags every manually graded cell `needs_manual_grade` again (SaveAutoGrades), so a whole class's written
    answers would await grading once more. An answer whose text changed stays flagged: its earlier score is
    formgrader's starting point, to be confirmed.
"""
import hashlib
import json

from nbgrader.api import Gradebook, MissingEntry

from autograder.core.records import GRADED, PENDING, UNANSWERED


def _grades(gb, assignment, student):
    """[(notebook name, nbgrader Grade)] of one submission; [] if the gradebook has none."""
    try:
        submission = gb.find_submission(assignment, student)
    except MissingEntry:
        return []
    return [(nb.name, g) for nb in submission.notebooks for g in nb.grades]


def _is_manual(grade):
    """A cell graded by hand: a written answer (markdown). A test cell nbgrader could not score (a student
    hid its code) is flagged for grading too, but it failed, and is reported so."""
    return grade.cell.cell_type == "markdown"


def manual_states(db_url, course_id, assignment, student):
    """{grade_id: PENDING, GRADED or UNANSWERED} of the cells of a submission that are graded by hand."""
    states = {}
    with Gradebook(db_url, course_id) as gb:
        for _, grade in _grades(gb, assignment, student):
            if not _is_manual(grade):
                continue
            if grade.needs_manual_grade:
                states[grade.name] = PENDING
            elif grade.manual_score is None and grade.auto_score == 0 and grade.cell.cell_type == "markdown":
                states[grade.name] = UNANSWERED  # nbgrader's "No response.": the released text, unchanged
            else:
                states[grade.name] = GRADED
    return states


def manual_digest(db_url, course_id, assignment, student):
    """A fingerprint of everything a grader may set in formgrader for one submission (manual scores, extra
    credit, comments, the needs-grading flags); a feedback page written under another is out of date."""
    seen = []
    with Gradebook(db_url, course_id) as gb:
        for notebook, grade in _grades(gb, assignment, student):
            seen.append([notebook, grade.name, grade.manual_score, grade.extra_credit, grade.needs_manual_grade])
        try:
            submission = gb.find_submission(assignment, student)
            seen += [[nb.name, c.name, c.manual_comment] for nb in submission.notebooks for c in nb.comments]
        except MissingEntry:
            pass
    return hashlib.sha256(json.dumps(sorted(seen, key=repr), default=str).encode()).hexdigest()


def _answers(path):
    """{grade_id: source} of the graded answer cells of an autograded notebook; {} if there is none."""
    import nbformat
    try:
        nb = nbformat.read(str(path), as_version=4)
    except (OSError, ValueError):
        return {}
    answers = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader")
        if isinstance(meta, dict) and meta.get("grade") and meta.get("solution") and isinstance(
                meta.get("grade_id"), str):
            answers[meta["grade_id"]] = cell.source
    return answers


def kept_grades(db_url, course_id, course, assignment, student):
    """Before a regrade: {notebook: {grade_id: the answer's text}} of the answers a grader has scored by hand
    and does not need to look at again, as the last autograded notebook holds them."""
    kept = {}
    with Gradebook(db_url, course_id) as gb:
        for notebook, grade in _grades(gb, assignment, student):
            if grade.manual_score is not None and not grade.needs_manual_grade:
                kept.setdefault(notebook, set()).add(grade.name)
    folder = course / "autograded" / student / assignment
    out = {}
    for notebook, names in kept.items():
        answers = _answers(folder / f"{notebook}.ipynb")
        out[notebook] = {gid: answers[gid] for gid in names if gid in answers}
    return out


def restore_grades(db_url, course_id, course, assignment, student, kept):
    """After a regrade: the answers of `kept` (kept_grades()) whose text the new autograded notebook still has
    keep their manual grade as graded (nbgrader flagged them for grading again). Returns their grade ids."""
    folder = course / "autograded" / student / assignment
    unchanged = {(nb, gid) for nb, answers in kept.items() for gid, text in _answers(folder / f"{nb}.ipynb").items()
                 if answers.get(gid) == text}
    if not unchanged:
        return []
    with Gradebook(db_url, course_id) as gb:
        for notebook, grade in _grades(gb, assignment, student):
            if (notebook, grade.name) in unchanged and grade.manual_score is not None:
                grade.needs_manual_grade = False
        gb.db.commit()
    return sorted(gid for _, gid in unchanged)


