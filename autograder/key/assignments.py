"""Every assignment's answer key, in the order students meet them. Each assignment is one folder,
autograder/key/<assignment>/: its functions' case builders (cases.py), known mistakes with their hints
(mistakes.py), and the mistake of the demo's partly-wrong student (__init__.py). The reference is
autograder/key/reference/, whose files' bytes are verified before grading (autograder/key/verified.py)."""
from autograder.key import architectures, bptt, language_model, lstm_gru, rnn_forward

KEYS = {"rnn_forward": rnn_forward, "bptt": bptt, "architectures": architectures, "lstm_gru": lstm_gru,
        "language_model": language_model}
ORDER = tuple(KEYS)  # as students meet them
# case set (a function's name, or <function>_<what more>: course.signatures.function_of) -> builder(size, rng)
# of its arguments
ARG_BUILDERS = {name: build for key in KEYS.values() for name, build in key.ARG_BUILDERS.items()}
# function -> {hint: wrong function}
MISTAKES = {name: wrong for key in KEYS.values() for name, wrong in key.MISTAKES.items()}
PARTLY_WRONG = {assignment: key.PARTLY_WRONG for assignment, key in KEYS.items()}
