"""The Jupyter configuration of `./run lab` (autograder/commands/studentlab.py): nbgrader's student side only, the
Assignment List only where an exchange is configured. tests/browser/test_browser_student_lab.py looks at it
in a browser."""
import json
import os
import subprocess
import sys

import pytest

from autograder.commands.studentlab import exchange_configured, lab_root


def run_studentlab(base, *lab_args, cwd):
    proc = subprocess.run([sys.executable, "-m", "autograder.commands.studentlab", str(base), *lab_args], cwd=cwd,
                          capture_output=True, text=True, check=True)
    config = proc.stdout.strip()
    disabled = json.loads((base / config / "labconfig" / "page_config.json").read_text())["disabledExtensions"]
    server = json.loads((base / config / "jupyter_server_config.d" / "rnn-course-student-lab.json").read_text())
    return config, sorted(disabled), sorted(server["ServerApp"]["jpserver_extensions"]), proc.stderr


def test_lab_root_is_the_last_folder_option_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert lab_root([]) == tmp_path
    assert lab_root(["--notebook-dir=a", "--port=1"]) == tmp_path / "a"
    assert lab_root(["--notebook-dir", "a", "--ServerApp.root_dir=b"]) == tmp_path / "b"


def test_without_exchange_only_validate_is_on(tmp_path):
    config, disabled, server_off, stderr = run_studentlab(tmp_path / "cfg", f"--notebook-dir={tmp_path}",
                                                          cwd=tmp_path)
    assert config.endswith("without-exchange")
    assert disabled == ["@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:course-list",
                        "@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:formgrader",
                        "@jupyter/nbgrader:menu"]
    assert server_off == ["nbgrader.server_extensions.assignment_list", "nbgrader.server_extensions.course_list",
                          "nbgrader.server_extensions.formgrader"]
    assert "the Assignment List is off" in stderr and "Validate" in stderr


@pytest.mark.slow
def test_an_exchange_in_the_labs_nbgrader_config_turns_the_assignment_list_on(tmp_path):
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    root = tmp_path / "root"
    root.mkdir()
    (root / "nbgrader_config.py").write_text(f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\n")
    config, disabled, server_off, stderr = run_studentlab(tmp_path / "cfg", "--notebook-dir", str(root),
                                                          cwd=tmp_path)
    assert config.endswith("with-exchange")
    assert disabled == ["@jupyter/nbgrader:course-list", "@jupyter/nbgrader:create-assignment",
                        "@jupyter/nbgrader:formgrader"]
    assert server_off == ["nbgrader.server_extensions.course_list", "nbgrader.server_extensions.formgrader"]
    assert stderr == ""
    exchange.rmdir()  # configured, but not there: the Assignment List could only fail
    assert exchange_configured(root) == (False, str(exchange))


def test_an_exchange_plugin_counts_as_configured_and_one_that_does_not_import_does_not(tmp_path):
    config = tmp_path / "nbgrader_config.py"
    config.write_text("c = get_config()\n"
                      "from nbgrader.exchange.abc import ExchangeList\n"
                      "class PluginList(ExchangeList):\n    pass\n"
                      "c.ExchangeFactory.list = PluginList\n")
    configured, where = exchange_configured(tmp_path)
    assert configured and "PluginList" in where
    config.write_text("c = get_config()\nc.ExchangeFactory.list = 'no_such_exchange.List'\n")
    configured, where = exchange_configured(tmp_path)
    assert not configured and "did not load" in where


@pytest.mark.slow
def test_a_users_own_jupyter_config_does_not_turn_the_instructor_tools_back_on(tmp_path):
    config, *_ = run_studentlab(tmp_path / "cfg", f"--notebook-dir={tmp_path}", cwd=tmp_path)
    user = tmp_path / "user"
    (user / "labconfig").mkdir(parents=True)
    (user / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyter/nbgrader:formgrader": False}}))
    (user / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"nbgrader.server_extensions.formgrader": True}}}))
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(user), JUPYTER_CONFIG_PATH=str(tmp_path / "cfg" / config))
    probe = ("from jupyter_core.paths import jupyter_config_path\n"
             "from jupyter_server.extension.config import ExtensionConfigManager\n"
             "from jupyterlab_server.config import get_page_config\n"
             "print(get_page_config([], None)['disabledExtensions'])\n"
             "manager = ExtensionConfigManager(read_config_path=jupyter_config_path())  # as ServerApp merges them\n"
             "print(manager.get_jpserver_extensions()['nbgrader.server_extensions.formgrader'])\n")
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    disabled, formgrader = out.stdout.splitlines()[-2:]
    assert "@jupyter/nbgrader:formgrader" in disabled
    assert formgrader == "False"
