"""Which students a batch grades, in what order, and in which slice."""
import argparse
import hashlib

from autograder.core.submitted import fingerprint


def to_grade(course, assignment, students, outcomes, graded_in_gradebook, layout, force, student_timeout):
    """The students that need grading: all with --force, else those without an up-to-date outcome (one
    stopped at a lower student limit than this run's is out of date, and so is one that a forced run
    stopped before it reached)."""
    if force:
        return list(students)
    todo = []
    for s in students:
        previous = outcomes.get(s)
        feedback = all((course / "feedback" / s / assignment / f"{n}.html").exists() for n in layout)
        fresh = (previous and not previous.get("regrade")
                 and previous.get("fingerprint") == fingerprint(course / "submitted" / s / assignment)
                 and previous.get("stopped_at", student_timeout) >= student_timeout)
        if not (fresh and s in graded_in_gradebook and feedback):
            todo.append(s)
    return todo


def longest_first(students, outcomes):
    """`students` ordered by how long each took when last graded, longest first (those never graded
    first of all): the batch then ends on short students, so no worker finishes a long one alone while
    the others wait. Ties keep their order."""
    def last_seconds(s):
        return outcomes.get(s, {}).get("seconds") or float("inf")
    return sorted(students, key=last_seconds, reverse=True)


def in_slice(student, part, parts):
    """Whether `student` is in slice `part` (1..parts) of a class split over `parts` machines. Decided by the
    student's name alone, so every student is in exactly one slice even when machines see different lists
    (a late submission collected between two machines' runs)."""
    digest = hashlib.sha256(student.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % parts == part - 1


def slice_of(text):
    """--slice I/K as (I, K)."""
    try:
        part, parts = (int(n) for n in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not I/K, for example 2/3 (the second of 3 machines)") from None
    if not 1 <= part <= parts:
        raise argparse.ArgumentTypeError(f"{text!r}: I must be from 1 to K")
    return part, parts
