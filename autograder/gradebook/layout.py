"""An assignment's graded cells as the gradebook has them: their ids, points and order."""
import sys

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from autograder.core.paths import assignments

SCHEMA_VERSION = 3  # nbgrader 0.9's cell metadata


def assignment_cells(gradebook, notebook_id, assignment_id, released=lambda source: source):
    """{grade id: what the assignment's cell is}, in the notebook's order, from the gradebook; {} for a
    notebook the gradebook does not know (nbgrader decides what to do with it). released(source): a cell's
    source as the students got it (the gradebook holds the hidden tests too)."""
    try:
        notebook = gradebook.find_notebook(notebook_id, assignment_id)
    except MissingEntry:
        return {}
    graded = {c.name: c.max_score for c in notebook.grade_cells}
    tasks = {c.name: c.max_score for c in notebook.task_cells}
    solutions = {c.name for c in notebook.solution_cells}
    cells = {}
    for source in notebook.source_cells:
        meta = {"grade": source.name in graded, "grade_id": source.name, "locked": bool(source.locked),
                "solution": source.name in solutions, "task": source.name in tasks,
                "schema_version": SCHEMA_VERSION, "cell_type": source.cell_type, "checksum": source.checksum}
        points = graded.get(source.name, tasks.get(source.name))
        if points is not None:
            meta["points"] = int(points) if float(points).is_integer() else float(points)
        cells[source.name] = {"meta": meta, "source": source.source, "released": released(source.source)}
    return cells


def assignment_layout(db_url, course_id, assignment, course):
    """{notebook: [(grade_id, max points)]} of an assignment, test cells in notebook order."""
    with Gradebook(db_url, course_id) as gb:
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            require_assignment(course, assignment)
            # --force: generate_assignment skips an assignment whose release/ exists without recording it
            sys.exit(f"grade: the gradebook has no assignment '{assignment}'. Record it (and its release/ "
                     f"version) first: ./run python -m nbgrader generate_assignment {assignment} --force")
        layout = {nb.name: {c.name: c.max_score for c in nb.grade_cells} for nb in found.notebooks}
    for name, cells in layout.items():  # the gradebook keeps no order; the source notebook does
        source = course / "source" / assignment / f"{name}.ipynb"
        cells_in_order = nbformat.read(str(source), as_version=4).cells if source.exists() else []
        order = [c.metadata.get("nbgrader", {}).get("grade_id") for c in cells_in_order]
        layout[name] = sorted(cells.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 1e9)
    return layout


def require_assignment(course, assignment, program="grade"):
    """Exit, listing the course's assignments, unless `assignment` is one of them (a folder of source/)."""
    known = assignments(course)
    if assignment not in known:
        sys.exit(f"{program}: this course has no assignment '{assignment}' (source/ has: "
                 f"{', '.join(known) or 'nothing'})")
