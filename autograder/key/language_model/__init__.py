"""The answer key of the language_model assignment: its functions' check cases and known mistakes, and the mistake
the demo's partly-wrong student makes."""
from autograder.key.language_model.cases import ARG_BUILDERS
from autograder.key.language_model.mistakes import MISTAKES

# (grade id, text in the solution, replacement): one wrong line, a known mistake, so the report shows its hint
PARTLY_WRONG = ("temperature_softmax", "logits / temperature", "logits * temperature")

__all__ = ["ARG_BUILDERS", "MISTAKES", "PARTLY_WRONG"]
