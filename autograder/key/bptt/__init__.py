"""The answer key of the bptt assignment: its functions' check cases and known mistakes, and the mistake the
demo's partly-wrong student makes."""
from autograder.key.bptt.cases import ARG_BUILDERS
from autograder.key.bptt.mistakes import MISTAKES

# (grade id, text in the solution, replacement): one wrong line, a known mistake, so the report shows its hint
PARTLY_WRONG = ("rnn_backward", "for t in range(T_x - 1, -1, -1):", "for t in range(T_x):")

__all__ = ["ARG_BUILDERS", "MISTAKES", "PARTLY_WRONG"]
