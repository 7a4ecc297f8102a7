"""The course secret: made on first grading, kept in the gradebook, the same for every grader of one
gradebook, and the seed of each student's hidden cases."""
import multiprocessing

import pytest
from sqlalchemy import create_engine, select

from autograder.core.limits import DEFAULTS
from autograder.trusted import draws
from autograder.trusted.secret import SECRETS, course_secret, hidden_seed, notebook_code


def _secret_in_new_process(db_url, course_id, results):
    course_secret.cache_clear()
    results.put(course_secret(db_url, course_id))


def test_the_secret_is_made_once_and_kept_in_the_gradebook(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    first = course_secret(db_url, "course")
    assert len(first) == 32
    course_secret.cache_clear()  # a later run, another process: read back, not made again
    assert course_secret(db_url, "course") == first
    with create_engine(db_url).connect() as db:
        assert db.execute(select(SECRETS.c.secret)).scalars().all() == [first.hex()]
    assert course_secret(db_url, "another course") != first
    assert course_secret(f"sqlite:///{tmp_path / 'another.db'}", "course") != first  # another course instance


def test_graders_starting_at_once_on_an_empty_gradebook_agree_on_one_secret(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    results = multiprocessing.get_context("fork").Queue()
    graders = [multiprocessing.get_context("fork").Process(target=_secret_in_new_process,
                                                           args=(db_url, "course", results)) for _ in range(4)]
    for g in graders:
        g.start()
    secrets = {results.get(timeout=60) for _ in graders}
    for g in graders:
        g.join()
    assert len(secrets) == 1


@pytest.mark.parametrize("other", [("bptt", "alice"), ("rnn_forward", "bob"), ("rnn_forwar", "dalice")])
def test_each_student_and_assignment_has_a_seed_of_its_own(other):
    secret = bytes(range(32))
    assert hidden_seed(secret, "rnn_forward", "alice") == hidden_seed(secret, "rnn_forward", "alice")
    assert hidden_seed(secret, "rnn_forward", "alice") != hidden_seed(secret, *other)
    assert hidden_seed(secret, "rnn_forward", "alice") != hidden_seed(bytes(32), "rnn_forward", "alice")


def test_a_regrade_of_the_same_code_draws_the_same_cases_and_changed_code_others(tmp_path):
    # What one grading let slip about a student's hidden cases (a timing channel carried them into the next
    # feedback) must be of no use to a notebook changed to exploit it
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    from autograder.trusted.execute import TrustedExecute

    secret = bytes(range(32))
    nb = new_notebook(cells=[new_markdown_cell("# notes"), new_code_cell("def softmax(z):\n    return z")])
    seed = hidden_seed(secret, "rnn_forward", "alice", notebook_code(nb))
    nb.cells[0].source = "# other notes"  # markdown and outputs draw nothing
    nb.cells[1].outputs = [new_output("stream", name="stdout", text="hello")]
    assert hidden_seed(secret, "rnn_forward", "alice", notebook_code(nb)) == seed
    nb.cells[1].source += "  # a comment"
    assert hidden_seed(secret, "rnn_forward", "alice", notebook_code(nb)) != seed
    # as TrustedExecute draws it, from the course secret in the gradebook, with the grading code and limits
    db_url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    course_secret.cache_clear()
    execute = TrustedExecute()
    execute.config.CourseDirectory.course_id = "c"
    resources = {"nbgrader": {"db_url": db_url, "assignment": "rnn_forward", "student": "alice"}}
    grading = draws.grading(60, DEFAULTS.sandbox_memory_mb)
    _, seed, kept = execute._draw(nb, resources, 60)
    assert kept is None
    assert seed == hidden_seed(course_secret(db_url, "c"), "rnn_forward", "alice", notebook_code(nb), grading)
    assert seed != hidden_seed(course_secret(db_url, "c"), "rnn_forward", "alice", notebook_code(nb), "other code")


def test_a_draw_started_and_never_finished_is_drawn_afresh_and_a_finished_one_is_replayed(tmp_path):
    from nbformat.v4 import new_code_cell, new_notebook

    from autograder.trusted.execute import TrustedExecute

    execute = TrustedExecute()
    resources = {"nbgrader": {"db_url": f"sqlite:///{tmp_path / 'gradebook.db'}", "assignment": "a",
                              "student": "alice"}}
    nb = new_notebook(cells=[new_code_cell("x = 1")])
    name, first, _ = execute._draw(nb, resources, 60)  # the grader was stopped during this grading
    again, second, kept = execute._draw(nb, resources, 60)
    assert again == name and second != first and kept is None
    nb.cells[0].outputs, nb.cells[0].execution_count = [{"output_type": "stream", "name": "stdout", "text": "1"}], 1
    execute._keep(nb, resources, name)
    _, _, kept = execute._draw(nb, resources, 60)
    assert kept == [{"count": 1, "outputs": nb.cells[0].outputs, "stopped": None}]


def test_code_cells_that_join_alike_draw_apart_and_verdicts_that_do_not_fit_are_never_reused(tmp_path):
    # An attack: cells joined with "\\0" made [A, B\\0C] and [A, B, C] one draw; the second was then graded on
    # the same hidden cases (the replay refused, the draw not started afresh), again and again, and a changed
    # notebook of the same cell count got its earlier notebook's verdicts
    from nbformat.v4 import new_code_cell, new_notebook

    from autograder.trusted.execute import TrustedExecute

    def notebook(*sources):
        return new_notebook(cells=[new_code_cell(source) for source in sources])
    assert notebook_code(notebook("A", "B\0C")) != notebook_code(notebook("A", "B", "C"))
    execute = TrustedExecute()
    resources = {"nbgrader": {"db_url": f"sqlite:///{tmp_path / 'gradebook.db'}", "assignment": "a",
                              "student": "alice"}}
    nb = notebook("x = 1")
    name, first, replayed = execute._draw_or_replay(nb, resources, 60)
    assert not replayed
    execute._keep(notebook("x = 1", "y = 2"), resources, name)  # verdicts of other code under this draw's name
    again, second, replayed = execute._draw_or_replay(nb, resources, 60)
    assert again == name and not replayed and second != first
