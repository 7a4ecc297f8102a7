"""What crosses processes and disk, typed: the limits a batch hands each grading process, and the outcome a
grading process hands back, which the batch keeps per student (reports/<assignment>/outcomes/<student>.json).
Scores are never the outcome's: the gradebook holds them (autograder.gradebook.sheet)."""
from typing import TypedDict

OUTCOME_SCHEMA = 1  # the "schema" of an outcome file; files written before it had none (read as 0, same keys)
# What an outcome's "manual" says of each cell graded by hand (autograder.gradebook.manual.manual_states): a
# grader has still to score it, has scored it, or it was handed in as released (nbgrader scores that 0 at once)
PENDING, GRADED, UNANSWERED = "pending", "graded", "unanswered"


class BatchLimits(TypedDict):
    timeout: int  # seconds each cell, and each graded call, may take
    timeout_override: bool  # ./run grade --timeout was given: it overrides nbgrader_config.py
    memory_mb: int  # address-space cap of each grading process and what it starts; 0: none
    redraw: bool  # grade afresh what would be replayed (./run grade --redraw)
    student_timeout: int  # seconds one student may take before the grading process is killed


class Outcome(TypedDict, total=False):
    schema: int  # OUTCOME_SCHEMA when written
    student: str
    fingerprint: str | None  # of what was handed in (autograder.core.submitted); None: grade again next run
    failed: bool  # some notebook could not be graded
    problems: list[str]  # why, in the course's words, for the report
    diagnoses: dict[str, list[str]]  # {grade id: hints of the known mistakes its failure matches}
    scores: dict | None  # the gradebook's scores as grading left them; None: the process died first
    manual: dict[str, str]  # {grade id: state} of written answers (autograder.gradebook.manual)
    manual_digest: str  # of the written answers' grades, to notice a grader's change
    seconds: float  # how long grading took
    log: str  # the end of nbgrader's log when grading failed
    retry: bool  # the grader failed, not the notebook: graded again next run
    regrade: bool  # --force: out of date until graded again
    lost: bool  # the grading process ended without an outcome (the batch made this one)
    stopped_at: int  # the student limit that stopped it; a higher one grades it again
    grader_error: str  # grading cannot be trusted: the batch stops (autograder.core.errors)
    score: float  # summarize()'s, from the gradebook, for the table
    max_score: float
    reason: str  # one line for the table and the report
