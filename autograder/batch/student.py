"""A worker of autograder.batch.grade: a process that grades one student at a time with nbgrader's autograde
and describes each outcome (score, problems, diagnoses) for the batch.

Workers are forked from the batch's fork server (autograder.batch.preload), which has imported this module and
taken the first-time costs of grading (warm()), so every worker starts warm.
"""
import contextlib
import copy
import json
import logging
import os
import re
import resource
import time
import warnings

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from nbgrader.apps.api import NbGraderAPI, temp_attrs  # temp_attrs: nbgrader's one-off CourseDirectory settings
from nbgrader.converters import GenerateFeedback
from nbgrader.coursedir import CourseDirectory
from nbgrader.utils import rmtree
from sqlalchemy.exc import SAWarning
from sqlalchemy.orm import configure_mappers

from autograder.batch.copied import ignore_patterns, not_copied, reasons
from autograder.batch.outcomes import (
    drop_handed_in_pages,
    failure_feedback,
    outcomes_dir,
    releasable,
    small_text_file,
    unrendered_feedback,
)
from autograder.core import budget
from autograder.core.errors import TrustedGradingError
from autograder.core.submitted import fingerprint, unsafe_entry
from autograder.gradebook.config import load_config
from autograder.gradebook.engines import serialize_sqlite_writes, share_engines
from autograder.gradebook.manual import kept_grades, manual_digest, manual_states, restore_grades
from autograder.gradebook.scores import gradebook_scores, zero_submission
from autograder.sandbox import box as sandbox
from autograder.steps.feedback import FeedbackExporter
from autograder.steps.restore import RestoreCellMetadata
from autograder.trusted.execute import ESCAPE, STOPPED_KEY, TrustedExecute

HINT = re.compile(r"^\s*(?:- )?Hint: (.+)", re.MULTILINE)  # a line of its own: the grader's, not in a message


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


def rmtree_if_exists(path):
    # nbgrader's rmtree makes read-only files and folders (nbgrader's) writable first
    if path.exists():
        rmtree(str(path))


def grade_student(api, course, assignment, student, layout, limits, tell=lambda phase: None):
    """Autograde one student with nbgrader and describe the outcome (a dict, see summarize()); tell(phase):
    what it starts next, for the batch's reason if it is stopped (autograder.batch.grade STOPPED_WHILE)."""
    folder = course / "submitted" / student / assignment
    started = time.monotonic()
    outcome = {"student": student, "fingerprint": fingerprint(folder), "problems": [], "diagnoses": {},
               "failed": False}
    bad, good = check_files(folder, layout)
    outcome["problems"] += list(bad.values()) + copied_cells(folder, good)

    refused = not_copied(folder, api.coursedir.ignore) if not unsafe_entry(folder) else {}
    outcome["problems"] += reasons(refused)
    with ignoring(api.coursedir, ignore_patterns(refused)):
        return _grade(api, course, assignment, student, layout, limits, folder, started, outcome, bad, good,
                      tell)


@contextlib.contextmanager
def ignoring(coursedir, patterns):
    """nbgrader's CourseDirectory.ignore, extended by `patterns` for one student, whatever happens."""
    before = coursedir.ignore
    coursedir.ignore = list(before) + list(patterns)
    try:
        yield
    finally:
        coursedir.ignore = before


def _grade(api, course, assignment, student, layout, limits, folder, started, outcome, bad, good, tell):
    db_url, course_id = api.coursedir.db_url, api.coursedir.course_id
    TrustedGradingError.raised.clear()
    # Manual grades of written answers, as the last grading's notebooks hold them: nbgrader's autograde flags
    # every one for grading again, restore_grades unflags those whose text is unchanged (autograder.gradebook.manual).
    kept = kept_grades(db_url, course_id, course, assignment, student)
    if good and not bad:
        runs = [api.autograde(assignment, student, force=True, create=True)]
    else:
        # No autograded copy of a notebook that cannot be graded may survive from an earlier run.
        rmtree_if_exists(course / "autograded" / student / assignment)
        runs = []
        for name in good:  # one by one: nbgrader fails a student as a whole when one notebook fails
            with temp_attrs(api.coursedir, notebook_id=name):
                runs.append(api.autograde(assignment, student, force=True, create=True))
    failed_run = next((r for r in runs if not r["success"]), None)
    if failed_run:
        if TrustedGradingError.raised:  # nothing is recorded: the student is graded again once the grader is fixed
            return {**outcome, "failed": True, "grader_error": TrustedGradingError.raised[-1]}
        reason = failure_reason(failed_run.get("log", "") + failed_run.get("error", ""), limits,
                                (outcomes_dir(course, assignment) / f"{student}.json").relative_to(course))
        outcome["problems"].append(reason)
        outcome["log"] = (failed_run.get("log", "") + failed_run.get("error", ""))[-4000:]
        bad.update({n: reason for n in good})
        good = []

    zero = [n for n in layout if n in bad]
    if zero:
        zero_submission(db_url, course_id, assignment, student, zero)
    if good:
        restore_grades(db_url, course_id, course, assignment, student,
                       {n: answers for n, answers in kept.items() if n in good})
    for name in good:
        problems, diagnoses = inspect_autograded(course / "autograded" / student / assignment / f"{name}.ipynb", limits,
                                                 recorded_by(api.config))
        outcome["problems"] += problems
        outcome["diagnoses"].update(diagnoses)
    scores = gradebook_scores(db_url, course_id, assignment, student)
    unwritten = []
    if good:
        tell("feedback")
        fb = api.generate_feedback(assignment, student, force=True)
        if not fb["success"]:
            why = error_line(fb.get("error", "") + "\n" + fb.get("log", "")) or "see the log of nbgrader"
            try:  # what the notebook makes nbgrader fail on would fail on every run: its scores stand in, once
                unrendered_feedback(course, assignment, student, good, why, scores)
                outcome["problems"].append(f"its feedback page could not be made ({why}): a page of its scores "
                                           "stands in")
            except OSError:  # not the notebook's doing (a full disk, a file where the folder goes)
                unwritten.append(why)
    if zero:
        try:
            failure_feedback(course, assignment, student, zero, "; ".join(bad[n] for n in zero), scores)
        except OSError as exc:
            unwritten.append(f"{type(exc).__name__}: {exc}")
    drop_handed_in_pages(course, assignment, student, layout)
    outcome["problems"] += releasable(course / "feedback" / student / assignment, folder)
    if unwritten:  # the grade stands, but the student is graded again (and the page written) next run
        outcome["problems"].append(f"its feedback could not be written ({'; '.join(unwritten)})")
        outcome["fingerprint"] = None
    outcome.update(failed=not good, scores=scores, seconds=round(time.monotonic() - started, 2),
                   manual=manual_states(db_url, course_id, assignment, student),
                   manual_digest=manual_digest(db_url, course_id, assignment, student))
    return outcome


def limit_memory(megabytes):
    """Cap this process's address space; the kernels (and sandboxes) it starts inherit the cap."""
    if megabytes:
        cap = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def nbgrader_api(config):
    """nbgrader's API on the course `config` configures, logging into a logger of its own, for each call's
    result (the batch's outcome), not onto the terminal."""
    log = logging.getLogger(f"autograder.batch.grade.worker{os.getpid()}")
    log.propagate = False  # nbgrader's log goes into each outcome, not onto the progress line
    log.setLevel(logging.INFO)
    # The batch never uses the exchange, but NbGraderAPI checks it when made and logs an error when it is
    # missing ("Unwritable directory, please contact your instructor"), as on any machine without one.
    log.disabled = True
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config, log=log)
    log.disabled = False
    return api


def refresh_feedback(course, assignment, digests, everyone=False):
    """After manual grading in formgrader: rewrite the feedback of every student of `digests` ({student: the
    autograder.gradebook.manual.manual_digest their page was written under}) whose manual grades changed since (all
    of them: everyone), with nbgrader's generate_feedback --force. Returns {student: what their outcome
    takes from the gradebook now: scores, manual, manual_digest, and "rewritten" (bool) and "problems"}."""
    warnings.filterwarnings("ignore", category=SAWarning, module=r"nbgrader\.api")
    serialize_sqlite_writes()  # formgrader may be writing to the same gradebook
    os.chdir(course)
    config = load_config(course)
    db_url, course_id = config.CourseDirectory.db_url, config.CourseDirectory.course_id
    api, out = None, {}
    for student, digest in digests.items():
        now = manual_digest(db_url, course_id, assignment, student)
        entry = {"scores": gradebook_scores(db_url, course_id, assignment, student), "manual_digest": now,
                 "manual": manual_states(db_url, course_id, assignment, student), "rewritten": False, "problems": []}
        if everyone or now != digest:
            api = api or nbgrader_api(config)
            result = api.generate_feedback(assignment, student, force=True)
            notebooks = [p.stem for p in (course / "autograded" / student / assignment).glob("*.ipynb")]
            drop_handed_in_pages(course, assignment, student, notebooks)
            entry["problems"] += releasable(course / "feedback" / student / assignment,
                                            course / "submitted" / student / assignment)
            entry["rewritten"] = result["success"]
            if not result["success"]:
                why = error_line(result.get("error", "") + "\n" + result.get("log", "")) or "see nbgrader's log"
                entry["problems"].append(f"its feedback page could not be rewritten ({why}): the last one stands")
                entry["manual_digest"] = digest  # tried again next time
        out[student] = entry
    return out


def worker_main(conn, course, limits, log_path):
    """A grading process: receives (assignment, student, layout), sends back outcomes, until None."""
    # Kernels and nbgrader write warnings to stderr; keep them in a log, off the progress line.
    log_file = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log_file, 1)
    os.dup2(log_file, 2)
    os.chdir(course)
    # nbgrader's gradebook code sets off SQLAlchemy's autoflush warnings ("Object of type
    # <SubmittedAssignment> not in session, add operation ... will not proceed") for most students: six
    # lines each about nbgrader's use of its ORM, none about the student.
    warnings.filterwarnings("ignore", category=SAWarning, module=r"nbgrader\.api")
    limit_memory(limits["memory_mb"])
    serialize_sqlite_writes()
    share_engines()
    config = load_config(course)
    if limits.get("timeout_override"):
        config.Execute.timeout = limits["timeout"]  # subclasses of Execute (e.g. a sandboxed one) inherit it
    if limits.get("redraw"):
        config.TrustedExecute.redraw = True
    api = nbgrader_api(config)
    sandbox.on_claim = lambda pid: conn.send({"sandbox": pid})  # killed with this process (Worker.kill)
    while True:
        task = conn.recv()
        if task is None:
            return
        assignment, student, layout = task
        # Whatever this student's grading writes to the log follows this line.
        os.write(2, f"{time.strftime('%Y-%m-%d %H:%M:%S')} worker {os.getpid()}: {assignment} of {student}\n".encode())
        try:
            outcome = grade_student(api, course, assignment, student, layout, limits,
                                    tell=lambda phase: conn.send({"phase": phase}))
        except Exception as exc:  # a bug or a broken environment must not take the whole batch down
            import traceback
            outcome = {"student": student, "failed": True, "scores": {}, "diagnoses": {}, "retry": True,
                       "problems": [f"the grader itself failed: {type(exc).__name__}: {exc}"],
                       "log": traceback.format_exc()[-4000:], "fingerprint": None}
        conn.send(outcome)


# What nbgrader's GetGrades puts in a feedback page's resources
GRADED = {"nbgrader": {"notebook": "warm-up", "score": 1.0, "max_score": 2.0, "late_penalty": 0.0}}


def warm():
    """Take once, in the fork server, what grading otherwise costs each worker on its first student
    (about 1 s of CPU): compiling the feedback templates, building nbformat's validator, configuring
    nbgrader's ORM mappers. Forked workers inherit the result."""
    nb = new_notebook(cells=[
        new_markdown_cell("# A heading\n\nText with $x^2$, *emphasis* and `code`."),
        new_code_cell("print(1)\n1", outputs=[
            new_output("stream", name="stdout", text="1\n"),
            new_output("execute_result", data={"text/plain": "1"}, execution_count=1),
            new_output("error", ename="Error", evalue="", traceback=["\x1b[31mError\x1b[0m"]),
            new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})]),
    ], metadata={"language_info": {"name": "python", "pygments_lexer": "ipython3"}})
    nbformat.validate(nb)
    feedback = GenerateFeedback()  # the feedback templates, configured as nbgrader's generate_feedback does
    FeedbackExporter(parent=feedback, config=feedback.config).from_notebook_node(nb, resources=copy.deepcopy(GRADED))
    configure_mappers()
