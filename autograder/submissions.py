"""Make student submissions from notebooks: the instructor's solution as a student would hand it in,
or a released notebook with chosen code in its answer cells."""
import copy

import nbformat

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def answer_cells(nb):
    """{grade_id: cell} of the autograded-answer cells of a notebook."""
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def solution_code(source_nb):
    """{grade_id: code} of the instructor's answers, with the solution markers taken out."""
    return {gid: "\n".join(line for line in c.source.splitlines() if line.strip() not in (BEGIN, END))
            for gid, c in answer_cells(source_nb).items()}


def fill(release_nb, codes):
    """A copy of a released notebook whose answer cells hold `codes` ({grade_id: code}); others untouched."""
    nb = copy.deepcopy(release_nb)
    cells = answer_cells(nb)
    unknown = set(codes) - set(cells)
    if unknown:
        raise KeyError(f"the notebook has no answer cells {sorted(unknown)}; it has {sorted(cells)}")
    for gid, code in codes.items():
        cells[gid].source = code
    return nb


def read(path):
    return nbformat.read(str(path), as_version=4)
