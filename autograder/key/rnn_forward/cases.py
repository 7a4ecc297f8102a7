"""The arguments of each check case of the rnn_forward assignment's functions, built from a size and a seeded
generator."""
from autograder.key.problems import logits_args, problem


def cell_forward_args(size, rng):
    x, _, a0, p = problem(size, rng)
    return (x[:, :, 0], a0, p)


def forward_args(size, rng):
    x, _, a0, p = problem(size, rng)
    return (x, a0, p)


# case set (a function's name, or <function>_<what more>: course.signatures.function_of) -> builder(size, rng)
# of its arguments
ARG_BUILDERS = {
    "softmax": logits_args("softmax"),
    "rnn_cell_forward": cell_forward_args,
    "rnn_forward": forward_args,
}
