"""Errors every layer may raise or catch: the grader's own (grading cannot be trusted) and a submission nbgrader
must not be handed."""


class UnsafeSubmission(Exception):
    """The submission folder holds what nbgrader must not copy (a link, a device): that student is not graded."""


class TrustedGradingError(Exception):
    """Grading cannot be trusted (changed reference, a test cell without cases): stop and tell the instructor.

    Every one made in this process is kept in `raised`: autograder.batch.student reads it there to tell the
    grader's failures from a student's, never from nbgrader's log, which a notebook's own text reaches."""

    raised = []

    def __init__(self, message):
        super().__init__(message)
        TrustedGradingError.raised.append(message)
