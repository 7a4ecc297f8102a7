"""What the autograded notebook says about a student: scores come from the gradebook; here, why a notebook could
not be graded, each failed check's one-line reason and hint, and what the grader recorded in the cells."""
import json
import re

import nbformat

from autograder.batch.handed_in import read_notebook
from autograder.core import budget
from autograder.steps.restore import RestoreCellMetadata
from autograder.trusted.execute import STOPPED_KEY, TrustedExecute
from autograder.trusted.outputs import ESCAPE

HINT = re.compile(r"^\s*(?:- )?Hint: (.+)", re.MULTILINE)  # a line of its own: the grader's, not in a message


def failure_reason(text, limits, log_at):
    """What went wrong, from nbgrader's log and traceback of a failed autograde (kept in the file `log_at`)."""
    if "DeadKernelError" in text or "Kernel died" in text:
        return ("the kernel died while the notebook ran (os._exit, a crash, or more memory than the "
                f"{limits['memory_mb']} MB cap)")
    if "UnresponsiveKernelError" in text or "CellTimeoutError" in text or "TimeoutError" in text:
        return f"a cell ran longer than the {limits['timeout']} s limit and could not be stopped"
    if "MemoryError" in text:
        return f"grading ran out of memory (cap: {limits['memory_mb']} MB per grading process)"
    if "NotJSONError" in text or "JSONDecodeError" in text or "ValidationError" in text:
        return "a notebook is not valid JSON/nbformat"
    return "nbgrader could not grade it: " + (error_line(text) or f"its log is in {log_at}")


def error_line(text):
    """The line of a traceback that says what went wrong (the last exception's, not nbgrader's wrapper
    "NbGraderException: Please see the above traceback"), at most 200 characters, or None."""
    errors = [line.strip() for line in text.splitlines()  # nbgrader's log indents the tracebacks it logs
              if re.match(r"^\s*[\w.]*(Error|Exception)\b", line) and "NbGraderException" not in line]
    return errors[-1][:200] if errors else None


def output_text(output):
    if output.get("output_type") == "stream":
        return output.get("text", "")
    if output.get("output_type") == "error":
        return "\n".join([output.get("evalue", "")] + output.get("traceback", []))
    return json.dumps(output.get("data", {}))


def recorded_by(config):
    """Which of the grader's records the notebooks that `config` grades hold: autograder.steps.restore's notes and
    autograder.trusted.execute's stops. Each is read only when its step ran: without it, the same metadata is the
    submission's own (plain nbgrader's pipeline, a step taken out of nbgrader_config.py)."""
    steps = [*config.Autograde.get("sanitize_preprocessors", []), *config.Autograde.get("autograde_preprocessors", [])]

    def has(cls):
        return any((isinstance(s, type) and issubclass(s, cls)) or s == f"{cls.__module__}.{cls.__name__}"
                   for s in steps)
    return {"restored": has(RestoreCellMetadata), "stops": has(TrustedExecute)}


def inspect_autograded(path, limits, records={"restored": True, "stops": True}):  # noqa: B006 (read only)
    """(problems, {grade_id: diagnosis}) of an autograded notebook; shortens huge outputs in place.
    records: recorded_by() of the pipeline that graded it.

    A diagnosis is the first "Hint: ..." of a failing test cell's error output, else its first listed
    problem ("  - ..." in course.checking's reports), else its first line."""
    nb = read_notebook(path)
    # Written by autograder.steps.restore on every notebook it sanitizes, whatever the submission held there
    restored = nb.metadata.get("autograder", {}).get("restored", []) if records["restored"] else []
    problems, diagnoses, shortened, cut = [n for n in restored if isinstance(n, str)], {}, False, False
    dropped = budget.OUTPUT_CUT.format(budget.NOTEBOOK_OUTPUT_CHARS)
    markdown = [len(cell.source) for cell in nb.cells if cell.cell_type == "markdown"]
    if max(markdown, default=0) > budget.MARKDOWN_CHARS or sum(markdown) > budget.MARKDOWN_NOTEBOOK_CHARS:
        problems.append(f"its feedback page shows part of its markdown as plain text (it renders "
                        f"{budget.MARKDOWN_CHARS:,} characters of a cell, {budget.MARKDOWN_NOTEBOOK_CHARS:,} in all)")
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        where = f"cell {meta.get('grade_id') or i + 1}"  # "cell softmax": the cell, not the function, did it
        # How the grader stopped the cell, as it recorded it (autograder.trusted.execute), never the error's name in
        # the outputs: a student's exception class may be called CellTimeoutError. The rest was graded.
        stopped = cell.metadata.get(STOPPED_KEY, {}).get("stopped") if records["stops"] else None
        if stopped == "timeout":
            problems.append(f"{where} was stopped after the {limits['timeout']} s per-cell limit")
        elif stopped == "memory":
            problems.append(f"{where} ran out of memory ({limits['memory_mb']} MB cap)")
        elif stopped == "died":
            problems.append(f"{where}: the kernel died while it ran (os._exit, a crash, or the memory cap)")
        elif stopped == "output":
            problems.append(f"{where} sent the grader more than {budget.SANDBOX_BYTES >> 20} MB: it read no more")
        if dropped in (o.get("text") for o in cell.get("outputs", [])) and not cut:
            cut = True
            problems.append(f"the notebook printed more than {budget.NOTEBOOK_OUTPUT_CHARS:,} characters of output "
                            f"in all: output from {where} on was cut")
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                if out.get("ename") == "MemoryError" and not stopped:  # the cap, in the process: the cell's own error
                    problems.append(f"{where} raised MemoryError (memory cap: {limits['memory_mb']} MB)")
                if meta.get("grade"):
                    text = ESCAPE.sub("", output_text(out))
                    hint = HINT.search(text)
                    lines = [s.strip() for s in text.splitlines() if s.strip()]
                    first = next((s[2:] for s in lines if s.startswith("- ")),
                                 lines[0] if lines else out.get("ename", "error"))
                    diagnoses[meta["grade_id"]] = (f"Hint: {hint.group(1).strip()}" if hint else first)[:300]
        size = sum(len(output_text(o)) for o in cell.get("outputs", []))
        if size > budget.CELL_OUTPUT_CHARS:
            problems.append(f"{where} printed at least {size / 1e6:.1f} MB of output "
                            f"(shortened to {budget.CELL_OUTPUT_KEPT} characters)")
            for out in cell.outputs:
                kind = out.get("output_type")
                if kind == "stream":
                    out.text = _cut(out.text)
                elif kind == "error":
                    out.evalue, out.traceback = _cut(out.evalue), [_cut("\n".join(out.traceback))]
                elif len(output_text(out)) > budget.CELL_OUTPUT_KEPT:
                    out.data = {"text/plain": "[a huge result, cut by the grader]"}
            shortened = True
    if shortened:  # nbgrader leaves autograded notebooks read-only
        mode = path.stat().st_mode
        path.chmod(mode | 0o200)
        nbformat.write(nb, str(path))
        path.chmod(mode)
    return problems, diagnoses


def _cut(text):
    return text if len(text) <= budget.CELL_OUTPUT_KEPT else \
        text[:budget.CELL_OUTPUT_KEPT] + f"\n... [{len(text) - budget.CELL_OUTPUT_KEPT} characters cut by the grader]\n"
