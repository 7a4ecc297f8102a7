"""The arguments of each check case of the architectures assignment's functions; builders reuse the forward
problem's draws, so sizes and seeds mean the same thing."""
from autograder.key import reference
from autograder.key.problems import logits_args, problem
from autograder.key.rnn_forward.cases import cell_forward_args, forward_args
from course.architectures import random_birnn_parameters, random_output_recurrence_parameters, shifted_targets


def _many_to_one_backward_args(size, rng):
    x, y, a0, p = problem(size, rng)
    y_hat, cache = reference.rnn_many_to_one_forward(x, a0, p)
    return (y[:, :, -1], y_hat, cache)


def _states_backward_args(size, rng):
    x, _, a0, p = problem(size, rng)
    a, cache = reference.rnn_states(x, a0, p)
    return (rng.normal(0, 1, a.shape), cache)


def _output_recurrence_problem(size, rng):
    """(x, y, y0, parameters) of a random output-recurrence problem; y0 is a random distribution."""
    x, y, _, p = problem(size, rng)
    n_x, n_a, n_y = size[:3]
    p = dict(p, **{k: v for k, v in random_output_recurrence_parameters(n_x, n_a, n_y, rng).items()
                   if k not in ("Wya", "by")})  # keep the huge output layer when the size asks for one
    del p["Waa"]
    return x, y, reference.softmax(rng.normal(0, 1, (n_y, x.shape[1]))), p


def _output_recurrence_args(size, rng):
    x, _, y0, p = _output_recurrence_problem(size, rng)
    return (x, y0, p)


def _teacher_forward_args(size, rng):
    x, y, y0, p = _output_recurrence_problem(size, rng)
    return (x, shifted_targets(y, y0), p)


def _teacher_backward_args(size, rng):
    x, y, y0, p = _output_recurrence_problem(size, rng)
    _, y_pred, cache = reference.teacher_forcing_forward(x, shifted_targets(y, y0), p)
    return (y, y_pred, cache)


def _birnn_problem(size, rng):
    """(x, y, a0_f, a0_b, parameters) of a random bidirectional problem."""
    x, y, a0_f, p = problem(size, rng)
    n_x, n_a, n_y = size[:3]
    p = random_birnn_parameters(n_x, n_a, n_y, rng)
    if size[5]:
        p["Wya"], p["by"] = p["Wya"] * 1000, p["by"] * 1000
    return x, y, a0_f, rng.normal(0, 0.5, a0_f.shape), p


def _birnn_forward_args(size, rng):
    x, _, a0_f, a0_b, p = _birnn_problem(size, rng)
    return (x, a0_f, a0_b, p)


def _birnn_backward_args(size, rng):
    x, y, a0_f, a0_b, p = _birnn_problem(size, rng)
    _, y_pred, caches = reference.birnn_forward(x, a0_f, a0_b, p)
    return (y, y_pred, caches)


ARG_BUILDERS = {
    "softmax_all_steps": logits_args("softmax_all_steps"),
    "seed002_rnn_cell_forward": cell_forward_args,
    "rnn_states": forward_args,
    "rnn_states_backward": _states_backward_args,
    "rnn_many_to_one_forward": forward_args,
    "rnn_many_to_one_backward": _many_to_one_backward_args,
    "output_recurrence_forward": _output_recurrence_args,
    "teacher_forcing_forward": _teacher_forward_args,
    "teacher_forcing_backward": _teacher_backward_args,
    "birnn_forward": _birnn_forward_args,
    "birnn_backward": _birnn_backward_args,
}
