"""What a batch records for each student, in files only (no gradebook, no nbgrader import):
the outcome that the resume and the report read, and the feedback page of a notebook that could not be
graded.
"""
import json
import os
import socket

from autograder.core.records import OUTCOME_SCHEMA, Outcome


def outcomes_dir(course, assignment):
    """One file per student, so that several grading machines sharing the course directory never write
    the same file."""
    return course / "reports" / assignment / "outcomes"


def load_outcomes(course, assignment) -> dict[str, Outcome]:
    """{student: outcome} of every student graded so far."""
    outcomes = {p.stem: json.loads(p.read_text()) for p in sorted(outcomes_dir(course, assignment).glob("*.json"))}
    newer = sorted(s for s, o in outcomes.items() if o.get("schema", 0) > OUTCOME_SCHEMA)
    if newer:
        raise SystemExit(f"grade: {outcomes_dir(course, assignment)} holds outcomes written by a newer version of the "
                         f"course's grader ({', '.join(newer[:5])}{', ...' if len(newer) > 5 else ''}): grade with "
                         "that version, or move the folder away to grade everyone again with this one")
    return outcomes


def load_outcome(course, assignment, student) -> Outcome | None:
    """The student's outcome as the file holds it now (another run may have written it since), or None."""
    try:
        return json.loads((outcomes_dir(course, assignment) / f"{student}.json").read_text())
    except FileNotFoundError:
        return None


def workers_log(course, assignment, part=None):
    """The log of a run's workers (kernel and nbgrader warnings): one per machine and slice, so that runs
    sharing the course directory never write into one file."""
    name = f"workers-{socket.gethostname()}" + (f"-slice-{part[0]}-of-{part[1]}" if part else "")
    return outcomes_dir(course, assignment).parent / f"{name}.log"


def save_outcome(course, assignment, outcome: Outcome):
    outcome["schema"] = OUTCOME_SCHEMA
    folder = outcomes_dir(course, assignment)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{outcome['student']}.json"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(outcome, indent=1, sort_keys=True))
    os.replace(tmp, path)  # a crash mid-write leaves the previous outcome, never half of one


def forget_outcome(course, assignment, student):
    """Before a student is graded again: if that grading never ends (Ctrl-C, a grader error), the next run
    grades them instead of trusting an outcome whose autograded notebooks are gone."""
    (outcomes_dir(course, assignment) / f"{student}.json").unlink(missing_ok=True)


