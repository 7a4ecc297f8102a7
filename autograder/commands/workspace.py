"""A throwaway nbgrader course directory: the course's config and sources, plus submissions, in one place.

Tests and the demo grade in a workspace so that nothing touches the real course directory's gradebook.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from autograder.core.paths import COURSE_ROOT


class Workspace:
    def __init__(self, root, db_url=None):
        self.root = Path(root)
        self.db_url = db_url or f"sqlite:///{self.root / 'gradebook.db'}"

    @classmethod
    def create(cls, root, assignments, db_url=None):
        """Copy the course's nbgrader_config.py and the sources of `assignments` into a new directory."""
        root = Path(root)
        root.mkdir(parents=True, exist_ok=True)
        shutil.copy(COURSE_ROOT / "nbgrader_config.py", root)
        for a in assignments:
            shutil.copytree(COURSE_ROOT / "source" / a, root / "source" / a, dirs_exist_ok=True)
        return cls(root, db_url)

    def nbgrader(self, *args, check=True):
        """Run an nbgrader command in the workspace; returns the completed process (output captured)."""
        env = dict(os.environ, RNN_COURSE_DB_URL=self.db_url)
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=self.root, env=env,
                              capture_output=True, text=True)
        if check and proc.returncode != 0:
            raise RuntimeError(f"nbgrader {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc

    def generate(self, assignment):
        self.nbgrader("generate_assignment", assignment, "--force")
        return self.root / "release" / assignment

    def submit(self, student, assignment, notebooks):
        """Place {notebook name: NotebookNode or raw bytes} as the student's submission."""
        folder = self.root / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        for name, nb in notebooks.items():
            path = folder / f"{name}.ipynb"
            if isinstance(nb, bytes):
                path.write_bytes(nb)
            else:
                nbformat.write(nb, str(path))
        return folder

    def autograde(self, assignment, *extra):
        return self.nbgrader("autograde", assignment, "--create", "--force", *extra)

    def scores(self, assignment, written=False):
        """{student: {grade cell id: (auto score, max score)}} of the autograded cells, from the gradebook;
        written: the written answers too (graded by hand: their auto score is None until then, or 0 when
        left as released)."""
        with Gradebook(self.db_url, course_id="rnn-from-scratch") as gb:
            out = {}
            for sub in gb.assignment_submissions(assignment):
                out[sub.student.id] = {g.name: (g.auto_score, g.max_score) for nb in sub.notebooks for g in nb.grades
                                       if written or g.cell.cell_type == "code"}
            return out
