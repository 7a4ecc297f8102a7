"""Check cases for every student function: inputs made from seeds, the reference's outputs, and the
outputs of known mistakes (so a failing check can say which mistake it looks like).

Visible cases are stored in course/data/ for the students' self-checks (see make_selfcheck_data);
hidden cases use more shapes and a seed of each student's own (autograder.trusted.secret), and exist only here, on
the instructor's side.
"""
import copy

import numpy as np

from autograder.key import mistakes, reference
from course.architectures import random_birnn_parameters, random_output_recurrence_parameters, shifted_targets
from course.signatures import function_of
from course.toy import one_hot, random_parameters

# (n_x, n_a, n_y, m, T_x, huge logits)
VISIBLE_SIZES = [(3, 5, 2, 4, 3, False), (2, 2, 3, 1, 1, False), (4, 3, 3, 2, 4, True)]
HIDDEN_SIZES = [
    (3, 5, 2, 4, 6, False),   # n_x != n_a, m > 1, T_x > 1
    (4, 4, 3, 3, 5, False),   # n_x == n_a: a swapped Waa / Wax still has the right shapes
    (5, 3, 4, 1, 7, False),   # m = 1
    (2, 6, 3, 5, 1, False),   # T_x = 1
    (6, 6, 6, 1, 1, False),   # every size equal: only values can tell mistakes apart
    (3, 4, 5, 3, 4, True),    # logits near 1e3: exp() overflows unless the max is subtracted
    (1, 2, 2, 7, 9, False),   # a single input feature, long-ish sequence
]
VISIBLE_SEED = 2024
# The hidden cases' seed when nbgrader grades alone (autograder.key.hidden), where student code could read any
# seed anyway; trusted grading draws each student's from the course secret instead.
PLAIN_HIDDEN_SEED = 917_331


# Functions with no output layer: scaling Wya changes nothing they compute, so "huge logits" means nothing.
NO_LOGITS = {"rnn_cell_backward", "rnn_backward", "rnn_states", "rnn_states_backward"}


def _label(name, size):
    n_x, n_a, n_y, m, T_x, huge = size
    huge = huge and name not in NO_LOGITS
    if name in ("softmax", "softmax_all_steps"):
        return f"z of shape {_logits_shape(name, size)}" + (", logits near +-1000" if huge else "")
    if name in ("rnn_cell_forward", "rnn_cell_backward", "seed002_rnn_cell_forward"):  # one step: T_x is irrelevant
        return f"n_x={n_x}, n_a={n_a}, n_y={n_y}, m={m}" + (", huge logits" if huge else "")
    return f"n_x={n_x}, n_a={n_a}, n_y={n_y}, m={m}, T_x={T_x}" + (", huge logits" if huge else "")


def _problem(size, rng):
    n_x, n_a, n_y, m, T_x, huge = size
    p = random_parameters(n_x, n_a, n_y, rng)
    if huge:
        p["Wya"], p["by"] = p["Wya"] * 1000, p["by"] * 1000
    x = rng.normal(0, 1, (n_x, m, T_x))
    y = one_hot(rng.integers(0, n_y, (m, T_x)), n_y)
    a0 = rng.normal(0, 0.5, (n_a, m))  # nonzero: a mistake that ignores a0 must show
    return x, y, a0, p


def _logits_shape(name, size):
    """softmax's z is (n_y, m); the all-steps set's is (n_y, m, T_x), or (n_y, m) for a single step."""
    n_y, m, T_x = size[2:5]
    return (n_y, m) if name == "softmax" or T_x == 1 else (n_y, m, T_x)


def _logits_args(name):
    """The builder of z for case set `name` (softmax or softmax_all_steps)."""
    def build(size, rng):
        shape = _logits_shape(name, size)
        columns = shape[1:]
        # Huge logits: a +-1000 offset per column makes exp() overflow (or underflow to 0/0) when unstable.
        # Neighbouring columns (along examples and steps) alternate +1000 / -1000 so that subtracting one max
        # for the whole array fails as well.
        offset = np.where(np.indices(columns).sum(axis=0) % 2 == 0, 1000.0, -1000.0) * rng.choice([-1.0, 1.0]) \
            if size[5] else np.zeros(columns)
        return (rng.normal(0, 3, shape) + offset,)
    return build


def _cell_forward_args(size, rng):
    x, _, a0, p = _problem(size, rng)
    return (x[:, :, 0], a0, p)


def _forward_args(size, rng):
    x, _, a0, p = _problem(size, rng)
    return (x, a0, p)


def _cell_backward_args(size, rng):
    x, _, a0, p = _problem(size, rng)
    _, _, cache = reference.rnn_cell_forward(x[:, :, 0], a0, p)
    return (rng.normal(0, 1, a0.shape), cache)


def _backward_args(size, rng):
    x, _, a0, p = _problem(size, rng)
    a, _, caches = reference.rnn_forward(x, a0, p)
    return (rng.normal(0, 1, a.shape), caches)


def _loss_args(size, rng):
    x, y, a0, p = _problem(size, rng)
    return (reference.rnn_forward(x, a0, p)[1], y)


def _bptt_args(size, rng):
    return _problem(size, rng)


# case set (a function's name, or one of course.signatures.CASE_SETS) -> builder(size, rng) of its arguments;
# each assignment adds its functions here.
ARG_BUILDERS = {
    "softmax": _logits_args("softmax"),
    "rnn_cell_forward": _cell_forward_args,
    "rnn_forward": _forward_args,
    "rnn_cell_backward": _cell_backward_args,
    "rnn_backward": _backward_args,
    "rnn_loss": _loss_args,
    "bptt": _bptt_args,
}


def make_args(name, size, rng):
    """The arguments of one call of `name` for problem sizes `size`."""
    if name not in ARG_BUILDERS:
        raise KeyError(f"no cases are defined for {name!r}")
    return ARG_BUILDERS[name](size, rng)


def make_case(name, args, label):
    """A case dict of case set `name`: args, expected output, known mistakes' outputs that differ from it,
    label."""
    expected = getattr(reference, function_of(name))(*copy.deepcopy(args))
    wrong, raising = {}, {}
    for hint, mistake in mistakes.MISTAKES.get(name, {}).items():
        with np.errstate(all="ignore"):
            try:
                wrong[hint] = mistake(*copy.deepcopy(args))
            except Exception as exc:  # on these shapes the mistake raises: a student who makes it sees numpy's
                # error, so the hint goes with that error (course.checking.raising_hint)
                raising[hint] = [type(exc).__name__, str(exc)]
    return {"args": args, "expected": expected, "mistakes": wrong, "raising": raising, "label": label}


def cases(name, sizes, seed):
    rng = np.random.default_rng([seed, sum(map(ord, name))])
    if name in ("rnn_loss", "bptt"):  # probabilities of exactly 0 would make the loss infinite
        sizes = [size[:5] + (False,) for size in sizes]
    return [make_case(name, make_args(name, size, rng), _label(name, size)) for size in sizes]


def visible_cases(name):
    return cases(name, VISIBLE_SIZES, VISIBLE_SEED)


def hidden_cases(name, seed):
    """The hidden cases of case set `name` drawn from `seed` (autograder.trusted.secret.hidden_seed, per student)."""
    return cases(name, HIDDEN_SIZES, seed)


# ---- Assignment `architectures`: builders reuse _problem's draws, so sizes and seeds mean the same thing. ----

def _many_to_one_backward_args(size, rng):
    x, y, a0, p = _problem(size, rng)
    y_hat, cache = reference.rnn_many_to_one_forward(x, a0, p)
    return (y[:, :, -1], y_hat, cache)


def _states_backward_args(size, rng):
    x, _, a0, p = _problem(size, rng)
    a, cache = reference.rnn_states(x, a0, p)
    return (rng.normal(0, 1, a.shape), cache)


def _output_recurrence_problem(size, rng):
    """(x, y, y0, parameters) of a random output-recurrence problem; y0 is a random distribution."""
    x, y, _, p = _problem(size, rng)
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
    x, y, a0_f, p = _problem(size, rng)
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


ARG_BUILDERS.update({
    "softmax_all_steps": _logits_args("softmax_all_steps"),
    "seed002_rnn_cell_forward": _cell_forward_args,
    "rnn_states": _forward_args,
    "rnn_states_backward": _states_backward_args,
    "rnn_many_to_one_forward": _forward_args,
    "rnn_many_to_one_backward": _many_to_one_backward_args,
    "output_recurrence_forward": _output_recurrence_args,
    "teacher_forcing_forward": _teacher_forward_args,
    "teacher_forcing_backward": _teacher_backward_args,
    "birnn_forward": _birnn_forward_args,
    "birnn_backward": _birnn_backward_args,
})
