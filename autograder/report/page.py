"""report.html from its jinja2 template (autograder/templates/report.html), with autoescaping: student ids,
names from the roster, reasons and hints are text the students' submissions partly chose.

The page works offline: its script and style are inline (templates/report.js, report.css), and its
Content-Security-Policy, as on the feedback pages (autograder/steps/feedback.py), lets only that script run (by its
sha256) and loads images only from the report's own folder."""
import base64
import hashlib
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from autograder.core.paths import TEMPLATES
from autograder.gradebook.sheet import number

STATES = ["graded", "late", "pending manual grading", "not graded", "missing"]


def _environment():
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=False)
    env.filters["num"] = number
    env.filters["breakable"] = breakable
    return env


def breakable(name):
    """A grade id, escaped, that may wrap after each underscore (test_rnn_cell_/forward), not mid-word."""
    return Markup(str(escape(name)).replace("_", "_<wbr>"))


def _sha256(text):
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def policy(script, style):
    """No script but the report's own, no style but its own, images from its folder, nothing else."""
    return (f"default-src 'none'; script-src {_sha256(script)}; style-src {_sha256(style)}; img-src 'self'; "
            "base-uri 'none'; form-action 'none'")


def feedback_links(course, assignment, student, notebooks):
    """[(notebook, href from reports/<assignment>/)] of the student's feedback pages of `notebooks`. Only
    those: nbgrader copies every other file a student handed in into feedback/, an .html page of theirs too."""
    folder = course / "feedback" / student / assignment
    href = f"../../feedback/{quote(student)}/{quote(assignment)}"
    return [(n, f"{href}/{quote(n)}.html") for n in sorted(notebooks) if (folder / f"{n}.html").is_file()]


def render(assignment, sheet, rows, stats, mistakes, counts, links):
    """The page's HTML. rows, mistakes, counts: autograder.report.rows; stats: autograder.report.write.pass_rates;
    links: {student: feedback_links}."""
    script, style = (TEMPLATES / "report.js").read_text(), (TEMPLATES / "report.css").read_text()
    # the grid's columns: student, name, status, score, late, penalty, one per graded cell, feedback, reason
    style += (f"table.grid tr {{ grid-template-columns: 7em 11em 9em 6.5em 5.5em 5.5em "
              f"repeat({len(sheet['cells'])}, 7.5em) 8em minmax(26em, 1fr); }}\n")
    states = [s for s in STATES if s in counts["counts"]]
    return _environment().get_template("report.html").render(
        assignment=assignment, duedate=sheet["duedate"], max_score=sheet["max_score"], cells=sheet["cells"],
        rows=rows, stats=stats, mistakes=mistakes, s=counts, states=states, links=links,
        script=script, style=style, policy=policy(script, style))
