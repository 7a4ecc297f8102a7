"""The course's reference solution, one module per family of assignments: rnn (rnn_forward, bptt),
architectures, gated (lstm_gru), language (language_model). Everything grades through this namespace
(reference.<function>).

Grading does not import these files: autograder/key/verified.py executes each one from bytes it checked and
builds this same namespace from them, in the order of REFERENCE_FILES (autograder/core/paths.py)."""
from autograder.key.reference.architectures import *  # noqa: F403
from autograder.key.reference.gated import *  # noqa: F403
from autograder.key.reference.language import *  # noqa: F403
from autograder.key.reference.rnn import *  # noqa: F403
