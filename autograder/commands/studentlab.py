"""The Jupyter configuration of the students' JupyterLab (`./run lab`): the student side of nbgrader only.

    python -m autograder.commands.studentlab BASE_DIR [JUPYTER LAB ARGUMENTS...]

nbgrader installs its instructor tools and its student tools together, each as a JupyterLab plugin and most
also as a Jupyter server extension, all enabled. A student's lab showed an Nbgrader menu with Formgrader,
Course List and Create Assignment, and an Assignment List that said "Error fetching courses!" on a machine
without an exchange. This writes a Jupyter config directory, BASE_DIR/with-exchange or
BASE_DIR/without-exchange, prints its path, and `./run lab` puts it on JUPYTER_CONFIG_PATH:

- always on: Validate (the notebook toolbar's button, plugin `validate-assignment`, server extension
  `validate_assignment`);
- on where an exchange is configured: the Assignment List (plugin `assignment-list`, the Nbgrader menu that
  opens it, server extension `assignment_list`);
- always off: Formgrader, Course List and Create Assignment (plugins `formgrader`, `course-list`,
  `create-assignment`; server extensions `formgrader`, `course_list`).

An exchange is configured when the nbgrader configuration that the Assignment List reads (an
`nbgrader_config.py` in the lab's folder or on Jupyter's config path, e.g. /etc/jupyter on a hub) names an
exchange plugin of its own, or when the directory of the default exchange (`c.Exchange.root`, by default
/usr/local/share/nbgrader/exchange) exists and is writable, which nbgrader requires of it.

Jupyter gives the directories on JUPYTER_CONFIG_PATH precedence over every other config directory, the
user's own (~/.jupyter) included, so these settings hold in `./run lab` whatever else enables the tools. An
instructor's lab is plain `jupyter lab` in the environment, which reads none of this (docs/instructors.md).
JupyterLab reads `labconfig/` again on every page load, so each of the two directories always holds the same
files: two labs, one with an exchange and one without, never see each other's settings.
"""
import json
import os
import sys
from pathlib import Path

PLUGIN = "@jupyter/nbgrader:{}"
SERVER_EXTENSION = "nbgrader.server_extensions.{}"
INSTRUCTOR_PLUGINS = ("formgrader", "course-list", "create-assignment")
INSTRUCTOR_SERVER_EXTENSIONS = ("formgrader", "course_list")
EXCHANGE_PLUGINS = ("assignment-list", "menu")  # nbgrader's menu holds nothing else a student may use
EXCHANGE_SERVER_EXTENSIONS = ("assignment_list",)
ROOT_OPTIONS = ("--notebook-dir", "--ServerApp.root_dir", "--ServerApp.notebook_dir")


def lab_root(args):
    """The folder JupyterLab opens with these command-line arguments (the last one given wins, as in
    traitlets); the working directory when none is given."""
    root = "."
    for i, arg in enumerate(args):
        name, eq, value = arg.partition("=")
        if name in ROOT_OPTIONS:
            root = value if eq else (args[i + 1] if i + 1 < len(args) else root)
    return Path(root).expanduser().resolve()


def exchange_configured(root):
    """(configured, where): whether the Assignment List of a lab opened on `root` can list assignments, and
    the exchange it would use. Reads the configuration as nbgrader's assignment_list server extension does
    (AssignmentList.load_config: `root` first, then Jupyter's config path)."""
    from jupyter_core.paths import jupyter_config_path
    from nbgrader.apps import NbGrader
    from nbgrader.exchange import ExchangeFactory
    from nbgrader.exchange.default import Exchange
    from nbgrader.utils import check_directory

    cwd = os.getcwd()
    try:
        os.chdir(root)  # an nbgrader_config.py may use relative paths, as it may under the server extension
        app = NbGrader(log_level="ERROR")  # not its warning that no nbgrader_config.py was found
        app.config_file_paths.append([str(root), *jupyter_config_path()])
        app.load_config_file()
        lister = ExchangeFactory(config=app.config).List(config=app.config)
    except Exception as e:  # an exchange plugin that does not import: the Assignment List fails on it too
        return False, f"nbgrader's configuration did not load ({type(e).__name__}: {e})"
    finally:
        os.chdir(cwd)
    if not isinstance(lister, Exchange):
        return True, f"exchange plugin {type(lister).__module__}.{type(lister).__name__}"
    return check_directory(lister.root, write=True, execute=True), lister.root


def write_config(config_dir, exchange):
    """Write the lab and server settings into `config_dir`."""
    off_plugins = INSTRUCTOR_PLUGINS + (() if exchange else EXCHANGE_PLUGINS)
    off_server = INSTRUCTOR_SERVER_EXTENSIONS + (() if exchange else EXCHANGE_SERVER_EXTENSIONS)
    files = {
        # JupyterLab merges labconfig/page_config.json of every config directory (jupyterlab_server.config)
        Path("labconfig", "page_config.json"): {
            "disabledExtensions": {PLUGIN.format(p): True for p in off_plugins}},
        # the server reads jupyter_server_config.d/*.json of every config directory, JUPYTER_CONFIG_PATH's last
        Path("jupyter_server_config.d", "rnn-course-student-lab.json"): {
            "ServerApp": {"jpserver_extensions": {SERVER_EXTENSION.format(s): False for s in off_server}}},
    }
    for relative, content in files.items():
        path = Path(config_dir, relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)  # a lab starting at the same moment reads the whole file


def main(argv):
    if not argv:
        sys.exit(__doc__.split("\n\n")[1])
    base, lab_args = Path(argv[0]), argv[1:]
    exchange, where = exchange_configured(lab_root(lab_args))
    config_dir = base / ("with-exchange" if exchange else "without-exchange")
    write_config(config_dir, exchange)
    if not exchange:
        print(f"run: no nbgrader exchange ({where}): the Assignment List is off; "
              "check your notebook with the Validate button in its toolbar", file=sys.stderr)
    print(config_dir)


if __name__ == "__main__":
    main(sys.argv[1:])
