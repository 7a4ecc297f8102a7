"""Drive JupyterLab in a real browser as a student does, on a server set up as a student's machine would be.

LabServer: JupyterLab as `./run lab` starts it (nbgrader's student side only), on 127.0.0.1 with a token, in a
temporary root holding a copy of release/ (the student notebooks, untouched) and solved/ (the same notebooks
with the instructor's answers in the answer cells), and with temporary Jupyter config/data/runtime and IPython
directories, so nothing leaks between runs or into the developer's own settings. The kernel imports `course`
from the installed package, as a student's does.

Lab: one browser page on it, where notebooks open as tabs; Notebook: one of them: run it with the menus, use
the toolbar, move sliders, read the screen.
Every wait is on a condition of the page (a prompt number, the kernel indicator, an image's bytes), with a
timeout generous enough for a loaded 2-core machine; nothing sleeps for a fixed time.

Used by the tests in this folder and by benchmarks/bench_browser.py.
"""
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat

from autograder.commands.answers import fill, read, solution
from autograder.commands.workcopy import work_copy
from autograder.core.paths import COURSE_ROOT

ARTIFACTS = COURSE_ROOT / "test-artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
# Without the networking flags chromium keeps calling Google services, which fails slowly on a closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps",
                 "--disable-extensions", "--mute-audio"]
VIEWPORT = {"width": 1280, "height": 900}

# JupyterLab settings of a plain student setup minus what gets in a test's way: every cell stays in the DOM
# (no virtual scrolling), and no news or update pop-ups.
USER_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}


def released_notebooks():
    """(assignment, notebook file name) of every released notebook."""
    return sorted((p.parent.name, p.name) for p in (COURSE_ROOT / "release").glob("*/*.ipynb"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_root(root):
    """root/release: a copy of release/; root/solved: the released notebooks with the instructor's answers;
    root/work: the copies `./run lab` makes."""
    shutil.copytree(COURSE_ROOT / "release", root / "release")
    for assignment, name in released_notebooks():
        work_copy(COURSE_ROOT / "release" / assignment / name, root / "work" / assignment / name)
    for assignment, name in released_notebooks():
        source = COURSE_ROOT / "source" / assignment / name
        solved = fill(read(COURSE_ROOT / "release" / assignment / name), solution(read(source)))  # answers too
        (root / "solved" / assignment).mkdir(parents=True, exist_ok=True)
        nbformat.write(solved, root / "solved" / assignment / name)


def _write_user_settings(config_dir):
    for plugin, values in USER_SETTINGS.items():
        package, name = plugin.rsplit("/", 1)
        path = config_dir / "lab" / "user-settings" / package / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


class LabServer:
    """A student's JupyterLab (`./run lab` on `root`), or with `instructor` the instructor's: plain
    `jupyter lab` in the course directory `root`, every nbgrader tool on (formgrader reads the course's
    nbgrader_config.py there). `env`: more environment variables for the server."""

    def __init__(self, base, root, instructor=False, env=None):
        self.root, self.port, self.token = root, free_port(), secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        homes = {k: base / k.lower() for k in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR",
                                               "IPYTHONDIR")}
        for d in homes.values():
            d.mkdir()
        _write_user_settings(homes["JUPYTER_CONFIG_DIR"])
        env = {**os.environ, **{k: str(v) for k, v in homes.items()},
               "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               "JUPYTER_PLATFORM_DIRS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1", **(env or {})}
        env.pop("JUPYTER_PATH", None)
        env.pop("JUPYTER_CONFIG_PATH", None)
        self.log_path = base / "server.log"
        self.log = open(self.log_path, "w")  # closed in stop()
        # a student's: `./run lab` on a folder of one's own, with the Jupyter config `./run lab` adds (nbgrader's
        # student side only, autograder/commands/studentlab.py)
        start = ([sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root}"] if instructor
                 else [str(COURSE_ROOT / "run"), "lab", f"--notebook-dir={root}"])
        cmd = [*start, "--no-browser", "--allow-root",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={self.token}",
               "--LabApp.news_url=None", "--LabApp.expose_app_in_browser=True",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        # cwd = the root, as when a student starts `jupyter lab` among their notebooks: nbgrader's Validate
        # then reads no course configuration, exactly as on a student's machine.
        self.proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def wait_ready(self, timeout=180):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.proc.returncode}:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"JupyterLab did not answer on {self.url} within {timeout} s:\n{self.log_text()}")

    def log_text(self):
        self.log.flush()
        return self.log_path.read_text()[-5000:]

    def stop(self):
        """SIGTERM lets the server shut its kernels down; whatever is left of its process group is killed."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.log.close()


def launch_chromium(playwright):
    if not Path(CHROMIUM).exists():
        raise FileNotFoundError(f"{CHROMIUM} is missing: install it with `apt-get install -y chromium` "
                                "(./run test does, as root)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


RUN_TIMEOUT_MS = 180_000  # a whole notebook on a busy machine
ACTION_TIMEOUT_MS = 60_000  # a click, a menu, a widget to appear
UPDATE_TIMEOUT_MS = 20_000  # one slider move round trip

PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"

# JS: the execution counts of the code cells of the visible notebook ("" when never run, "*" when pending).
_PROMPTS_JS = f"""() => [...document.querySelectorAll('{PANEL} .jp-CodeCell .jp-InputPrompt')]
    .map(p => p.textContent.trim().replace(/^\\[|\\]:?$/g, '').trim())"""

# JS: the visible notebook's kernel is connected and idle (JupyterLab's own session state).
_KERNEL_IDLE_JS = """() => {
    const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
    return !!(k && k.status === 'idle' && k.connectionStatus === 'connected' && w.context.isReady);
}"""

# JS: every cell of the visible notebook's model is in the page (JupyterLab attaches them progressively).
_ALL_CELLS_SHOWN_JS = f"""() => {{
    const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    return !!(w && w.model && document.querySelectorAll('{PANEL} .jp-Notebook .jp-Cell').length
              === w.model.cells.length);
}}"""

# JS: a fingerprint of what an output area draws (the bytes of its images, svg, canvas), as a promise. It
# changes when the picture does, and only then: an ipywidgets Image may re-create its blob: URL for the same
# bytes, so the URL alone would report a change that is not one.
FINGERPRINT_JS = """async (root) => {
    const hash = (bytes) => { let h = 2166136261; for (let i = 0; i < bytes.length; i++)
                                  h = Math.imul(h ^ bytes[i], 16777619); return (h >>> 0).toString(16); };
    const parts = [];
    for (const el of root.querySelectorAll('img, svg:not([data-icon]), canvas')) {
        if (el.tagName === 'IMG') {
            const bytes = el.src ? new Uint8Array(await (await fetch(el.src)).arrayBuffer()) : new Uint8Array();
            parts.push('img:' + bytes.length + ':' + hash(bytes));
        } else if (el.tagName === 'CANVAS') parts.push('canvas:' + el.toDataURL());
        else parts.push('svg:' + el.innerHTML.length + ':' + hash(new TextEncoder().encode(el.innerHTML)));
    }
    return parts.join('|');
}"""


class Lab:
    """One JupyterLab page; notebooks open in it as tabs, as when a student double-clicks them."""

    def __init__(self, page, server):
        self.page, self.server = page, server

    def start(self):
        self.page.set_default_timeout(ACTION_TIMEOUT_MS)
        self.page.goto(f"/lab?reset&token={self.server.token}")
        self.page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget !== undefined",
                                    timeout=RUN_TIMEOUT_MS)
        self.page.evaluate("() => window.jupyterapp.restored.then(() => true)")
        return self

    def snapshot(self, name):
        """Save a screenshot of the page as test-artifacts/browser/<name>.png; return its path."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / ("".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name) + ".png")
        self.page.screenshot(path=path)
        return path

    def open(self, path):
        """Open notebook `path` (relative to the server root); wait until all its cells are shown and its
        kernel is idle. Return a Notebook.

        On a loaded machine JupyterLab sometimes asks which kernel to start before it has read the kernel
        list, although the notebook names one; a student then clicks Select, and so does this."""
        self.page.evaluate("p => { window.jupyterapp.commands.execute('docmanager:open', {path: p}); }", path)
        ready = f"""() => {{
            const w = window.jupyterapp.shell.currentWidget;
            return !!(w && w.context && w.context.path === {json.dumps(path)})
                && ({_KERNEL_IDLE_JS})() && ({_ALL_CELLS_SHOWN_JS})();
        }}"""
        deadline = time.monotonic() + RUN_TIMEOUT_MS / 1000
        while not self.page.evaluate(ready):
            dialog = self.page.locator(".jp-Dialog", has_text="Select Kernel")
            if dialog.count():
                assert "Python 3" in dialog.locator("select").input_value() + dialog.inner_text()
                dialog.locator(".jp-mod-accept").click()
            if time.monotonic() > deadline:
                shot = self.snapshot(f"FAILED-open-{path}")
                raise TimeoutError(f"{path} did not open with an idle kernel; the page: {shot}")
            self.page.wait_for_timeout(100)  # poll interval of the condition above
        return Notebook(self, path, self.page.evaluate("() => window.jupyterapp.shell.currentWidget.id"))

    def menu(self, top, item):
        """Click menu `top` > `item` in the main menu bar, as a student does."""
        self.page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=re.compile(f"^{top}$")).click()
        self.page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()


class Notebook:
    """One open notebook (a tab of the Lab page). Its methods act on the current tab: `activate` it first."""

    def __init__(self, lab, path, widget_id):
        self.lab, self.page, self.path, self.id = lab, lab.page, path, widget_id

    def file(self):
        """The notebook file as the server holds it (an nbformat node)."""
        return read(self.lab.server.root / self.path)

    def activate(self):
        self.page.evaluate("id => window.jupyterapp.shell.activateById(id)", self.id)
        self.page.wait_for_function("id => window.jupyterapp.shell.currentWidget.id === id", arg=self.id)
        return self

    def snapshot(self, name):
        return self.lab.snapshot(name)

    def wait_idle(self):
        self.page.wait_for_function(_KERNEL_IDLE_JS, timeout=RUN_TIMEOUT_MS)

    def prompts(self):
        return self.page.evaluate(_PROMPTS_JS)

    def _run_and_wait(self, top, item):
        """Run a menu command that executes cells and wait until the kernel has finished all it was sent.

        JupyterLab marks every cell it sends as pending ([*]) before sending it; the kernel aborts the queue
        at the first error. So the run is over when a cell got a new count, none is pending and the kernel
        indicator is idle."""
        before = max([int(p) for p in self.prompts() if p.isdigit()] or [0])
        self.lab.menu(top, item)
        try:
            self._wait_run_over(before)
        except Exception:
            self.snapshot(f"FAILED-{item}-{self.path}")
            raise

    def _wait_run_over(self, before):
        self.page.wait_for_function(
            f"""(before) => {{
                const ps = ({_PROMPTS_JS})();
                return ps.some(p => /^\\d+$/.test(p) && +p > before) && !ps.includes('*')
                    && ({_KERNEL_IDLE_JS})();
            }}""", arg=before, timeout=RUN_TIMEOUT_MS)

    def run_all(self):
        """Run > Run All Cells; stops at the first cell that raises, as JupyterLab does."""
        self._run_and_wait("Run", "Run All Cells")

    def run_all_past_errors(self):
        """What a student does with an unfinished notebook: Run All, and after each error select the next
        cell and run it and everything below, until every code cell has run."""
        self.run_all()
        while True:
            prompts = self.prompts()
            pending = [i for i, p in enumerate(prompts) if not p.isdigit()]
            if not pending:
                return
            self.select_code_cell(pending[0])
            self._run_and_wait("Run", "Run Selected Cell and All Below")

    # --- cells -----------------------------------------------------------------------------------------
    def cells(self):
        """Locators of all cells (markdown and code), in notebook order."""
        return self.page.locator(f"{PANEL} .jp-Notebook .jp-Cell").all()

    def code_cells(self):
        return self.page.locator(f"{PANEL} .jp-Notebook .jp-CodeCell").all()

    def select_code_cell(self, index):
        cell = self.code_cells()[index]
        cell.locator(".jp-InputPrompt").click()

    def output_text(self, cell):
        return cell.locator(".jp-Cell-outputArea").inner_text()

    def error_outputs(self, cell):
        """Texts of the error (stderr-styled) outputs of a cell: tracebacks and SelfCheckFailed messages."""
        return cell.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()

    # --- widgets ---------------------------------------------------------------------------------------
    def sliders(self, cell):
        return [Slider(self, s) for s in cell.locator(".widget-slider").all()]

    def fingerprint(self, cell):
        return cell.locator(".jp-Cell-outputArea").evaluate(FINGERPRINT_JS)

    def wait_picture_change(self, cell, old, timeout=UPDATE_TIMEOUT_MS):
        """Wait until the picture in the cell's output differs from fingerprint `old`."""
        cell.locator(".jp-Cell-outputArea").evaluate(
            f"""(root, old) => new Promise((resolve, reject) => {{
                const fp = {FINGERPRINT_JS};
                let busy = false, again = false;
                const look = async () => {{
                    if (busy) {{ again = true; return; }}
                    busy = true;
                    do {{ again = false; if (await fp(root) !== old) {{ obs.disconnect(); resolve(); return; }} }}
                    while (again);
                    busy = false;
                }};
                const obs = new MutationObserver(look);
                obs.observe(root, {{subtree: true, childList: true, attributes: true}});
                look();
                setTimeout(() => {{ obs.disconnect(); reject(new Error('the picture did not change')); }},
                           {timeout});
            }})""", old)

    # --- nbgrader ----------------------------------------------------------------------------------------
    def validate(self):
        """Click nbgrader's Validate toolbar button; return the dialog's validation message locator."""
        self.page.locator(f"{PANEL} .jp-Toolbar-item").filter(has_text="Validate").click()
        message = self.page.locator(".jp-Dialog #validation-message")
        message.wait_for(timeout=RUN_TIMEOUT_MS)
        return message

    def close_dialog(self):
        self.page.locator(".jp-Dialog .jp-mod-accept").click()
        self.page.locator(".jp-Dialog").wait_for(state="detached")

    def close(self):
        """Shut the notebook's kernel down and close its tab without saving (the files are throwaway copies)."""
        self.page.evaluate("""async id => {
            const w = [...window.jupyterapp.shell.widgets('main')].find(w => w.id === id);
            if (!w) return;
            await w.sessionContext.shutdown();
            w.dispose();
        }""", self.id)


class Slider:
    """One ipywidgets slider (noUiSlider underneath): its handle carries role=slider and aria values.

    noUiSlider writes aria-valuenow/min/max with one decimal (0.95 shows as "0.9"); aria-valuetext holds the
    value itself, so `value` reads that."""

    def __init__(self, lab, root):
        self.lab, self.root = lab, root
        self.handle = root.locator(".noUi-handle[role='slider']")

    @property
    def label(self):
        return self.root.locator(".widget-label").inner_text().strip()

    @property
    def value(self):
        return float(self.handle.get_attribute("aria-valuetext"))

    @property
    def bounds(self):
        return tuple(float(self.handle.get_attribute(f"aria-value{end}")) for end in ("min", "max"))

    @property
    def readout_text(self):
        """The number the slider shows next to it, as shown."""
        return self.root.locator(".widget-readout").inner_text().strip().replace("\u2212", "-")

    def press(self, key):
        """Focus the handle and press `key` (ArrowRight/ArrowLeft move one step)."""
        self.handle.focus()
        self.lab.page.keyboard.press(key)

    def drag_to(self, fraction):
        """Drag the handle with the mouse to `fraction` (0..1) of the track."""
        self.handle.scroll_into_view_if_needed()
        track = self.root.locator(".noUi-base").bounding_box()
        box = self.handle.bounding_box()
        mouse = self.lab.page.mouse
        mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        mouse.down()
        mouse.move(track["x"] + fraction * track["width"], box["y"] + box["height"] / 2, steps=5)
        mouse.up()
