"""The answer key of the rnn_forward assignment: its functions' check cases and known mistakes, and the
mistake the demo's partly-wrong student makes."""
from autograder.key.rnn_forward.cases import ARG_BUILDERS
from autograder.key.rnn_forward.mistakes import MISTAKES

# (grade id, text in the solution, replacement): one wrong line, a known mistake, so the report shows its hint
PARTLY_WRONG = ("rnn_cell_forward", "Wax @ xt + ba)", "Wax @ xt)")

__all__ = ["ARG_BUILDERS", "MISTAKES", "PARTLY_WRONG"]
