"""Check cases for every student function: inputs made from seeds, the reference's outputs, and the
outputs of known mistakes (so a failing check can say which mistake it looks like).

Visible cases are stored in course/data/ for the students' self-checks (see make_selfcheck_data);
hidden cases use more shapes and a seed of each student's own (autograder.trusted.secret), and exist only here, on
the instructor's side.
"""
import copy

import numpy as np

from autograder.key import reference
from autograder.key.assignments import ARG_BUILDERS, MISTAKES
from autograder.key.problems import HIDDEN_SIZES, VISIBLE_SEED, VISIBLE_SIZES, label
from course.signatures import function_of


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
    for hint, mistake in MISTAKES.get(name, {}).items():
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
    return [make_case(name, make_args(name, size, rng), label(name, size)) for size in sizes]


def visible_cases(name):
    return cases(name, VISIBLE_SIZES, VISIBLE_SEED)


def hidden_cases(name, seed):
    """The hidden cases of case set `name` drawn from `seed` (autograder.trusted.secret.hidden_seed, per student)."""
    return cases(name, HIDDEN_SIZES, seed)


# ---- Assignment `architectures`: builders reuse problem's draws, so sizes and seeds mean the same thing. ----
