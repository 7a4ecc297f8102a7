"""Scores in the gradebook: a zero for what could not be graded, a student's scores, who is graded, the CSV export."""
from nbgrader.api import Gradebook

from autograder.gradebook.engines import serialize_sqlite_writes


def zero_submission(db_url, course_id, assignment, student, notebooks):
    """Score zero on every test of `notebooks` (creating the submission if needed), as nbgrader itself
    does for a missing notebook; without this a failed regrade would leave the previous run's scores."""
    with Gradebook(db_url, course_id) as gb:
        gb.update_or_create_student(student)
        submission = gb.update_or_create_submission(assignment, student)
        for nb in submission.notebooks:
            if nb.name in notebooks:
                for grade in nb.grades:
                    grade.auto_score, grade.needs_manual_grade = 0, False
        gb.db.commit()


def zero_lost_submission(db_url, course_id, assignment, student, notebooks):
    """Zero on every test of a student whose worker died before it recorded anything; the scores."""
    serialize_sqlite_writes()
    zero_submission(db_url, course_id, assignment, student, notebooks)
    return gradebook_scores(db_url, course_id, assignment, student)


def gradebook_scores(db_url, course_id, assignment, student):
    """{grade_id: (score, max score)} of one submission."""
    with Gradebook(db_url, course_id) as gb:
        submission = gb.find_submission(assignment, student)
        return {g.name: (g.score or 0.0, g.max_score) for nb in submission.notebooks for g in nb.grades}


def graded_students(db_url, course_id, assignment):
    """The students who have a submission of `assignment` in the gradebook."""
    with Gradebook(db_url, course_id) as gb:
        return {s.student.id for s in gb.assignment_submissions(assignment)}


def export_csv(db_url, course_id, path):
    """The course's grades.csv (`nbgrader export`'s columns, autograder.gradebook.grades_csv), of the whole gradebook;
    replaced whole, so runs on several machines sharing the course directory never leave half of one."""
    from autograder.gradebook.grades_csv import GradesCsvExportPlugin

    with Gradebook(db_url, course_id) as gb:
        GradesCsvExportPlugin(to=str(path)).export(gb)
