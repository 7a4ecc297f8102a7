"""What of a student's HTML may reach a page an instructor or a student opens: the feedback pages, and
formgrader's view of the autograded notebook (which renders markdown and HTML outputs as they are, so a
<script> in a written answer ran with the instructor's login and rewrote grades in the gradebook).

clean_html keeps formatted text, tables, images and math; student_markdown escapes the tags of a student's
markdown so that it shows as text; EscapeStudentHtml, an autograde step, applies it to the autograded
notebook's student cells.
"""
import re

import bleach
from nbgrader.preprocessors import NbGraderPreprocessor

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


def clean_html(html):
    return bleach.clean(html, tags=SAFE_TAGS, attributes=SAFE_ATTRIBUTES, protocols=SAFE_PROTOCOLS, strip=True,
                        strip_comments=True)


TAG_START = re.compile(r"<(?=[A-Za-z/!?])")  # where an HTML tag, comment or declaration would begin
# A link to script: nbconvert's markdown renderer lets every URL scheme through (allow_harmful_protocols)
SCRIPT_SCHEME = re.compile(r"(?i)\b((?:java|vb)\s*s\s*c\s*r\s*i\s*p\s*t\s*):")


def student_markdown(source):
    """A student's markdown with every tag and character reference shown as text (`<b>` reads as "<b>",
    `&#106;` as itself) and no link to script (`javascript:` loses its colon): markdown's own emphasis,
    lists, links, code and math still render; raw HTML does not."""
    source = TAG_START.sub("&lt;", source.replace("&", "&amp;"))
    return SCRIPT_SCHEME.sub(r"\1%3A", source)


class EscapeStudentHtml(NbGraderPreprocessor):
    """Autograde step: the student's markdown and raw cells of the autograded notebook show their HTML as
    text (formgrader renders both as they are). A locked cell is the assignment's, restored from the
    gradebook (autograder/steps/restore.py), and keeps its HTML."""

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("locked"):
                continue
            if cell.cell_type == "markdown":
                cell.source = student_markdown(cell.source)
            elif cell.cell_type == "raw":  # a raw cell marked text/html is written into the page as it is
                cell.metadata.pop("format", None)
                cell.metadata.pop("raw_mimetype", None)
        return nb, resources
