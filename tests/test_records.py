"""One source for every limit (autograder/core/limits.py) and typed records with a schema on disk
(autograder/core/records.py)."""
import json

import pytest
from traitlets.config import Config

from autograder.batch.outcomes import load_outcomes, outcomes_dir, save_outcome
from autograder.core.limits import DEFAULTS, GradingLimits
from autograder.core.paths import COURSE_ROOT
from autograder.core.records import OUTCOME_SCHEMA, Outcome
from autograder.gradebook.config import load_config


def test_the_cell_timeout_is_nbgraders_own_unless_the_course_sets_ours():
    assert GradingLimits.of(Config()).cell_timeout == DEFAULTS.cell_timeout == 60
    plain = Config()
    plain.Execute.timeout = 15  # what an nbgrader instructor sets
    assert GradingLimits.of(plain).cell_timeout == 15
    both = Config()
    both.Execute.timeout, both.GradingLimits.cell_timeout = 15, 25
    assert GradingLimits.of(both).cell_timeout == 25


def test_the_courses_config_sets_what_the_sandbox_gets():
    config = load_config(COURSE_ROOT)
    limits = GradingLimits.of(config)
    assert (limits.cell_timeout, limits.sandbox_memory_mb, limits.sandbox_processes) == (60, 2048, 256)
    config.GradingLimits.sandbox_processes = 64
    assert GradingLimits.of(config).sandbox_processes == 64


def test_an_outcome_file_says_its_schema_and_a_newer_one_is_refused_with_what_to_do(tmp_path):
    outcome: Outcome = {"student": "alice", "failed": False, "problems": [], "scores": {}}
    save_outcome(tmp_path, "rnn_forward", outcome)
    written = json.loads((outcomes_dir(tmp_path, "rnn_forward") / "alice.json").read_text())
    assert written["schema"] == OUTCOME_SCHEMA
    old = dict(written, student="bob")
    old.pop("schema")  # written before outcomes had a schema: read as they are
    (outcomes_dir(tmp_path, "rnn_forward") / "bob.json").write_text(json.dumps(old))
    assert set(load_outcomes(tmp_path, "rnn_forward")) == {"alice", "bob"}
    (outcomes_dir(tmp_path, "rnn_forward") / "carol.json").write_text(json.dumps(dict(written, schema=99)))
    with pytest.raises(SystemExit, match="newer version of the course's grader \\(carol\\).*move the folder away"):
        load_outcomes(tmp_path, "rnn_forward")
