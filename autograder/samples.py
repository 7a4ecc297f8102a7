"""Sample submissions for the demo: what a class hands in (correct, partly wrong, untouched)."""
from autograder.submissions import fill, read, solution_code
from autograder.workspace import COURSE_ROOT

# One wrong line per partly-wrong student: (grade_id, text in the solution, replacement).
PARTLY_WRONG = {
    "rnn_forward": ("softmax", "np.sum(e, axis=0, keepdims=True)", "np.sum(e)"),
}


def sample_submissions(ws, assignment):
    """{student: {notebook name: notebook}} for one assignment, built from its released notebooks."""
    release = ws.root / "release" / assignment
    out = {"alice": {}, "bob": {}, "carol": {}}
    for path in sorted(release.glob("*.ipynb")):
        released = read(path)
        correct = solution_code(read(COURSE_ROOT / "source" / assignment / path.name))
        wrong = dict(correct)
        if assignment in PARTLY_WRONG:
            gid, old, new = PARTLY_WRONG[assignment]
            if gid in wrong:
                wrong[gid] = wrong[gid].replace(old, new)
        out["alice"][path.stem] = fill(released, correct)
        out["bob"][path.stem] = fill(released, wrong)
        out["carol"][path.stem] = released
    return out
