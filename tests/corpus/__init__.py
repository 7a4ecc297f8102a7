"""The regression corpus of trusted grading: submissions as {grade_id: code}, one module per assignment.

Each module defines
    ASSIGNMENT  the assignment id
    BASE        {grade_id: code}: one plain correct answer per exercise; the other entries edit it
    CORRECT     {style: {grade_id: code}}: correct answers in other styles (missing exercises: BASE);
                full marks expected. Style "instructor" means the source notebook's own solution.
    MISTAKES    {name: (grade_id, [(old, new), ...])} or {name: (grade_id, edits, {test id: score})}: one wrong
                idea, as edits of BASE[grade_id]; expected: 0 on test_<grade_id>, the given scores on the
                instructor's tests it also costs (they call the student's own functions, so only a test whose
                function is grade_id or calls it, course.signatures.DEPENDENCIES), full marks on every other test
    CHEATS      {name: (twin, grade_id, code)}: the submission of mistake `twin`, with `code` appended to its
                answer cell `grade_id`; expected: exactly the twin's score on every test
    KEEP_LESSON styles/names whose notebook keeps the lesson's demo cells (the others drop them to save
                grading time; the demo cells are not graded)
    INSTRUCTOR_TESTS (optional) {grade_id: (after, function, points, code)}: an instructor's own nbgrader test
                cells (asserts, partial credit), added to the source notebook after the cell `after` before the
                release (with_instructor_tests); `function`: the student function the test calls
"""
import nbformat

from autograder.commands.answers import fill, read, solution_code
from course.signatures import DEPENDENCIES

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
    for name, (gid, edits, *_) in corpus.MISTAKES.items():
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


def mistake_scores(corpus):
    """{student id: {test id: score}} of each mistake: its scores below full marks (0 on its own test)."""
    tests = getattr(corpus, "INSTRUCTOR_TESTS", {})
    out = {}
    for name, (gid, _, *also) in corpus.MISTAKES.items():
        also = also[0] if also else {}
        for test in also:
            calls = tests[test][1] if test in tests else None
            if calls != gid and gid not in DEPENDENCIES.get(calls, []):
                raise ValueError(f"mistake {name}: {test} is not an instructor's test that calls {gid}")
        out[f"mistake-{name}"] = {f"test_{gid}": 0.0, **also}
    return out


def graded_test_cell(grade_id, source, points):
    """An nbgrader autograder test cell (locked, graded)."""
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": grade_id, "locked": True, "points": points,
                                 "schema_version": 3, "solution": False, "task": False}
    return cell


def with_instructor_tests(root, corpus):
    """Add the corpus's INSTRUCTOR_TESTS to its assignment's source notebook in course directory `root`."""
    path = root / "source" / corpus.ASSIGNMENT / f"{corpus.ASSIGNMENT}.ipynb"
    nb = read(path)
    for grade_id, (after, _, points, code) in reversed(getattr(corpus, "INSTRUCTOR_TESTS", {}).items()):
        at = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == after)
        nb.cells.insert(at + 1, graded_test_cell(grade_id, code, points))
    nbformat.write(nb, str(path))
