"""Sample submissions for the demo and the tests: what a class hands in.

Correct, partly wrong and untouched notebooks, and the ones that break a grader: invalid JSON, a renamed
notebook, a kernel that exits, a cell that never ends, a memory hog, a flood of output, and a student who
tampers with the grading code instead of writing the functions.
"""
from autograder.commands.answers import answer_cells, fill, read, solution
from autograder.core.paths import COURSE_ROOT
from autograder.key.assignments import PARTLY_WRONG

# Code added after the correct answer in the first exercise cell: what each hostile student does.
HOSTILE = {
    "frank": ("kernel dies", "import os\nos._exit(1)"),
    "grace": ("a cell that never ends", "import time\nwhile True:\n    time.sleep(0.1)"),
    "heidi": ("memory hog", "import numpy\nhoard = [numpy.empty(1 << 27) for _ in range(100_000)]"),
    "ivan": ("huge output", 'print("spam " * 600_000)'),
}

# Untouched exercises, plus code that makes every test pass without solving anything. Plain nbgrader runs
# the tests in the student's kernel and is fooled; trusted grading computes verdicts outside it.
CHEAT = ("import autograder.key.hidden\n"
         "autograder.key.hidden.grade_hidden = lambda name, fn: print(name, 'passed all hidden checks')\n"
         "check = lambda name, fn: None")

STUDENTS = {
    "alice": "correct",
    "bob": "partly wrong",
    "carol": "untouched",
    "dave": "invalid JSON",
    "erin": "renamed notebook",
    **{s: kind for s, (kind, _) in HOSTILE.items()},
    "judy": "cheats",
}


def partly_wrong(assignment, correct):
    wrong = dict(correct)
    if assignment in PARTLY_WRONG:
        gid, old, new = PARTLY_WRONG[assignment]
        if gid in wrong:
            wrong[gid] = wrong[gid].replace(old, new)
    return wrong


def with_extra(released, codes, extra):
    """Fill a released notebook with `codes` and append `extra` to its first exercise cell."""
    first = next(iter(answer_cells(released)))
    return fill(released, {**codes, first: codes.get(first, answer_cells(released)[first].source) + "\n\n" + extra})


def sample_submissions(ws, assignment, students=None):
    """{student: {notebook name: notebook, or raw bytes}} for one assignment, built from its released
    notebooks; `students` picks some of STUDENTS (default: alice, bob and carol, the well-behaved ones).
    The misbehaviour goes into the first notebook only; the others are correct."""
    students = students or ["alice", "bob", "carol"]
    unknown = set(students) - set(STUDENTS)
    if unknown:
        raise KeyError(f"no sample students {sorted(unknown)}; there are {sorted(STUDENTS)}")
    out = {s: {} for s in students}
    for i, path in enumerate(sorted((ws.root / "release" / assignment).glob("*.ipynb"))):
        released = read(path)
        correct = solution(read(COURSE_ROOT / "source" / assignment / path.name))  # written answers too
        for s in students:
            kind = STUDENTS[s] if i == 0 else "correct"
            if kind == "partly wrong":
                nb = fill(released, partly_wrong(assignment, correct))
            elif kind == "untouched":
                nb = released
            elif kind == "invalid JSON":  # a notebook cut off mid-save
                text = path.read_text()
                nb = text[: len(text) // 2].encode()
            elif kind == "cheats":
                nb = with_extra(released, {}, CHEAT)
            elif s in HOSTILE:
                nb = with_extra(released, correct, HOSTILE[s][1])
            else:
                nb = fill(released, correct)
            out[s][f"{path.stem} (1)" if kind == "renamed notebook" else path.stem] = nb
    return out
