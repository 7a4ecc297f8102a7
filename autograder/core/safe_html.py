"""What of a student's HTML may reach a page an instructor or a student opens: the feedback pages, and
formgrader's view of the autograded notebook (which renders markdown and HTML outputs as they are, so a
<script> in a written answer ran with the instructor's login and rewrote grades in the gradebook).

clean_html keeps formatted text, tables, images and math; student_markdown escapes the tags of a student's
markdown so that it shows as text; EscapeStudentHtml, an autograde step, applies it to the autograded
notebook's student cells.
"""
import html
import re
from html.parser import HTMLParser

import bleach
import nbformat
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbconvert.filters.strings import strip_files_prefix
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor

from autograder.core import budget

# MathML, as MathMLRenderer writes it: the elements of presentation, with the attributes that only change
# how it looks
MATH_TAGS = {"math", "menclose", "merror", "mfrac", "mi", "mmultiscripts", "mn", "mo", "mover", "mpadded",
             "mphantom", "mprescripts", "mroot", "mrow", "ms", "mspace", "msqrt", "mstyle", "msub", "msubsup",
             "msup", "mtable", "mtd", "mtext", "mtr", "munder", "munderover", "none"}
MATH_ATTRIBUTES = ["accent", "accentunder", "columnalign", "columnlines", "columnspacing", "columnspan", "depth",
                   "display", "displaystyle", "fence", "form", "frame", "height", "largeop", "linethickness",
                   "lspace", "mathvariant", "maxsize", "minsize", "movablelimits", "notation", "rowalign",
                   "rowlines", "rowspacing", "rowspan", "rspace", "scriptlevel", "separator", "stretchy",
                   "symmetric", "voffset", "width", "xmlns"]

# What a feedback page keeps of the HTML a notebook brings (markdown, HTML outputs, highlighted code): the
# tags and attributes of formatted text, tables, images and math. Anything else is removed, its text kept:
# no script, event handler, style or javascript: URL. (nbconvert's own clean_html also escapes headings,
# paragraphs and images, which every markdown cell has.)
SAFE_TAGS = {"a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div", "dl", "dt",
             "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s",
             "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u",
             "ul"} | MATH_TAGS
SAFE_ATTRIBUTES = {"*": ["class", "id", "title"], "a": ["href", "class", "id", "title"],
                   "img": ["src", "alt", "width", "height", "class", "id", "title"],
                   "td": ["align", "colspan", "rowspan", "class"], "th": ["align", "colspan", "rowspan", "class"],
                   **{tag: MATH_ATTRIBUTES for tag in MATH_TAGS}}
SAFE_PROTOCOLS = {"http", "https", "mailto", "data"}  # data: images are how notebooks embed pictures
# An output's HTML keeps no id: formgrader's script finds each score box by the grade id (`$("#test_softmax")`,
# the first element of that id on the page), so an output's element of that id took over a test's score box
# (attack round 11)
OUTPUT_ATTRIBUTES = {tag: [a for a in names if a != "id"] for tag, names in SAFE_ATTRIBUTES.items()}


def clean_html(html, attributes=SAFE_ATTRIBUTES):
    return bleach.clean(html, tags=SAFE_TAGS, attributes=attributes, protocols=SAFE_PROTOCOLS, strip=True,
                        strip_comments=True)


TAG_START = re.compile(r"<(?=[A-Za-z/!?])")  # where an HTML tag, comment or declaration would begin
# A link to script: nbconvert's markdown renderer lets every URL scheme through (allow_harmful_protocols)
SCRIPT_SCHEME = re.compile(r"(?i)\b((?:java|vb)\s*s\s*c\s*r\s*i\s*p\s*t\s*):")
URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "poster", "data", "background", "cite",
                  "xlink:href"}
SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
FILES_PREFIX = re.compile(r"^(?:/?files/)+", re.IGNORECASE)
SHOWN_DATA = ("data:image/png", "data:image/jpeg", "data:image/gif")  # how nbconvert embeds attachments
MAX_BRACKETS = 100  # "[" of one rendered cell: formgrader's strip_files_prefix costs each one the line's length
ATTACHMENT = re.compile(r"attachment:([^\s)\]\"'>]+)")


def student_markdown(source, attachments=None, taken_ids=frozenset()):
    """A student's markdown as formgrader and the feedback may render it: every tag and character reference
    shows as text (`<b>` reads as "<b>", `&#106;` as itself), markdown's own emphasis, lists, links, code and
    math still render. What the renderer would turn into a link or image that is not http(s), mailto, relative
    or an embedded image (a backslash-escaped `javascript\\:`), a heading whose id is one of `taken_ids` (the
    ids formgrader's script looks up: formgrader_ids), a cell longer than the budget of markdown, or one with
    more brackets than formgrader renders cheaply, shows as plain text instead (as_text): judged on nbconvert's
    own rendering, which is what reaches the browser, not on the markdown."""
    if len(source) > budget.MARKDOWN_CHARS or source.count("[") > MAX_BRACKETS:
        return as_text(source)
    escaped = SCRIPT_SCHEME.sub(r"\1%3A", TAG_START.sub("&lt;", source.replace("&", "&amp;")))
    try:
        rendered = MarkdownWithMath(renderer=IPythonRenderer(escape=False, attachments=attachments or {})).render(
            escaped)
    except Exception:  # a missing attachment, say: nbconvert would fail on the page too
        return as_text(source)
    # formgrader's template renders `markdown2html | strip_files_prefix`, which turns "files/javascript:..."
    # into "javascript:..." (attack round 9): judged as that filter leaves it
    urls, ids = _attributes(strip_files_prefix(rendered))
    return escaped if all(map(_shown_url, urls)) and not ids & set(taken_ids) else as_text(source)


def as_text(source):
    """The cell's text in a block that no markdown renderer reads into and no link can start from."""
    return "<pre>" + html.escape(source).replace("[", "&#91;") + "</pre>"


def _urls(rendered):
    return _attributes(rendered)[0]


def _attributes(rendered):
    """(the URL attributes' values, the set of ids) of the tags of `rendered`, as a browser reads them."""
    urls, ids = [], set()

    class Attributes(HTMLParser):
        def handle_starttag(self, tag, attrs):
            urls.extend(value or "" for name, value in attrs if name.lower() in URL_ATTRIBUTES)
            ids.update(value or "" for name, value in attrs if name.lower() == "id")

    parser = Attributes(convert_charrefs=True)
    parser.feed(rendered)
    parser.close()
    return urls, ids


def formgrader_ids(names):
    """The ids formgrader's script looks up on a submission's page, for the grade and comment `names` (the
    notebook's graded and answer cells): `$("#" + name)` for a score box and `$("#" + name + "-comment")` for a
    comment box, each bound to the panel around the first element of that id on the page. A written answer's
    heading `#### test_softmax` (id="test_softmax"), moved above the tests, got the test's score box bound to
    the answer's panel: "Full credit" for the answer gave full credit for every failed test it named
    (attack round 11: 10/12 against its honest twin's 2/12)."""
    return set(names) | {f"{name}-comment" for name in names}


def _shown_url(value):
    """Whether a browser given this attribute value opens http(s), mailto, a relative path or an image."""
    value = re.sub(r"[\x00-\x20\x7f]", "", value)  # what browsers drop from a URL before they read its scheme
    value = FILES_PREFIX.sub("", value)  # and what a files/ prefix would hide, however many times it is given
    scheme = SCHEME.match(value)
    return not scheme or scheme.group(1).lower() in ("http", "https", "mailto") or \
        value.lower().startswith(SHOWN_DATA)


def _attachments_once(cell, seen):
    """Each attachment of a cell shown at its first reference only: nbconvert embeds the whole image at every
    one (a 4 MB picture referenced 300,000 times took formgrader's memory)."""
    def once(match):
        if match.group(1) in seen:
            return "attachment%3A" + match.group(1)  # a relative link to nothing: no image
        seen.add(match.group(1))
        return match.group(0)
    return ATTACHMENT.sub(once, cell.source)


class EscapeStudentHtml(NbGraderPreprocessor):
    """Autograde step: the student's markdown and raw cells of the autograded notebook show their HTML as
    text (formgrader renders both as they are). A locked cell is the assignment's, restored from the
    gradebook (autograder/steps/restore.py), and keeps its HTML."""

    def preprocess(self, nb, resources):
        budget_left = budget.MARKDOWN_NOTEBOOK_CHARS  # of markdown rendered to check it; the rest is text
        taken = formgrader_ids(_cell_names(nb, resources))
        for i, cell in enumerate(nb.cells):
            if cell.metadata.get("nbgrader", {}).get("locked"):
                continue
            if cell.cell_type == "markdown":
                if budget_left <= 0:
                    cell.source = as_text(cell.source)
                    continue
                budget_left -= len(cell.source)
                cell.source = student_markdown(_attachments_once(cell, set()), cell.get("attachments"), taken)
            elif cell.cell_type == "raw":
                # formgrader writes a raw cell into its page through bleach, whose time grows faster than its
                # length (100 KB of <div> held the instructor's server 30 s: attack round 9), and one marked
                # text/html as it is: a student's raw cell is shown as text, in a markdown cell
                metadata = {k: v for k, v in cell.metadata.items() if k not in ("format", "raw_mimetype")}
                nb.cells[i] = nbformat.v4.new_markdown_cell(as_text(cell.source), metadata=metadata)
                if "id" in cell:
                    nb.cells[i].id = cell.id
        return nb, resources


def _cell_names(nb, resources):
    """The names of the notebook's graded and answer cells: those in the gradebook, where formgrader takes them
    from (a cell the student deleted too), and those the notebook holds."""
    names = {cell.metadata.get("nbgrader", {}).get("grade_id") for cell in nb.cells} - {None}
    ids = resources.get("nbgrader", {})
    if ids.get("db_url") and ids.get("notebook") and ids.get("assignment"):
        with Gradebook(ids["db_url"]) as gradebook:
            try:
                notebook = gradebook.find_notebook(ids["notebook"], ids["assignment"])
            except MissingEntry:
                return names
            names |= {cell.name for cell in [*notebook.grade_cells, *notebook.solution_cells, *notebook.task_cells]}
    return {name for name in names if isinstance(name, str)}
