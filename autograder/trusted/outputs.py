"""What of the sandbox's replies reaches the autograded notebook: outputs of the kept types with sizes bounded and
HTML sanitized, and errors in the grader's words."""
import re

import numpy as np
from nbformat.v4 import new_output

from autograder.core import budget
from autograder.core.safe_html import OUTPUT_ATTRIBUTES, clean_html
from autograder.sandbox.box import (
    MAX_ORACLE_REQUESTS,
    SENT_TOO_MUCH,
    TOO_MANY_ORACLE_REQUESTS,
)
from course.checking import CallFailed

OUTPUT_TYPES = {"stream", "display_data", "execute_result", "error"}


WIDGET = "application/vnd.jupyter.widget-view+json"  # a widget's output, which only its kernel can show


# What of an output's data the autograded notebook keeps: formgrader (the instructor's page) and the feedback
# show these; HTML sanitized. Not kept: javascript, SVG (it may hold scripts), markdown, other viewers' types.
SHOWN = {"text/plain", "text/html", "text/latex", "image/png", "image/jpeg", "image/gif", "application/json"}


ESCAPE = re.compile("\x1b\\[(.*?)([@-~])")  # a terminal escape (colours), as nbconvert's ansi filters find them


MAX_ESCAPES = 1000  # per text: a long coloured traceback has a few hundred


# Why the sandbox could not send what a function returned (autograder/sandbox/worker.py _unreadable), in the
# grader's words
UNREADABLE = {"nested": "it is nested too deeply or holds itself", "too large": "it is too large to send",
              "other": "the grader's encoder failed on it"}


HIDDEN_MESSAGE = "(which one is not shown for hidden checks; the self-check's cases show it if they raise it too)"


def raised_error(reply, hidden):
    """CallFailed describing what the student's function raised. The student's code chooses the exception's
    type, its message and (through linecache) the line shown, so for a hidden case none is kept: any of them
    could carry the hidden inputs into the feedback (which of 32 built-in exceptions a function raised carried
    5 bits of an instructor's hidden input per check and round, and those inputs never change)."""
    type_name, message = str(reply.get("type", ""))[:100], str(reply.get("message", ""))
    if not re.fullmatch(r"[A-Za-z_][\w.]*", type_name):  # a class name can be any string, newlines too
        type_name = "an exception of its own class"
    if hidden:
        raise CallFailed("an exception", HIDDEN_MESSAGE)
    short = message.splitlines()[0][:2000] if message.strip() else ""
    line = str(reply.get("line", "")).strip()  # one line: no text of the student's may start a line of the report
    line = line.splitlines()[0][:300] if line else ""
    raise CallFailed(type_name, short + (" ..." if short != message else ""), line)


def error_output(ename, evalue):
    return new_output("error", ename=ename, evalue=evalue, traceback=["\x1b[0;31m" + evalue + "\x1b[0m"])


def kept_outputs(reply, room=budget.NOTEBOOK_OUTPUT_CHARS):
    """nbformat outputs from the worker's (untrusted) description of a cell's outputs:
    known types, strings, bounded by the cell's limit and by `room`, what the notebook's outputs may still take
    (once it is used up, each later cell's output is a note: nbgrader writes every output twice, into the
    autograded notebook and into the feedback page)."""
    items = reply.get("outputs") if type(reply) is dict else None
    if type(items) is not list:
        return [error_output("WorkerError", "the notebook's process sent malformed outputs")]
    if room <= 0:
        return [new_output("stream", name="stdout", text=budget.OUTPUT_CUT.format(budget.NOTEBOOK_OUTPUT_CHARS))] \
            if items else []
    out, size = [], 0
    for item in items:
        if type(item) is not dict or item.get("output_type") not in OUTPUT_TYPES:
            continue
        kind = item["output_type"]
        if kind == "stream":
            text = _text(item.get("text", ""))
            output = new_output("stream", name="stderr" if item.get("name") == "stderr" else "stdout", text=text)
        elif kind == "error":
            tb = item.get("traceback")
            output = new_output("error", ename=_text(item.get("ename", "")), evalue=_text(item.get("evalue", "")),
                                traceback=[_text(t) for t in tb] if type(tb) is list else [])
        else:
            data = item.get("data")
            if type(data) is not dict:
                continue
            widget = WIDGET in data
            data = {str(k): (_text(v) if type(v) is str else _json(v)) for k, v in data.items() if k in SHOWN}
            if "text/html" in data:  # formgrader writes it into the instructor's page as it is
                html = data["text/html"]
                data["text/html"] = clean_html(html, OUTPUT_ATTRIBUTES) if type(html) is str else ""
            if widget:  # its state stays in the sandbox, so nothing can show it; its repr is a long riddle
                data = {"text/plain": "[an interactive widget: run the notebook in JupyterLab to use it]"}
            output = new_output(kind, data=data, metadata=_image_sizes(item.get("metadata"), data))
            if kind == "execute_result":
                output.execution_count = item.get("execution_count") if type(item.get("execution_count")) is int \
                    else None
        size += len(str(output))
        if size > room:
            if kind == "stream" and len(output.text) > size - room:  # what fits of it, so its start shows
                output.text = output.text[:len(output.text) - (size - room)]
                out.append(output)
            out.append(new_output("stream", name="stdout", text=budget.OUTPUT_CUT.format(
                budget.NOTEBOOK_OUTPUT_CHARS)))
            break
        out.append(output)
    return out


def _image_sizes(metadata, data):
    """What of an output's metadata the autograded notebook keeps: an image's width and height, as numbers.
    nbconvert writes them into formgrader's page unquoted, so a width of `1 onerror=...` ran script as the
    instructor (attack round 7); nothing else in it is needed to show an output."""
    kept = {}
    for mime in data:
        sizes = metadata.get(mime) if type(metadata) is dict else None
        if mime.startswith("image/") and type(sizes) is dict:
            numbers = {k: sizes[k] for k in ("width", "height")
                       if type(sizes.get(k)) in (int, float) and 0 < sizes[k] < 100_000}
            if numbers:
                kept[mime] = numbers
    return kept


def why_gone(gone):
    """Why the notebook's process is gone, for the student, in words that nothing in the sandbox chose: a
    reason such as "sent a message of N bytes" let a hidden check's report carry 64 bits of the student's
    choice (a hidden input, the reference's answer to it) into the feedback."""
    if gone.reason == TOO_MANY_ORACLE_REQUESTS:
        return f"it asked for more than {MAX_ORACLE_REQUESTS} results of the functions it calls in one call"
    if gone.reason == "ended":
        return "os._exit, a crash, or more memory than the limit"
    if gone.reason == SENT_TOO_MUCH:
        return (f"sent the grader more than it may: {budget.SANDBOX_BYTES >> 20} MB for the whole notebook, "
                f"{budget.CALL_MESSAGE_BYTES >> 20} MB in one message while a function is graded")
    return "it broke the grader's protocol: something wrote to the grader's pipe"


def _text(value):
    """A string the worker sent, without its terminal colours if it has so many that the feedback page
    would take seconds to render them (nbconvert's cost grows with their number times the text's length:
    12 s for 250,000 in one output)."""
    text = str(value)
    return ESCAPE.sub("", text) if text.count("\x1b[") > MAX_ESCAPES else text


def _json(value, depth=0):
    """value if it is JSON-like plain data (what nbformat metadata may hold), else None."""
    if depth > 20:
        return None
    if value is None or type(value) in (str, int, bool):
        return value
    if type(value) is float:
        return value if np.isfinite(value) else None
    if type(value) in (list, tuple):
        return [_json(v, depth + 1) for v in value]
    if type(value) is dict:
        return {str(k): _json(v, depth + 1) for k, v in value.items()}
    return None
