"""What every explorer shares: controls that redraw one matplotlib figure from a student's own function.

An explorer is a subclass of `Explorer` that builds its controls (`slider`, `choice`) and its figure
(`new_figure`), names the artists that move, and defines two methods:

    compute(**values) -> data    calls the student's function (through `call_student`) for the controls'
                                 values; raises NotReady(message) when no honest picture can be drawn
    draw(data) -> str or None    moves the named artists (set_data, set_ydata, ...); returns the readout
                                 text (HTML) shown under the figure

The figure is rendered once; a move redraws only the named artists over a saved background (blitting) and
sends the result as a PNG to an `ipywidgets.Image`, so no new figure is made per move and no matplotlib
backend beyond Agg is needed. Every update's kernel-side time is recorded in `explorer.timer`.
`require(name, fn)` guards the notebook cells that demonstrate a student's function outside an explorer.
Tests (and benchmarks) drive an explorer from the kernel: `explorer.move(name=value, ...)`, then read
`explorer.message`, `explorer.plotted(artist_name)` and `explorer.png`.
"""
import html
import statistics
import struct
import time
import zlib
from contextlib import contextmanager

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from course.checking import describe_exception, local_call, run_checks
from course.selfcheck import failure_report, stored_cases
from course.signatures import SIGNATURES

NOT_RUNNING = ("The explorer runs in the notebook's kernel, and this output comes from a kernel that is no longer "
               "running (the notebook was reopened, or the kernel restarted). Select this cell, use Run > Run All "
               "Above Selected Cell, then run this cell.")


MIN_SCALE = 0.8  # of its own pixels, the least an explorer's picture is shrunk to fit a narrow notebook

# Under every explorer: after a kernel restart the page keeps the old sliders, which move and draw nothing, and
# no error says why (nothing reaches a kernel that is gone)
STALE = ("Sliders move but the picture stays? The kernel was restarted: use Run > Run All Above Selected Cell, "
         "then run this cell.")


class NotReady(Exception):
    """The student's function cannot drive the explorer (or a demo cell) yet; the message says why.

    An explorer shows the message instead of its figure; raised in a notebook cell, IPython shows the
    message alone, without a traceback."""

    def _render_traceback_(self):
        return ["\x1b[0;31m" + "\n".join(self.args) + "\x1b[0m"]


def self_check_failure(name, fn):
    """None if `fn` passes the self-check of `name`, else its report and a note on failing functions it calls."""
    passed, report = run_checks(name, local_call(fn), stored_cases(name))
    return None if passed else failure_report(name, fn, report)


def require(name, fn):
    """For a notebook cell that shows the student's function `name` at work: stop the cell with a plain
    message unless `fn` passes its self-check, so that no demo prints numbers from unfinished code."""
    if not callable(fn):
        raise NotReady(f"This cell needs your function {name}, but {name} is a {type(fn).__name__}.")
    failure = self_check_failure(name, fn)
    if failure and "not implemented yet" in failure:
        raise NotReady(f"This cell needs your {name}, which is not implemented yet: write it, run its "
                       "self-check, then run this cell again.")
    if failure:
        raise NotReady(f"This cell needs your {name}, which does not pass its self-check yet:\n{failure}")


def current_version(fn):
    """The function now defined under fn's name where fn was defined (a notebook's namespace, when the student
    runs the cell again), or fn itself: a function defined inside another, a lambda, or a name that now holds
    something else keeps the one the explorer was given."""
    qualname = getattr(fn, "__qualname__", None)
    namespace = getattr(fn, "__globals__", None)
    if not isinstance(namespace, dict) or qualname != getattr(fn, "__name__", None):
        return fn
    now = namespace.get(qualname)
    return now if callable(now) and getattr(now, "__qualname__", None) == qualname else fn


def call_student(name, fn, *args):
    """fn(*args), or NotReady whose message says plainly what went wrong (not implemented, what it raised
    and at which line of the student's code)."""
    try:
        return fn(*args)
    except Exception as exc:  # the student's code may raise anything; the explorer says what
        lines = describe_exception(name, exc, args if name in SIGNATURES else ())
        raise NotReady("\n".join(lines)) from None


def expect_array(value, shape, what):
    """Raise NotReady unless `value` is a finite numpy array of `shape`; `what` names it in the message."""
    if type(value) is not np.ndarray:
        raise NotReady(f"{what} is a {type(value).__name__}, expected a numpy array of shape {shape}.")
    if value.shape != tuple(shape):
        raise NotReady(f"{what} has shape {value.shape}, expected {tuple(shape)}.")
    if not np.all(np.isfinite(value)):
        raise NotReady(f"{what} contains nan or inf.")
    return value


_STYLE = {"description_width": "9em"}


def slider(description, min, max, value, step, readout_format=None):
    """A slider that redraws while it is dragged; an IntSlider when every number is an int."""
    ints = all(isinstance(v, int) for v in (min, max, value, step))
    kind = widgets.IntSlider if ints else widgets.FloatSlider
    kwargs = {} if ints or readout_format is None else {"readout_format": readout_format}
    return kind(description=description, min=min, max=max, value=value, step=step, continuous_update=True,
                style=_STYLE, layout=widgets.Layout(width="24em"), **kwargs)


def choice(description, options, value=None):
    """A row of toggle buttons, one per option, wide enough for the longest option's text."""
    options = list(options)
    width = max(6.0, 0.7 * max(len(str(o)) for o in options) + 2.5)  # about 0.7 em a character, plus padding
    return widgets.ToggleButtons(description=description, options=options,
                                 value=value if value is not None else options[0],
                                 style={**_STYLE, "button_width": f"{width:.1f}em"})


def new_figure(width, height, dpi=90, layout="constrained"):
    """A figure on its own Agg canvas: never shown by pyplot, so displaying the explorer shows it once.
    layout=None skips the constrained layout's first-draw cost (about half of it) for a figure that
    places its axes itself."""
    figure = Figure(figsize=(width, height), dpi=dpi, layout=layout)
    FigureCanvasAgg(figure)
    return figure


def png_bytes(canvas):
    """The canvas as a PNG: RGB rows, no filtering, zlib level 1. A plot is mostly flat colour, so this is
    about as small as Pillow's PNG and, measured on this figure, a third faster to make."""
    width, height = canvas.get_width_height()
    rgb = np.asarray(canvas.buffer_rgba())[:, :, :3].reshape(height, 3 * width)
    rows = np.hstack([np.zeros((height, 1), np.uint8), rgb])  # filter type 0 (none) before every row

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows.tobytes(), 1))
            + chunk(b"IEND", b""))


class UpdateTimer:
    """Kernel-side duration of every update, from reading the controls to the new PNG."""

    def __init__(self):
        self.seconds = []

    @contextmanager
    def timing(self):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds.append(time.perf_counter() - start)

    def summary(self, last=None):
        """'median X ms, worst Y ms over N updates' of the last `last` updates (all by default)."""
        s = self.seconds[-last:] if last else self.seconds
        if not s:
            return "no updates yet"
        return f"median {statistics.median(s) * 1e3:.1f} ms, worst {max(s) * 1e3:.1f} ms over {len(s)} updates"


class Explorer:
    """Base class of the course's explorers; see the module docstring for what a subclass defines.

    Arguments:
    controls -- dict name -> widget; compute() receives the widgets' values as keyword arguments
    figure -- from new_figure(); its axes limits stay fixed, so moves never need a new layout
    artists -- dict name -> matplotlib artist that draw() moves; plotted(name) reads it back
    students -- (function name, attribute) of each student function the picture shows: once compute()
                works, the figure waits until that function passes its self-check (a wrong function's
                picture would teach the wrong lesson)
    """

    def __init__(self, controls, figure, artists, students=()):
        self.controls, self.figure, self.artists = controls, figure, artists
        self.students, self._verdicts = students, {}
        self.timer = UpdateTimer()
        self.message = None  # the text shown instead of the figure, or None while the figure is shown
        self.png = b""
        self._background = None
        self._paused = False
        for artist in artists.values():
            artist.set_animated(True)  # left out of the background, drawn over it on every move
        # Never wider than the figure's own pixels: a stretched PNG looks soft; a narrow notebook shrinks it, but
        # to MIN_SCALE at most (a 900 px window with the file browser open made the legend's text 6 px): below
        # that the output area scrolls.
        width = int(round(figure.bbox.width))
        self._image = widgets.Image(format="png", layout=widgets.Layout(
            max_width=f"{width}px", min_width=f"{int(width * MIN_SCALE)}px"))
        self._notice = widgets.HTML()
        self._readout = widgets.HTML()
        self.widget = widgets.VBox([self._controls_box(), self._notice, self._image, self._readout,
                                    widgets.HTML(f'<span style="color: #666; font-size: 0.85em">{STALE}</span>')])
        for control in controls.values():
            control.observe(self.update, names="value")
        self.update()

    def _controls_box(self):
        """Sliders in two columns, other controls below them."""
        sliders = [w for w in self.controls.values() if isinstance(w, (widgets.IntSlider, widgets.FloatSlider))]
        others = [w for w in self.controls.values() if w not in sliders]
        half = (len(sliders) + 1) // 2
        columns = widgets.HBox([widgets.VBox(sliders[:half]), widgets.VBox(sliders[half:])])
        return widgets.VBox([columns, *others])

    def values(self):
        return {name: control.value for name, control in self.controls.items()}

    def compute(self, **values):
        raise NotImplementedError("an Explorer subclass defines compute()")

    def draw(self, data):
        raise NotImplementedError("an Explorer subclass defines draw()")

    def update(self, change=None):
        """Recompute and redraw for the controls' current values (called on every control move)."""
        if self._paused:
            return
        with self.timer.timing():
            self._reread_students()
            try:
                data = self.compute(**self.values())
                self._require_self_checks()
            except NotReady as exc:
                self._show_message(str(exc))
                return
            readout = self.draw(data)
            self._render()
            self.message = None
            self._notice.value = ""
            self._readout.value = readout or ""
            self._image.layout.display = None

    def _reread_students(self):
        """Take the student's current version of each function: a student who fixes rnn_forward and runs its
        cell again defines a new function, and an explorer that kept the old one went on saying it fails."""
        for _, attribute in self.students:
            setattr(self, attribute, current_version(getattr(self, attribute)))

    def _require_self_checks(self):
        """NotReady unless every student function of the picture passes its self-check. A pass is kept for as
        long as the function is the same; a failure is checked again on every update, since the fix may be in
        a function it calls (rnn_cell_forward), which the student can run again without touching this one."""
        for name, attribute in self.students:
            fn = getattr(self, attribute)
            if self._verdicts.get(fn, True) is not None:
                self._verdicts[fn] = self_check_failure(name, fn)
            if self._verdicts[fn]:
                raise NotReady(f"Your {name} runs, but does not pass its self-check yet, and a picture of a wrong "
                               f"{name} would mislead. Its self-check says:\n{self._verdicts[fn]}\n"
                               f"Fix it, run the cell that defines {name} and its self-check cell again, then move a "
                               f"slider here: the explorer uses your current {name}.")

    def move(self, **values):
        """Set several controls at once, as a student dragging them would, with one update at the end."""
        unknown = set(values) - set(self.controls)
        if unknown:
            raise KeyError(f"no controls {sorted(unknown)}; the controls are {sorted(self.controls)}")
        self._paused = True
        try:
            for name, value in values.items():
                self.controls[name].value = value
        finally:
            self._paused = False
        self.update()

    def plotted(self, name):
        """(x, y) arrays an artist draws now, as the student sees them."""
        x, y = self.artists[name].get_data()
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    @property
    def readout(self):
        """The line under the figure (HTML), as the student sees it; "" while a message replaces the figure."""
        return self._readout.value

    def _show_message(self, text):
        self.message = text
        self._notice.value = (
            '<pre style="white-space: pre-wrap; color: #a00; background: #fff4f4; padding: 0.6em; margin: 0">'
            f"The explorer cannot draw yet.\n{html.escape(text)}</pre>")
        self._readout.value = ""
        self._image.layout.display = "none"

    def _render(self):
        canvas = self.figure.canvas
        if self._background is None:  # the first picture: lay out once, keep everything that never moves
            canvas.draw()
            self.figure.set_layout_engine("none")  # a frozen layout keeps the background valid
            self._background = canvas.copy_from_bbox(self.figure.bbox)
        canvas.restore_region(self._background)
        for artist in self.artists.values():
            artist.axes.draw_artist(artist)
        self.png = png_bytes(canvas)
        self._image.value = self.png

    def _ipython_display_(self):
        """The widget, and as its plain-text form what to do when the widget cannot be shown: a saved
        notebook keeps the output, but the explorer lived in a kernel that is gone."""
        from IPython.display import display
        display({**self.widget._repr_mimebundle_(), "text/plain": NOT_RUNNING}, raw=True)
