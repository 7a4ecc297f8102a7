"""Make student submissions from notebooks: the instructor's solution as a student would hand it in,
or a released notebook with chosen code (or text) in its answer cells.

An assignment has two kinds of answer cells: code cells (autograded by test cells) and markdown cells of
written answers (nbgrader's "Manually graded answer": graded by hand in formgrader). Code is what tests run;
text is only ever handed in."""
import copy
import re

import nbformat

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
# What nbgrader's ClearMarkScheme removes at release: the grader's notes, never part of an answer
MARK_SCHEME = re.compile(r"^[^\n]*BEGIN MARK SCHEME.*?END MARK SCHEME[^\n]*\n?", re.DOTALL | re.MULTILINE)


def answer_cells(nb):
    """{grade_id: cell} of every answer cell of a notebook, code and written (markdown) alike."""
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def written_answer_cells(nb):
    """{grade_id: cell} of the written answers: markdown answer cells, graded by hand."""
    return {gid: c for gid, c in answer_cells(nb).items() if c.cell_type == "markdown"}


def solution_code(source_nb):
    """{grade_id: code} of the instructor's code answers, with the solution markers taken out. Written answers
    are not code (a test that runs these would meet a SyntaxError): see written_answers."""
    return {gid: "\n".join(line for line in c.source.splitlines() if line.strip() not in (BEGIN, END))
            for gid, c in answer_cells(source_nb).items() if c.cell_type == "code"}


def written_answers(source_nb):
    """{grade_id: text} of the instructor's model answers to the written questions, without the grading
    notes (the mark scheme), as a student would write them."""
    return {gid: MARK_SCHEME.sub("", c.source).strip() for gid, c in written_answer_cells(source_nb).items()}


def solution(source_nb):
    """{grade_id: code or text} of every answer of the instructor's notebook: what a student who answers
    everything as the instructor would hands in (fill takes it)."""
    return {**solution_code(source_nb), **written_answers(source_nb)}


def fill(release_nb, answers):
    """A copy of a released notebook whose answer cells hold `answers` ({grade_id: code, or text for a written
    answer}); the others keep what the release gave them."""
    nb = copy.deepcopy(release_nb)
    cells = answer_cells(nb)
    unknown = set(answers) - set(cells)
    if unknown:
        raise KeyError(f"the notebook has no answer cells {sorted(unknown)}; it has {sorted(cells)}")
    for gid, text in answers.items():
        cells[gid].source = text
    return nb


def read(path):
    return nbformat.read(str(path), as_version=4)
