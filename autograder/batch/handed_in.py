"""What a student handed in, checked before nbgrader is given it: notebooks that parse, with the assignment's
names, not nested past the budget; cells copied by mistake."""
import json
import os
import re

import nbformat

from autograder.batch.stand_in_pages import small_text_file
from autograder.core import budget
from autograder.core.submitted import unsafe_entry


def read_notebook(path):
    return nbformat.read(str(path), as_version=4)


def check_files(folder, layout):
    """({notebook: reason} for notebooks that cannot be graded, names that can); layout: {notebook: [(grade
    id, points)]} of the assignment's test cells, or just the notebooks' names."""
    expected = list(layout)
    unsafe = unsafe_entry(folder)
    if unsafe:
        return {name: unsafe for name in expected}, []
    stamp = folder / "timestamp.txt"  # autograde reads it whole, for when the submission was handed in
    if os.path.lexists(stamp) and not small_text_file(stamp):
        why = ("its timestamp.txt, where nbgrader reads when it was handed in, is not a small text file: hand in "
               "again without a file of that name (nbgrader submit writes it)")
        return {name: why for name in expected}, []
    bad = {}
    extra = sorted(p.name for p in folder.glob("*.ipynb") if p.stem not in expected and p.is_file())
    for name in expected:
        path = folder / f"{name}.ipynb"
        if path.is_dir():
            bad[name] = f"{name}.ipynb is a folder, not a notebook: hand in the notebook file itself"
            continue
        if not path.exists():
            deeper = sorted(p.relative_to(folder).as_posix() for p in folder.glob(f"*/**/{name}.ipynb") if p.is_file())
            if deeper:
                found = f" (found {deeper[0]}, inside a folder: hand in {name}.ipynb itself, not in a folder)"
            else:
                found = f" (found {', '.join(extra)}: renamed? hand it in as {name}.ipynb)" if extra else ""
            bad[name] = f"{name}.ipynb is missing{found}"
            continue
        size = path.stat().st_size
        if size == 0:
            bad[name] = f"{name}.ipynb is empty (0 bytes): was it cut off while saving? Save it again and hand it in"
            continue
        if size > budget.NOTEBOOK_BYTES:
            bad[name] = (f"{name}.ipynb is {size / 1e6:,.1f} MB, more than the {budget.NOTEBOOK_BYTES >> 20} MB a "
                         "notebook may have: clear its outputs (Edit > Clear Outputs of All Cells), save and hand in")
            continue
        data = path.read_bytes()
        depth = json_depth(data)
        if depth > budget.JSON_DEPTH:  # the JSON parser and nbformat's validator recurse once per level
            bad[name] = (f"{name}.ipynb's JSON is nested {depth:,} levels deep, far deeper than any notebook "
                         f"(at most {budget.JSON_DEPTH}): was something else saved under its name? Hand in the "
                         "notebook as JupyterLab saves it")
            continue
        try:
            content = json.loads(data)
        except ValueError as exc:
            bad[name] = f"{name}.ipynb is not valid JSON ({exc}): was it cut off while saving?"
            continue
        if not (isinstance(content, dict) and "cells" in content and "nbformat" in content):
            bad[name] = (f"{name}.ipynb is JSON, but not a notebook (it has no cells): was something else saved "
                         "under its name?")
            continue
        try:
            nb = read_notebook(path)
            nbformat.validate(nb)
        except Exception as exc:  # an old format, missing fields, nbgrader metadata it cannot read
            first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
            bad[name] = f"{name}.ipynb is not a valid notebook ({first})"
            continue
        tests = [grade_id for grade_id, _ in layout[name]] if isinstance(layout, dict) else []
        if tests and not set(tests) & set(grade_ids(nb)):  # nbgrader would fail it as "corrupted metadata"
            bad[name] = (f"{name}.ipynb holds none of the assignment's test cells ({', '.join(tests[:3])}"
                         f"{', ...' if len(tests) > 3 else ''}): is it another assignment's notebook?")
    return bad, [n for n in expected if n not in bad]


JSON_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')  # a string (skipped whole) or a bracket


def json_depth(data):
    """How deeply the brackets of JSON text `data` (bytes) nest, counted without parsing it: parsing
    recurses once per level."""
    depth = deepest = 0
    for token in JSON_TOKEN.finditer(data):
        bracket = token.group()
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif bracket in (b"]", b"}"):
            depth -= 1
    return deepest


def grade_ids(nb):
    """Each cell's grade id, None for a cell without one or with one that is not a string (a list or a dict
    there is a slip or an attack; autograder.steps.restore treats it as a missing id)."""
    metas = [cell.get("metadata", {}).get("nbgrader") for cell in nb.cells]
    ids = [meta.get("grade_id") if isinstance(meta, dict) else None for meta in metas]
    return [g if isinstance(g, str) else None for g in ids]


def copied_cells(folder, names):
    """A note for each notebook of `names` in which cells share a grade id (a copied cell): nbgrader grades
    the last of them (autograder.steps.deduplicate)."""
    notes = []
    for name in names:
        ids = [g for g in grade_ids(read_notebook(folder / f"{name}.ipynb")) if g is not None]
        twice = sorted({g for g in ids if ids.count(g) > 1}, key=ids.index)
        if twice:
            notes.append(f"{name}.ipynb has {' and '.join(twice[:3])} more than once (a copied cell?): the last "
                         f"copy of each was graded")
    return notes
