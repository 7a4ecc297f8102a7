"""The answer key of the lstm_gru assignment: its functions' check cases and known mistakes, and the mistake the
demo's partly-wrong student makes."""
from autograder.key.lstm_gru.cases import ARG_BUILDERS
from autograder.key.lstm_gru.mistakes import MISTAKES

# (grade id, text in the solution, replacement): one wrong line, a known mistake, so the report shows its hint
PARTLY_WRONG = ("lstm_cell_backward", "\"dc_prev\": dc * ft", "\"dc_prev\": dc")

__all__ = ["ARG_BUILDERS", "MISTAKES", "PARTLY_WRONG"]
