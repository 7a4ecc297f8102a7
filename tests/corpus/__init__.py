"""The regression corpus of trusted grading: submissions as {grade_id: code}, one module per assignment.

Each module defines
    ASSIGNMENT  the assignment id
    BASE        {grade_id: code}: one plain correct answer per exercise; the other entries edit it
    CORRECT     {style: {grade_id: code}}: correct answers in other styles (missing exercises: BASE);
                full marks expected. Style "instructor" means the source notebook's own solution.
    MISTAKES    {name: (grade_id, [(old, new), ...])}: one wrong idea, as edits of BASE[grade_id];
                expected: 0 on test_<grade_id>, full marks on every other test
    CHEATS      {name: (twin, grade_id, code)}: the submission of mistake `twin`, with `code` appended to its
                answer cell `grade_id`; expected: exactly the twin's score on every test
    KEEP_LESSON styles/names whose notebook keeps the lesson's demo cells (the others drop them to save
                grading time; the demo cells are not graded)
"""
from autograder.submissions import fill, solution_code

NO_LESSON_CELLS = "#"  # what the demo cells of a corpus notebook are replaced with


def edit(code, edits, where):
    for old, new in edits:
        if old not in code:
            raise ValueError(f"{where}: {old!r} is not in the code it edits")
        code = code.replace(old, new)
    return code


def submissions(corpus, source_nb):
    """{student id: (kind, {grade_id: code})}; kinds: correct, mistake:<gid>, cheat:<twin>."""
    base = dict(corpus.BASE)
    out = {}
    for style, codes in corpus.CORRECT.items():
        out[f"correct-{style}"] = ("correct", solution_code(source_nb) if style == "instructor" else {**base, **codes})
    mistakes = {}
    for name, (gid, edits) in corpus.MISTAKES.items():
        mistakes[name] = {**base, gid: edit(base[gid], edits, f"mistake {name}")}
        out[f"mistake-{name}"] = (f"mistake:{gid}", mistakes[name])
    for name, (twin, gid, code) in corpus.CHEATS.items():
        codes = dict(mistakes[twin])
        codes[gid] = codes[gid] + "\n\n" + code
        out[f"cheat-{name}"] = (f"cheat:mistake-{twin}", codes)
    return out


def notebook(release_nb, codes, keep_lesson):
    """The released notebook with `codes` in its answer cells; without the lesson's ungraded demo cells
    unless keep_lesson (students may change those cells, so this is a submission like any other)."""
    nb = fill(release_nb, codes)
    if not keep_lesson:
        for cell in nb.cells:
            if cell.cell_type == "code" and not cell.metadata.get("nbgrader"):
                cell.source = NO_LESSON_CELLS
    return nb
