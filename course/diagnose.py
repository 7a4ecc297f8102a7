"""Compare what a function returned with what it should return, and say precisely what differs.

One implementation serves the students' self-checks and the instructor's hidden tests. For a hidden test,
`detail=False` leaves out everything taken from the student's output (its type name, keys, shape, dtype,
values) and the expected values: the student's code chooses its output, so any of these could carry the
hidden inputs (or, through the value at the largest error, the expected outputs) into the feedback.
`names` describes a value's parts: a str names the whole value; (name, [child names]) names a tuple's
or list's elements too, so a problem reads "cache[1] (a_prev) has shape ..." instead of "[2][1]".
"""
import numpy as np

from course.plain import Opaque

RTOL, ATOL = 1e-6, 1e-8
MAX_PROBLEMS = 3  # a report lists at most this many problems, then says how many more it left out


# What a numpy array holds, by its dtype's name, when that is not real numbers (course.plain sends only those)
ARRAY_KINDS = {"complex": "complex", "void": "structured", "object": "object", "str": "string",
               "bytes": "bytes", "datetime": "datetime", "timedelta": "timedelta"}


def _describe_type(obj):
    if isinstance(obj, Opaque):
        if obj.dtype is None:
            return obj.type_name
        kind = next((word for prefix, word in ARRAY_KINDS.items() if obj.dtype.startswith(prefix)), "non-numeric")
        return f"{kind} {obj.type_name} (dtype {obj.dtype})"
    t = type(obj)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


class Each:
    """Names for every element of a list: element i is called template.format(step=i), and its own
    parts are named `parts` ("a_prev in the cache of step 2" rather than "caches[0][2][1]")."""

    def __init__(self, template, parts):
        self.template, self.parts = template, parts


def split_names(names):
    """(own name, child names or None, label format of a named child) of a names spec."""
    if isinstance(names, tuple):
        return names[0], names[1], names[2] if len(names) > 2 else "{label}[{i}] ({child})"
    return names, None, None


def _child_label(label, i, child_names, fmt):
    if isinstance(child_names, Each):
        own = child_names.template.format(step=i)  # steps as x[:, :, t] numbers them
        return own, (own, child_names.parts, "{child} in {label}")
    if child_names is not None and i < len(child_names):
        child = split_names(child_names[i])[0]
        own = child if label == "output" else fmt.format(label=label, i=i, child=child)
        sub = child_names[i]
        return own, ((own,) + sub[1:] if isinstance(sub, tuple) else own)
    return f"{label}[{i}]", f"{label}[{i}]"


def compare(got, expected, names="output", detail=True):
    """List of problems (strings) with `got`; empty when it matches `expected` within tolerance."""
    return _compare(got, expected, names, detail, seen=[])


def _compare(got, expected, names, detail, seen):
    """compare(); `seen` holds (got, expected, label) of every wrong array reported so far."""
    label, child_names, fmt = split_names(names)
    if isinstance(expected, (tuple, list)):
        if type(got) not in (tuple, list):
            return [f"{label} is {_a(got, detail)}, expected a tuple of {len(expected)} items"]
        if len(got) != len(expected):
            return [f"{label} has {_many(len(got), 'item', detail)}, expected {len(expected)}"]
        problems = []
        for i, (g, e) in enumerate(zip(got, expected)):
            _, sub = _child_label(label, i, child_names, fmt)
            problems += _compare(g, e, sub, detail, seen)
        return problems
    if isinstance(expected, dict):
        if type(got) is not dict:
            return [f"{label} is {_a(got, detail)}, expected a dict with keys {sorted(expected)}"]
        missing = [k for k in expected if k not in got]
        if missing:
            if not detail:  # which ones would be the student's choice
                return [f"{label} is missing some of the keys {list(expected)}"]
            return [f"{label} is missing the key(s) {missing} (it has {sorted(got)})"]
        problems = []
        for k, e in expected.items():
            problems += _compare(got[k], e, f'{label}["{k}"]', detail, seen)
        return problems
    if isinstance(expected, np.ndarray):
        return _once(_compare_array(got, expected, label, detail), got, expected, label, seen)
    if isinstance(expected, float):
        return _compare_float(got, expected, label, detail)
    if type(got) is type(expected) and got == expected:
        return []
    return [f"{label} is {got!r}, expected {expected!r}" if detail else f"{label} is not the expected value"]


def _once(problems, got, expected, label, seen):
    """problems, or one short line when the same wrong array was reported under another name already (a
    cache holds `a`, which the output also returns: its problem would be printed twice, word for word)."""
    if not problems or type(got) is not np.ndarray:
        return problems
    for earlier_got, earlier_expected, earlier in seen:
        if earlier_got.shape == got.shape and np.array_equal(earlier_got, got, equal_nan=True) \
                and np.array_equal(earlier_expected, expected, equal_nan=True):
            return [f"{label} has the same wrong values as {earlier}"]
    seen.append((got, expected, label))
    return problems


def _a(got, detail):
    """'a <type of got>', or, for a hidden check, words that do not depend on got."""
    described = _describe_type(got)
    return f"{'an' if described[0] in 'aeiou' else 'a'} {described}" if detail else "of another type"


def _many(n, noun, detail):
    return f"{n} {noun}{'s' * (n != 1)}" if detail else f"another number of {noun}s"


def _compare_float(got, expected, label, detail):
    if isinstance(got, np.ndarray) and got.size == 1:
        return [f"{label} is an array" + (f" of shape {got.shape}" if detail else "")
                + "; return a Python number, e.g. float(value)"]
    if not isinstance(got, (float, np.floating)) or isinstance(got, bool):
        return [f"{label} is {_a(got, detail)}, expected a float"]
    got = float(got)
    if not np.isfinite(got):
        return [f"{label} is {got}, expected the finite number {expected:.6g}" if detail
                else f"{label} is not finite"]
    if abs(got - expected) > ATOL + RTOL * abs(expected):
        return [f"{label} is {got:.8g}, expected {expected:.8g}" if detail else f"{label} is not the expected number"]
    return []


def _compare_array(got, expected, label, detail):
    if isinstance(got, Opaque) and got.dtype is not None:  # an array of complex numbers, records, strings ...
        # hidden: the words a wrong dtype of real numbers gets too, so they tell nothing the student chose
        return [f"{label} is {_a(got, detail)}, expected a real {expected.dtype} array" if detail
                else f"{label} has dtype another, expected {expected.dtype}"]
    if type(got) is not np.ndarray:
        return [f"{label} is {_a(got, detail)}, expected a numpy.ndarray"]
    if got.shape != expected.shape:
        hint = " (transposed?)" if got.shape == expected.shape[::-1] else ""
        return [f"{label} has shape {got.shape if detail else 'another'}, expected {expected.shape}{hint}"]
    if got.dtype != expected.dtype:
        return [f"{label} has dtype {got.dtype if detail else 'another'}, expected {expected.dtype}"]
    bad = ~np.isfinite(got) & np.isfinite(expected)  # expected is non-finite only for a known mistake
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        return [f"{label} contains {got[where]} at {list(where)}: every entry must be finite" if detail
                else f"{label} contains entries that are not finite: every entry must be finite"]
    if np.issubdtype(expected.dtype, np.integer):  # indices, counts: exact. got - expected wraps in int64 (an
        # answer shifted by 2**63 "differed" by int64's minimum, whose abs is negative, and passed: attack round 12)
        off = got != expected
        err = np.where(off, np.maximum(np.abs(got.astype(np.float64) - expected.astype(np.float64)), 1.0), 0.0)
    else:
        with np.errstate(invalid="ignore"):
            same_nonfinite = (got == expected) | (np.isnan(got) & np.isnan(expected))
            err = np.where(np.isfinite(expected), np.abs(got - expected), np.where(same_nonfinite, 0, np.inf))
            off = err > ATOL + RTOL * np.abs(np.nan_to_num(expected))
    if not off.any():
        return []
    if not detail:
        return [f"{label} has wrong values"]
    where = np.unravel_index(int(np.argmax(err)), err.shape)
    return [f"{label} has wrong values in {int(off.sum())} of {off.size} entries; the largest error is "
            f"{err[where]:.3g} at {[int(i) for i in where]} (got {got[where]:.6g}, expected {expected[where]:.6g})"
            + _pattern(got, expected, off, label)]


def _close(got, expected):
    """Whether got matches expected as a check would: the one tolerance rule, _compare_array's."""
    return not _compare_array(got, expected, "", detail=False)


def _pattern(got, expected, off, label):
    """What the wrong entries of a visible check have in common, when that points at the mistake: a square
    matrix transposed (its shape cannot tell), or a sequence (time on the last axis, as everywhere in the
    course) shifted by one step, empty at some steps, or wrong only from some step on."""
    with np.errstate(all="ignore"):
        if got.ndim == 2 and got.shape[0] == got.shape[1] and _close(got, expected.T):
            return f"; {label} is the expected matrix transposed: a factor on the wrong side of @, or a .T missing?"
        if got.ndim != 3 or got.shape[2] < 2:
            return ""
        if _close(got[:, :, 1:], expected[:, :, :-1]):
            return "; step t holds what step t-1 should: one step late in time?"
        if _close(got[:, :, :-1], expected[:, :, 1:]):
            return "; step t holds what step t+1 should: one step early in time?"
    empty = [t for t in range(got.shape[2]) if not got[:, :, t].any() and expected[:, :, t].any()]
    if empty:
        return (f"; {_steps(empty, label)} {'is' if len(empty) == 1 else 'are'} all zeros: did the loop over time "
                f"skip {'it' if len(empty) == 1 else 'them'}?")
    wrong = [t for t in range(got.shape[2]) if off[:, :, t].any()]
    if len(wrong) < got.shape[2]:
        return f"; only {_steps(wrong, label)} {'is' if len(wrong) == 1 else 'are'} wrong"
    return ""


def _steps(ts, label):
    """The steps ts named by their index, as x[:, :, t] names them: "steps 1, 2" read as a<1>, a<2> (the
    notebooks' superscripts count from 1), one off from what the code holds."""
    listed = [f"{label}[:, :, {t}]" for t in ts[:5]] + (["..."] if len(ts) > 5 else [])
    return ", ".join(listed)


FLOAT32_HINT = ("your values agree with the expected ones only to float32 precision (about 7 digits): compute in "
                "float64 (do not cast to np.float32)")
LOOSE_RTOL = 1e-4  # how far float32 arithmetic can drift in this course's computations (softmax of logits near 1000)


def float32_precision(got, expected):
    """Whether every wrong number in `got` has float32's shape: a float64 that float32 holds exactly (computed
    in float32, cast back) and within LOOSE_RTOL of the expected value. The tolerance stays what it is; this
    only says why a result that is right in every other way fails it. A value computed in float64 is almost
    never exactly a float32, so a small mistake of another kind does not get this hint."""
    wrong = _wrong_numbers(got, expected)
    return bool(wrong) and all(
        g.dtype == np.float64 and np.all(np.isfinite(g)) and np.array_equal(g.astype(np.float32), g)
        and np.all(np.abs(g - e) <= ATOL + LOOSE_RTOL * np.abs(e)) for g, e in wrong)


def _wrong_numbers(got, expected):
    """[(got, expected) as float arrays] of every number or array in `got` that fails its check while its type,
    shape and dtype are right; None when anything else is wrong."""
    if isinstance(expected, (tuple, list)):
        if type(got) not in (tuple, list) or len(got) != len(expected):
            return None
        parts = [_wrong_numbers(g, e) for g, e in zip(got, expected)]
    elif isinstance(expected, dict):
        if type(got) is not dict or any(k not in got for k in expected):
            return None
        parts = [_wrong_numbers(got[k], e) for k, e in expected.items()]
    elif isinstance(expected, np.ndarray):
        if type(got) is not np.ndarray or got.shape != expected.shape or got.dtype != expected.dtype:
            return None
        return [(got, expected)] if _compare_array(got, expected, "", detail=False) else []
    elif isinstance(expected, float):
        if type(got) not in (float, np.float64):
            return None
        return [(np.asarray(got, np.float64), np.asarray(expected))] if _compare_float(got, expected, "", False) else []
    else:
        return [] if type(got) is type(expected) and got == expected else None
    return None if any(p is None for p in parts) else [pair for p in parts for pair in p]


def matching_hint(got, mistakes, names="output"):
    """The hint of the first known mistake whose output `got` matches, or None."""
    for hint, wrong in mistakes.items():
        if not compare(got, wrong, names):
            return hint
    return None


def matching_hints(got, expected, mistakes, names="output"):
    """The hints of the known mistakes `got` shows: the first whose whole output it matches, else each one it
    shows in part (_evidence), in the mistakes' order, but one whose evidence another's contains (m times too
    large everywhere also makes the hidden part m times too large). Two mistakes at once (no 1/m, and a dby
    that lost its column) matched neither whole, so the report had no hint at all."""
    whole = matching_hint(got, mistakes, names)
    if whole is not None:
        return [whole]
    shown = {hint: e for hint, wrong in mistakes.items() if (e := _evidence(got, expected, wrong))}
    return [hint for hint, e in shown.items() if not any(e < other for other in shown.values())]


def _parts(value, expected):
    """[(part, expected part)] of the leaves (arrays, numbers) of a dict or tuple output, nested ones too;
    a part missing from `value` is None. None for an output without parts."""
    if isinstance(expected, dict):
        pairs = [(value.get(k) if type(value) is dict else None, e) for k, e in expected.items()]
    elif isinstance(expected, (tuple, list)):
        ok = type(value) in (tuple, list) and len(value) == len(expected)
        pairs = list(zip(value, expected)) if ok else [(None, e) for e in expected]
    else:
        return None
    leaves = []
    for v, e in pairs:
        inner = _parts(v, e)
        leaves += [(v, e)] if inner is None else inner
    return leaves


def _evidence(got, expected, wrong):
    """The parts (indices of _parts) that show the mistake whose output is `wrong`, or an empty set when `got`
    does not show it: where that mistake alone gets a part wrong, got is wrong too, and in at least two parts
    of three the same way (the same values, or the same wrong shape), the other parts being another mistake's
    doing."""
    got_parts, wrong_parts = _parts(got, expected), _parts(wrong, expected)
    if got_parts is None or wrong_parts is None:
        return set()
    differing = [(i, g, w, e) for i, ((g, e), (w, _)) in enumerate(zip(got_parts, wrong_parts)) if compare(w, e, "p")]
    if not differing or any(not compare(g, e, "p") for _, g, _, e in differing):
        return set()
    same = {i for i, g, w, e in differing
            if not compare(g, w, "p") or np.shape(w) != np.shape(e) and np.shape(g) == np.shape(w)}
    return same if 3 * len(same) >= 2 * len(differing) else set()
