"""The exporter that writes feedback pages: nbconvert's HTML exporter, made cheap enough to run once per
student in a long-lived grading process.

nbgrader makes a new exporter for every `generate_feedback` call, and autograder.batch makes one call per
student. Of the 1.4 s a page took, two parts were repeated work:
  - parsing and compiling the same 9 Jinja templates (0.5 s): a bytecode cache shared by every
    environment of the process keeps the compiled templates (a bucket is reused only while its
    template's source is unchanged);
  - parsing the whole page with BeautifulSoup to add two accessibility attributes (0.5 s): the same
    attributes are added to the markup directly.
And of what remains, most (60%) is sanitizing every cell's HTML with bleach, although most cells (the
given code, the tests, the markdown) are the same on every student's page: sanitized HTML is kept for
the process, by its input.
"""
import functools
import re

from jinja2 import BytecodeCache
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters import clean_html
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

NO_ALT = 'alt="No description has been provided for this image"'  # nbconvert's wording
IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\salt=)", re.IGNORECASE)
FOCUSABLE_DIV = re.compile(r'<div class="[^"]*(?<![\w-])(?:jp-Cell-inputWrapper|jp-OutputArea-output)(?![\w-])[^"]*"')


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


REMEMBERED_CHARS = 20_000  # longer HTML is sanitized each time: at most 1024 x 20 kB kept (a cell is ~2 kB)


@functools.lru_cache(maxsize=1024)
def _sanitized(html):
    return clean_html(html)


def sanitized(element):
    """nbconvert's clean_html filter (a pure function of its input), remembered for the process."""
    html = element.decode() if isinstance(element, bytes) else str(element)
    return _sanitized(html) if len(html) <= REMEMBERED_CHARS else clean_html(html)


sanitized_cache_info = _sanitized.cache_info


def accessible(html):
    """What HTMLExporter does with BeautifulSoup after rendering: images without alt text get nbconvert's
    "no description" text, and cell inputs and outputs become focusable (tabindex)."""
    html = IMG_WITHOUT_ALT.sub(lambda m: f"{m.group(0)} {NO_ALT}", html)
    return FOCUSABLE_DIV.sub(lambda m: f'{m.group(0)} tabindex="0"', html)


class FeedbackExporter(HTMLExporter):
    """HTMLExporter with the process's compiled templates and sanitized HTML, and without the BeautifulSoup
    pass."""

    def default_filters(self):
        for name, function in super().default_filters():
            yield name, sanitized if name == "clean_html" else function

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = COMPILED_TEMPLATES
        return environment

    def from_notebook_node(self, nb, resources=None, **kw):
        # HTMLExporter.from_notebook_node (nbconvert 7.17) up to its BeautifulSoup pass; accessible() does the rest.
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
        resources = self._init_resources(resources)
        filter_data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
        self.register_filter("highlight_code", highlight_code)
        self.register_filter("filter_data_type", filter_data_type)
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return accessible(html), resources
