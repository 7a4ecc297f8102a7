"""The exporter that writes feedback pages: nbconvert's HTML exporter, made cheap enough to run once per
student in a long-lived grading process.

nbgrader makes a new exporter for every `generate_feedback` call, and autograder.batch.grade makes one call per
student. Of the 1.4 s a page took, two parts were repeated work:
  - parsing and compiling the same 9 Jinja templates (0.5 s): a bytecode cache shared by every
    environment of the process keeps the compiled templates (a bucket is reused only while its
    template's source is unchanged);
  - parsing the whole page with BeautifulSoup to add two accessibility attributes (0.5 s): the same
    attributes are added to the markup directly.
Most of what remained was done again for the cells that are the same on every student's page (the
given code, the tests, the text): sanitizing HTML with bleach (60%), highlighting code with pygments and
rendering markdown with mistune (30%). Each is a pure function of its input and the exporter's settings,
so its results are kept for the process (REMEMBERED), keyed by both.

One thing differs from nbconvert's pages on purpose: math is MathML (MathMLRenderer), so it is drawn
where MathJax's CDN cannot be reached, and a page loads scripts from other sites only when it needs them:
MathJax for a formula that latex2mathml cannot read or a LaTeX output, require.js for saved widgets (the
only script left after sanitizing). So opening a student's page usually contacts no other site.

Sanitizing is not all that stands between a notebook and the page: nbconvert writes some values into tags
itself, unquoted (an image's width from its output's metadata ran `onerror`), so outputs keep only
metadata of the types nbconvert expects (displayable_metadata), and every page carries a Content Security
Policy that lets no script run but the scripts the page loads itself.
"""
import functools
import html as html_text
import math
import re
from collections import OrderedDict
from urllib.parse import urlsplit

from jinja2 import BytecodeCache, pass_context
from latex2mathml.converter import convert as tex_to_mathml
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from traitlets import Bool

from autograder.core import budget
from autograder.core.safe_html import clean_html
from autograder.trusted.cpu_limit import cpu_time_limit

NO_ALT = 'alt="No description has been provided for this image"'  # nbconvert's wording
IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\salt=)", re.IGNORECASE)
FOCUSABLE_DIV = re.compile(r'<div class="[^"]*(?<![\w-])(?:jp-Cell-inputWrapper|jp-OutputArea-output)(?![\w-])[^"]*"')
TOC_TEST_CELL = re.compile(r'<a href="#([\w-]+)">Test cell</a>')  # nbgrader's feedback template
# Outputs wrap their long lines, as JupyterLab shows them. nbgrader's feedback template writes the classic
# notebook's classes (output_subarea), not JupyterLab's: the rule on .jp-OutputArea-output alone never applied,
# and a check's report ran off the page's right edge in one line.
# (word-break: the template's bootstrap breaks a pre's words anywhere, "lon|g hint"; between words first)
WRAP_OUTPUTS = (".output_subarea pre, .output_area pre, .jp-OutputArea-output pre "
                "{ white-space: pre-wrap; word-break: normal; overflow-wrap: anywhere; }")
# The colours of a terminal's ANSI codes, JupyterLab's (the red darker, to read on white): IPython writes a failed
# check's report in red, and the template's classes (ansi-red-fg, ...) had no rule, so it came out black.
ANSI_COLOURS = {"black": "#3e424d", "red": "#c33b37", "green": "#00a250", "yellow": "#b58900", "blue": "#208ffb",
                "magenta": "#d160c4", "cyan": "#60c6c8", "white": "#c5c1b4"}
ANSI_STYLE = " ".join(
    f".ansi-{name}-fg {{ color: {colour}; }} .ansi-{name}-bg {{ background-color: {colour}; }} "
    f".ansi-{name}-intense-fg {{ color: {colour}; }} .ansi-{name}-intense-bg {{ background-color: {colour}; }}"
    for name, colour in ANSI_COLOURS.items()) + " .ansi-bold { font-weight: bold; } .ansi-underline { " \
    "text-decoration: underline; }"
PAGE_STYLE = " ".join([
    WRAP_OUTPUTS,
    ANSI_STYLE,
    ".output_error pre { color: #c33b37; }",
    # the browser draws MathML in its serif at the text's size, which reads smaller than the sans-serif text
    ".rendered_html math { font-size: 1.15em; }",
    ".nobr { white-space: nowrap; }",
    # overline (see mathml()): a rule over the base, as close to it as the font allows
    "math .overline { border-top: 0.06em solid currentColor; }",
    # tables with rules, as JupyterLab draws them (the page had none: a grid of words without lines)
    ".rendered_html table { border-collapse: collapse; margin: 0.8em 0; }",
    ".rendered_html th, .rendered_html td { border: 1px solid #bdbdbd; padding: 0.25em 0.6em; text-align: left; "
    "vertical-align: top; }",
    ".rendered_html thead th { background: #f3f3f3; border-bottom: 2px solid #8a8a8a; }",
])


class ProcessBytecodeCache(BytecodeCache):
    """Compiled templates kept in memory for the life of the process."""

    def __init__(self):
        self.compiled = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])  # checks the source's checksum

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = ProcessBytecodeCache()


class Remembered:
    """Results of pure functions of text, kept for the process. The least recently used go first once all
    hold more than `budget` characters, and inputs longer than `longest` are never kept, so no notebook
    (a hostile one included) can grow a grading process through them."""

    def __init__(self, budget=16_000_000, longest=20_000):
        self.results, self.size, self.budget, self.longest = OrderedDict(), 0, budget, longest
        self.hits = self.misses = 0

    def get(self, kind, text, settings, compute):
        """compute()'s result for `text`; `kind` names the function, `settings` (hashable) all else it reads."""
        if len(text) > self.longest:
            return compute()
        key = (kind, text, settings)
        if key in self.results:
            self.hits += 1
            self.results.move_to_end(key)
            return self.results[key]
        self.misses += 1
        result = self.results[key] = compute()
        self.size += len(text) + len(result)
        while self.size > self.budget:
            (_, old_text, _), old_result = self.results.popitem(last=False)
            self.size -= len(old_text) + len(old_result)
        return result


REMEMBERED = Remembered()
LONGEST_TEX = 2_000  # characters of one formula drawn as MathML; longer ones stay TeX


def sanitized(element):
    """The clean_html filter of feedback pages (clean_html above), remembered."""
    html = element.decode() if isinstance(element, bytes) else str(element)
    return REMEMBERED.get("clean_html", html, None, functools.partial(clean_html, html))


class RememberedHighlight(Highlight2HTML):
    """nbconvert's highlight_code filter, remembered."""

    def __call__(self, source, language=None, metadata=None):
        settings = (language or self.pygments_lexer, (metadata or {}).get("magics_language"),
                    repr(sorted(self.extra_formatter_options.items())))
        return REMEMBERED.get("highlight_code", source, settings,
                              functools.partial(super().__call__, source, language, metadata))


# Marks TeX left for MathJax in the HTML of a markdown cell, before sanitizing removes every comment
TEX_LEFT = "<!-- TeX for MathJax -->"
# What nbconvert's mathjax macro writes into the page's head (nbconvert 7.17, templates/base/mathjax.html.j2)
MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.DOTALL)


def mathml(tex, display):
    """MathML for a TeX formula (display: "block" or "inline"), or None if latex2mathml cannot read it."""
    if len(tex) > LONGEST_TEX:
        return None
    try:
        return overlines(tex_to_mathml(tex, display=display))
    except Exception:  # RecursionError on deep nesting, among others: the formula stays TeX
        return None


# latex2mathml's \overline{...}: an accent over its base, which browsers place by the math font's metrics; with
# the fonts most machines have, the bar landed on the line of text above. A rule on the base's top edge
# (PAGE_STYLE's .overline) stays on it; over tanh' it covers tanh, and the prime stays outside, as in TeX.
OVERLINE = re.compile(r'<mover><mrow>((?:(?!<mover>).)*?)</mrow><mo accent="true">&#x02015;</mo></mover>')
PRIMED = re.compile(r"<msup>(<mi>[^<]*</mi>)(<mi>&#x02032;</mi>)</msup>")


# An inline formula and the punctuation right after it: a browser may break a line between a <math> and the
# ":" after it ("our z" at the end of one line, ": the pre-activation" on the next); kept together (.nobr).
MATH_THEN_PUNCTUATION = re.compile(r'(<math [^>]*display="inline">(?:(?!</math>).)*</math>)([:;,.!?)]+)', re.DOTALL)


def with_its_punctuation(html):
    return MATH_THEN_PUNCTUATION.sub(r'<span class="nobr">\1\2</span>', html)


def overlines(mathml):
    def ruled(match):
        inner = match.group(1)
        primed = PRIMED.fullmatch(inner)
        if primed:
            return f'<msup><mrow class="overline">{primed.group(1)}</mrow>{primed.group(2)}</msup>'
        return f'<mrow class="overline">{inner}</mrow>'
    return OVERLINE.sub(ruled, mathml)


class MathMLRenderer(IPythonRenderer):
    """nbconvert's markdown renderer, with math as MathML, which browsers draw themselves. nbconvert leaves
    TeX for MathJax, which the page loads from a CDN: opened without a network, every formula was raw
    TeX. What latex2mathml cannot read stays TeX, for MathJax when it can load."""

    def block_math(self, body):
        return mathml(body, "block") or TEX_LEFT + super().block_math(body)

    def inline_math(self, body):
        return mathml(body, "inline") or TEX_LEFT + super().inline_math(body)


def displayable_metadata(metadata):
    """An output's metadata, keeping only what nbconvert's templates write into the page, of the type they
    expect: an image's width and height (finite numbers), its "unconfined" flag (a bool). nbconvert writes
    `width={{ width }}` unquoted, so a string width of "1 onerror=..." added an event handler to the image."""
    kept = {}
    for mime, values in (metadata or {}).items():
        if not isinstance(values, dict):
            continue
        sizes = {k: v for k, v in values.items() if k in ("width", "height") and type(v) in (int, float)
                 and math.isfinite(v) and v >= 0}
        if type(values.get("unconfined")) is bool:
            sizes["unconfined"] = values["unconfined"]
        if sizes:
            kept[mime] = sizes
    return kept


SCRIPT_SRC = re.compile(r'<script src="([^"]+)"')


# nbconvert's files_url_pattern, but only before a path segment without ":" or a character reference:
# "files/javascript:..." stays a relative link, which nbconvert's filter turned into a javascript: one (attack
# round 9)
FILES_URL = re.compile(r'(src|href)\=([\'"]?)/?files/(?=[^\'"\s>:/?#&]*(?:[/\'"\s>?#]|$))')
# nbconvert's markdown_url_pattern, with a caption and a location that hold no "[": nbconvert's ".*?" tried
# every "[" of a line against the rest of that line (3 s for 20 KB of "[", 56 s for 100 KB)
MARKDOWN_FILES_URL = re.compile(r"(!?)\[(?P<caption>[^\[\n]*?)\]\(/?files/(?P<location>[^\[\n]*?)\)")


def strip_files_prefix(text):
    """nbconvert's strip_files_prefix filter in time linear in the text's length."""
    return MARKDOWN_FILES_URL.sub(r"\1[\2](\3)", FILES_URL.sub(r"\1=\2", text))


def content_security_policy(html):
    """`html` with a Content Security Policy first in its head: no script runs but those the page loads from
    the folders the exporter named (MathJax's, require.js's, the widget manager's): no inline script, no event
    handler, whatever reached the page, and no other library of the same CDN. Images come only from the page
    itself (outputs are data: URIs, a widget's images blob: URLs): a student's markdown image from another site
    would tell that site who opened the page, and when."""
    loaded = map(urlsplit, SCRIPT_SRC.findall(html[:html.find("<body")]))
    folders = {f"https://{u.netloc}{u.path.rsplit('/', 1)[0]}/" for u in loaded if u.scheme == "https" and u.netloc}
    scripts = " ".join(sorted(folders)) or "'none'"
    policy = (f"script-src {scripts}; img-src 'self' data: blob:; media-src 'self' data: blob:; object-src 'none'; "
              "frame-src 'none'; base-uri 'none'; form-action 'none'")
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
    return re.sub(r"<head\b[^>]*>", lambda m: m.group(0) + "\n" + meta, html, count=1)


def accessible(html):
    """What HTMLExporter does with BeautifulSoup after rendering: images without alt text get nbconvert's
    "no description" text, and cell inputs and outputs become focusable (tabindex)."""
    html = IMG_WITHOUT_ALT.sub(lambda m: f"{m.group(0)} {NO_ALT}", html)
    return FOCUSABLE_DIV.sub(lambda m: f'{m.group(0)} tabindex="0"', html)


def named_tests(html):
    """nbgrader's feedback template lists every test as "Test cell (Score: ...)"; name each by its grade id
    (test_softmax), as the table of grades does."""
    return TOC_TEST_CELL.sub(r'<a href="#\1">\1</a>', html)


PAGE_SCORE = re.compile(r"(<h4>[^<]*\(Score: [\d.]+ / [\d.]+)\)</h4>")  # nbgrader's template: the notebook's total
SCORE = r"Score: [\d.]+ / ([\d.]+)"


def pending_marked(html, resources):
    """nbgrader's template shows an answer that awaits manual grading as "Score: 0.0 / 2.0", as if it had
    failed. Those autograder.steps.mark_pending.MarkPendingGrades found (resources) say "awaiting manual grading
    (2 points)" instead, in the list at the top and at the cell, and the total says how many points are still to
    come."""
    pending = resources.get("nbgrader", {}).get("pending") or {}
    for grade_id in pending:
        anchor = re.escape(grade_id)
        html = re.sub(rf'(<a href="#{anchor}">[^<]*</a> )\({SCORE}\)',
                      lambda m: f"{m.group(1)}(awaiting manual grading, {float(m.group(2)):g} points)", html, count=1)
        html = re.sub(rf'(<a name="{anchor}"></a>.*?){SCORE}',
                      lambda m: f"{m.group(1)}Awaiting manual grading ({float(m.group(2)):g} points)", html, count=1,
                      flags=re.DOTALL)
    points = sum(pending.values())
    if points:
        html = PAGE_SCORE.sub(lambda m: f"{m.group(1)}; {points:g} more point{'' if points == 1 else 's'} await"
                              f"{'s' if points == 1 else ''} manual grading)</h4>", html, count=1)
    return html


def wrapped_outputs(html):
    """The page's own style (PAGE_STYLE): outputs wrap their long lines, as JupyterLab shows them (a check's
    report ran off the page's edge), failed checks are red, tables have rules, math has the text's size."""
    return html.replace("</head>", f"<style>{PAGE_STYLE}</style>\n</head>", 1)


class FeedbackExporter(HTMLExporter):
    """HTMLExporter with the process's compiled templates and remembered filters, and without the
    BeautifulSoup pass; it sanitizes HTML (scripts, event handlers, javascript outputs are dropped),
    since what a notebook shows is the student's to choose and instructors open these pages too."""

    sanitize_html = Bool(True, help="Sanitize the HTML of markdown cells and outputs.").tag(config=True)
    tex_left = False  # whether the page being written has TeX that MathJax has to draw
    markdown_left = budget.MARKDOWN_NOTEBOOK_CHARS  # characters of markdown the page being written may still render
    time_limit = None  # the CpuTimeLimit of the page being written

    def default_filters(self):
        for name, function in super().default_filters():
            yield name, {"clean_html": sanitized, "strip_files_prefix": strip_files_prefix}.get(name, function)

    @pass_context
    def markdown2html(self, context, source):
        """HTMLExporter's markdown2html, remembered unless the cell has attachments or images are embedded
        (then the result depends on files), and sanitized here: nbgrader's feedback template renders markdown
        cells without the clean_html filter (a student's <script> in a markdown cell reached the page).
        Markdown past the budget (budget.MARKDOWN_CHARS) is shown as text: mistune's time grows with the square
        of some inputs' length (100 KB of "[" took 56 s, in the grader, outside any sandbox)."""
        if self.time_limit is not None:  # between cells: the signal's own exception may have been lost
            self.time_limit.check()
        room = max(0, min(budget.MARKDOWN_CHARS, self.markdown_left))
        shown, rest = source[:room], source[room:]
        self.markdown_left -= len(shown)
        html = self._sanitized_markdown(context, shown) if shown else ""
        if rest:
            html += (f"<p><em>The rest of this cell ({len(rest):,} characters) is shown as plain text: a feedback page "
                     f"renders at most {budget.MARKDOWN_CHARS:,} characters of each markdown cell and "
                     f"{budget.MARKDOWN_NOTEBOOK_CHARS:,} in all.</em></p><pre>{html_text.escape(rest)}</pre>")
        return html

    def _sanitized_markdown(self, context, source):
        if context.get("cell", {}).get("attachments") or self.embed_images:
            html = self._markdown2html(context, source)
        else:
            settings = (self.anchor_link_text, self.exclude_anchor_links, repr(sorted(self.lexer_options.items())))
            html = REMEMBERED.get("markdown2html", source, settings,
                                  functools.partial(self._markdown2html, context, source))
        self.tex_left = self.tex_left or TEX_LEFT in html
        return sanitized(html) if self.sanitize_html else html

    def _markdown2html(self, context, source):
        # HTMLExporter.markdown2html (nbconvert 7.17), with MathMLRenderer for its IPythonRenderer
        renderer = MathMLRenderer(
            escape=False, attachments=context.get("cell", {}).get("attachments", {}), embed_images=self.embed_images,
            path=context.get("resources", {}).get("metadata", {}).get("path", ""),
            anchor_link_text=self.anchor_link_text, exclude_anchor_links=self.exclude_anchor_links,
            **self.lexer_options)
        return with_its_punctuation(MarkdownWithMath(renderer=renderer).render(source))

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = COMPILED_TEMPLATES
        return environment

    def from_notebook_node(self, nb, resources=None, **kw):
        # HTMLExporter.from_notebook_node (nbconvert 7.17) up to its BeautifulSoup pass; accessible() does the rest.
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        highlight_code = self.filters.get("highlight_code", RememberedHighlight(pygments_lexer=lexer, parent=self))
        resources = self._init_resources(resources)
        filter_data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
        self.register_filter("highlight_code", highlight_code)
        self.register_filter("filter_data_type", filter_data_type)
        self.tex_left = False
        self.markdown_left = budget.MARKDOWN_NOTEBOOK_CHARS
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                if "metadata" in output:
                    output.metadata = displayable_metadata(output.metadata)
        with render_time_limit(budget.FEEDBACK_SECONDS) as self.time_limit:
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        latex_output = any("text/latex" in out.get("data", {}) for cell in nb.cells for out in cell.get("outputs", []))
        if not (self.tex_left or latex_output):
            html = MATHJAX.sub("", html, count=1)
        if "widgets" not in nb.metadata:
            html = html.replace(f'<script src="{resources["require_js_url"]}"></script>', "", 1)
        html = content_security_policy(wrapped_outputs(named_tests(pending_marked(accessible(html), resources))))
        if len(html) > budget.FEEDBACK_PAGE_BYTES // 4 and len(html.encode()) > budget.FEEDBACK_PAGE_BYTES:
            raise PageTooLargeError(f"the page would take {len(html.encode()) / 1e6:,.0f} MB, more than the "
                                    f"{budget.FEEDBACK_PAGE_BYTES / 1e6:g} MB a feedback page may")
        return html, resources


class RenderTimeoutError(Exception):
    """A notebook whose feedback page took more than budget.FEEDBACK_SECONDS of CPU time to render."""


def render_time_limit(seconds):
    """cpu_time_limit for rendering, which runs in the grader, outside any sandbox, on what the student wrote:
    the budgets above bound its input, and this bounds what a slow path of mistune, bleach or pygments on that
    input can cost."""
    return cpu_time_limit(seconds, lambda: RenderTimeoutError(f"rendering the page took more than {seconds:g} s"))


class PageTooLargeError(Exception):
    """A notebook whose feedback page would pass budget.FEEDBACK_PAGE_BYTES."""
