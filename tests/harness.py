"""One harness for every assignment's class of known mistakes: students who hand in the instructor's solution
with one function written wrong, as a student would write it.

Each assignment's test module lists its mistakes (`Mistake`) in a `KnownMistakes` and subclasses
`KnownMistakesTests` with it; the subclass gets, parametrized per mistake:

- the self-check (in this process) fails on the wrong function and its report says what `says` lists;
- graded with the class in one autograde run, the mistake costs exactly the test aimed at its function, every
  other test keeps its points, and the solution, handed in by one more student, gets every point;
- where `graded_hint` is given, the graded test cell's report gives a hint that says it.

The subclass can add tests of its own that read the graded notebooks from the `graded_class` fixture.
"""
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pytest

from autograder.commands.answers import fill, read, solution_code
from autograder.commands.workspace import Workspace
from autograder.core.paths import COURSE_ROOT
from autograder.key import reference
from autograder.key.assignments import MISTAKES
from course.checking import SelfCheckFailed
from course.selfcheck import check
from course.signatures import function_of

SOLUTION = "solution"  # the student of the class who hands in the instructor's solution


@dataclass(frozen=True)
class Mistake:
    name: str
    cell: str  # the answer cell (its grade id) written wrong
    old: str | None  # the text of the solution that `new` replaces (it must be there once); None: `new` is the cell
    new: str
    says: tuple[str, ...] = ()  # what the self-check report must contain
    graded_hint: str | None = None  # what the hint in the report of the graded test cell must say
    graded: bool = True  # handed in with the class, to cost exactly the test aimed at it

    def __str__(self):
        return self.name


class KnownMistakes:
    """An assignment's class of known mistakes."""

    def __init__(self, assignment, graded, mistakes):
        self.assignment, self.graded_ids, self.mistakes = assignment, tuple(graded), list(mistakes)
        names = [m.name for m in self.mistakes]
        assert len(set(names)) == len(names), f"two mistakes of {assignment} have the same name"
        self.source = COURSE_ROOT / "source" / assignment / f"{assignment}.ipynb"
        self.release = COURSE_ROOT / "release" / assignment / f"{assignment}.ipynb"

    @cached_property
    def solution(self):
        """{grade_id: code} of the instructor's answers."""
        return solution_code(read(self.source))

    def codes(self, mistake):
        """{grade_id: code} of a student's answers: the solution, with one cell changed."""
        codes = dict(self.solution)
        if mistake.old is None:
            codes[mistake.cell] = mistake.new
        else:
            found = codes[mistake.cell].count(mistake.old)
            assert found == 1, f"{mistake}: {mistake.old!r} is not once in the solution of {mistake.cell}: {found}"
            codes[mistake.cell] = codes[mistake.cell].replace(mistake.old, mistake.new)
        return codes

    def target(self, mistake):
        """The graded test aimed at the function of the mistake's cell."""
        return next(f"test_{g}" for g in self.graded_ids if function_of(g) == mistake.cell)

    def self_check_report(self, mistake):
        """What the self-check says of the mistake's function, run in a namespace that holds the student's answers
        (and the reference's functions, which notebooks import)."""
        namespace = {"np": np, **{k: v for k, v in vars(reference).items() if callable(v)}}
        for code in self.codes(mistake).values():
            exec(code, namespace)
        with np.errstate(all="ignore"), pytest.raises(SelfCheckFailed) as failed:
            check(self.target(mistake).removeprefix("test_"), namespace[mistake.cell])
        return str(failed.value)

    def grade(self, root):
        """One autograde run over the class: {student: (scores, the graded notebook)}, a student per graded mistake
        (named as the mistake) and SOLUTION."""
        ws = Workspace.create(root, [self.assignment])
        released = read(ws.generate(self.assignment) / f"{self.assignment}.ipynb")
        ws.submit(SOLUTION, self.assignment, {self.assignment: fill(released, self.solution)})
        students = {f"s{i:02d}": m for i, m in enumerate(m for m in self.mistakes if m.graded)}
        for student, mistake in students.items():
            ws.submit(student, self.assignment, {self.assignment: fill(released, self.codes(mistake))})
        ws.autograde(self.assignment)  # one call grades every student
        scores = ws.scores(self.assignment)

        def graded(student):
            return scores[student], read(ws.root / "autograded" / student / self.assignment / self.release.name)

        return {SOLUTION: graded(SOLUTION), **{m.name: graded(s) for s, m in students.items()}}


def known_mistake(function, hint):
    """The wrong function of autograder/key/<assignment>/mistakes.py whose hint (one only) starts with `hint`."""
    [wrong] = [fn for h, fn in MISTAKES[function].items() if h.startswith(hint)]
    return wrong


def graded_cell_report(nb, test):
    """The error text in the outputs of the graded test cell `test`."""
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == test)
    return "".join(o.get("evalue", "") for o in cell.outputs)


class KnownMistakesTests:
    """The tests of a class of known mistakes; an assignment's `TestKnownMistakes(KnownMistakesTests)` sets `known`."""

    known: KnownMistakes
    # which mistakes each test is parametrized over
    OVER = {
        "test_self_check_fails_and_says_what_is_wrong": lambda m: True,
        "test_grading_costs_the_mistake_only_its_own_test": lambda m: m.graded,
        "test_the_graded_test_cell_names_the_mistake": lambda m: m.graded and m.graded_hint is not None,
    }

    def pytest_generate_tests(self, metafunc):
        if "mistake" in metafunc.fixturenames and metafunc.function.__name__ in self.OVER:
            keep = self.OVER[metafunc.function.__name__]
            metafunc.parametrize("mistake", [m for m in self.known.mistakes if keep(m)], ids=str)

    @pytest.fixture(scope="class")
    @classmethod
    def graded_class(cls, tmp_path_factory):
        """The class graded: {student: (scores, the graded notebook)}."""
        return cls.known.grade(tmp_path_factory.mktemp(f"{cls.known.assignment}_class"))

    def test_self_check_fails_and_says_what_is_wrong(self, mistake):
        report = self.known.self_check_report(mistake)
        for says in mistake.says:
            assert says in report, report

    def test_the_solution_gets_every_point(self, graded_class):
        scores, _ = graded_class[SOLUTION]
        assert set(scores) == {f"test_{name}" for name in self.known.graded_ids}
        assert all(s == m for s, m in scores.values()), scores

    def test_grading_costs_the_mistake_only_its_own_test(self, graded_class, mistake):
        target = self.known.target(mistake)
        scores, _ = graded_class[mistake.name]
        assert set(scores) == {f"test_{name}" for name in self.known.graded_ids}
        assert scores[target][0] == 0, scores
        assert all(s == m for test, (s, m) in scores.items() if test != target), scores

    def test_the_graded_test_cell_names_the_mistake(self, graded_class, mistake):
        _, graded = graded_class[mistake.name]
        report = graded_cell_report(graded, self.known.target(mistake))
        assert "Hint: " in report and mistake.graded_hint in report, report
