"""The feedback page of a notebook nbgrader could not grade, or whose page it could not write, comes from a
template with autoescaping (autograder/batch/templates/stand_in_page.html): what a submission chose (a
reason quoting its text, a grade id) reaches the page as text."""
from autograder.batch.stand_in_pages import failure_feedback, unrendered_feedback

HOSTILE = "<img src=x onerror=alert(1)>"


def test_a_failure_page_says_why_and_the_total_and_runs_nothing_it_quotes(tmp_path):
    failure_feedback(tmp_path, "rnn_forward", "alice", ["rnn_forward"], f"invalid JSON near {HOSTILE}",
                     {"test_softmax": (0, 2), "test_rnn_forward": (0, 3)})
    page = (tmp_path / "feedback" / "alice" / "rnn_forward" / "rnn_forward.html").read_text()
    assert "<b>This notebook could not be graded:</b> invalid JSON near &lt;img src=x onerror=alert(1)&gt;.</p>" in page
    assert "It scores 0. Your total for rnn_forward is 0 / 5." in page
    assert "<img" not in page


def test_a_page_of_scores_lists_each_test_escaped(tmp_path):
    unrendered_feedback(tmp_path, "bptt", "bob", ["bptt"], "the page passed its size limit",
                        {"test_rnn_loss": (1.5, 2), HOSTILE: (0, 1)})
    page = (tmp_path / "feedback" / "bob" / "bptt" / "bptt.html").read_text()
    assert "<tr><td>test_rnn_loss</td><td>1.5 / 2</td></tr>" in page
    assert "<tr><td>&lt;img src=x onerror=alert(1)&gt;</td><td>0 / 1</td></tr>" in page
    assert "Your total for bptt is 1.5 / 3." in page and "<img" not in page
