"""The answer key of the architectures assignment: its functions' check cases and known mistakes, and the
mistake the demo's partly-wrong student makes."""
from autograder.key.architectures.cases import ARG_BUILDERS
from autograder.key.architectures.mistakes import MISTAKES

# (grade id, text in the solution, replacement): the backward direction's input gradient left in reversed time
PARTLY_WRONG = ("birnn_backward", 'g_b["dx"][:, :, ::-1]', 'g_b["dx"]')

__all__ = ["ARG_BUILDERS", "MISTAKES", "PARTLY_WRONG"]
