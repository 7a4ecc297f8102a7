"""What a new student tripped on (issue 31): hints that say what is wrong and where to look, never the line
that fixes the code; hints for the mistakes the notebooks name; reports that say what they leave out."""
import ast
import inspect
import re

import numpy as np
import pytest

from autograder import reference
from autograder.mistakes import MISTAKES

# p["Waa"], parameters['Wax'] -> Waa, Wax: the notebooks unpack the parameters, so a hint would write the name
PARAMETER = re.compile(r"""\b(?:p|parameters)\[["'](\w+)["']\]""")
SHORTEST_EXPRESSION = 13  # shorter ones ("Waa @ a_prev", 10 without spaces) are the notation the notebooks teach
SHORTEST_ASSIGNMENT = 8   # "dWax = dz @ xt.T" is a whole line however short


def _squeezed(text):
    return re.sub(r"\s+", "", PARAMETER.sub(r"\1", text))


def _commuted(node):
    """node's source, and with the operands of its top-level + or * swapped (the same line, written the other
    way round: `da_next * (1 - a_next**2)` is `(1 - a_next**2) * da_next`)."""
    yield ast.unparse(node)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mult)):
        yield ast.unparse(ast.BinOp(node.right, node.op, node.left))


def _notation(node):
    """Whether node is a name the notebooks use as a word (a function's name, `Waa.T`) or a tuple of names
    whose order the notebooks state as the contract (the cache (a_next, a_prev, xt, parameters))."""
    if isinstance(node, (ast.Name, ast.Attribute, ast.Constant)):
        return True
    return isinstance(node, ast.Tuple) and all(isinstance(e, ast.Name) for e in node.elts)


def reference_lines():
    """(what a hint must not contain, where it comes from) for every line of the reference that computes
    something: `name = value` (dict entries "name": value too) and every sub-expression of a value, return
    values included, that is long enough to be a line of code rather than a bit of notation."""
    tree = ast.parse(inspect.getsource(reference))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            pairs = [(ast.unparse(t), node.value) for t in targets]
        elif isinstance(node, ast.Dict):
            pairs = [(k.value, v) for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant)]
        elif isinstance(node, ast.Return) and node.value is not None:
            pairs = [(None, node.value)]
        else:
            continue
        for target, value in pairs:
            for sub in ast.walk(value):
                if isinstance(sub, ast.expr) and not _notation(sub):
                    for source in _commuted(sub):
                        if len(_squeezed(source)) >= SHORTEST_EXPRESSION:
                            yield _squeezed(source), source
            if target is not None:
                for source in _commuted(value):
                    line = f"{target}={_squeezed(source)}"
                    if len(_squeezed(line)) >= SHORTEST_ASSIGNMENT and "." not in target.split("[")[0]:
                        yield _squeezed(line), f"{target} = {source}"


ALL_HINTS = [(name, hint) for name, hints in MISTAKES.items() for hint in hints]


def test_the_reference_lines_are_found():
    # the test itself: it must see the lines issue 31 found printed in hints
    lines = {squeezed for squeezed, _ in reference_lines()}
    for printed in ("dz = (1 - a_next**2) * da_next", "dWaa = dz @ a_prev.T", "-np.sum(y * np.log(y_pred)) / m",
                    "dWax = dz @ xt.T", "np.max(z, axis=0, keepdims=True)"):
        assert _squeezed(printed) in lines, printed


@pytest.mark.parametrize("name, hint", ALL_HINTS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(ALL_HINTS)])
def test_no_hint_prints_a_line_of_the_reference(name, hint):
    squeezed_hint = _squeezed(hint)
    printed = sorted({source for squeezed, source in reference_lines() if squeezed in squeezed_hint})
    assert not printed, f"the hint of {name} prints the reference's {printed}: {hint}"
