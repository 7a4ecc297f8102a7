"""Run a notebook top to bottom with a probe cell appended, and read what its cells printed."""
import json

from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

from autograder.commands.answers import fill, read, solution_code
from autograder.core.paths import COURSE_ROOT


def run_with_probe(nb, probe, folder, allow_errors=False):
    """Execute nb (in place) in `folder` plus `probe`, a cell that prints "PROBE" and then JSON;
    returns (nb, the probe's findings)."""
    nb.cells.append(new_code_cell(probe))
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=allow_errors,
                   resources={"metadata": {"path": str(folder)}}).execute()
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    assert "PROBE" in text, [o for o in nb.cells[-1].outputs]
    return nb, json.loads(text.split("PROBE", 1)[1])


def execute(assignment, probe, solved=True, allow_errors=False):
    """The released notebook of `assignment` (its answer cells filled with the instructor's solutions when
    `solved`), run top to bottom in its release folder plus `probe`: (nb, the probe's findings)."""
    release = COURSE_ROOT / "release" / assignment / f"{assignment}.ipynb"
    nb = read(release)
    if solved:
        nb = fill(nb, solution_code(read(COURSE_ROOT / "source" / assignment / f"{assignment}.ipynb")))
    return run_with_probe(nb, probe, release.parent, allow_errors=allow_errors)


def error_outputs(nb):
    """(the cell's first 60 characters, exception name, message) of every error a code cell shows."""
    return [(c.source[:60], o.ename, o.evalue) for c in nb.cells if c.cell_type == "code"
            for o in c.outputs if o.output_type == "error"]


def cell_text(nb, needle, nth=0):
    """The printed output of the nth code cell whose source contains needle."""
    cell = [c for c in nb.cells if c.cell_type == "code" and needle in c.source][nth]
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
