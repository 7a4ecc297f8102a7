"""What the LMS export plugins share: the assignments to export and each student's final score on them,
from the gradebook (autograder.gradebook.sheet: nbgrader's own total, late penalty subtracted), and the file write."""
import csv
import os
from pathlib import Path

from nbgrader.plugins import ExportPlugin

from autograder.gradebook.sheet import number, read_sheet, status


class LmsExportPlugin(ExportPlugin):
    """An nbgrader export plugin that writes one CSV row per student of the roster and one score column per
    assignment (nbgrader export's --assignment selects them; default: every assignment of the gradebook).
    Subclasses name the file (default_to), the columns (header, student_columns) and may add rows (extra_rows)."""

    default_to = "lms.csv"

    def export(self, gradebook):
        dest = Path(self.to or self.default_to)
        names = [a.name for a in gradebook.assignments if not self.assignment or a.name in map(str, self.assignment)]
        sheets = [read_sheet(gradebook, name) for name in names]
        students = [s for s in gradebook.students if not self.student or s.id in map(str, self.student)]
        rows = [self.header(names)] + self.extra_rows(sheets)
        for s in students:
            rows.append(self.student_columns(s) + [number(sheet["students"][s.id]["score"]) for sheet in sheets])
        self._warn_unfinished(sheets, students)
        writing = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")  # a reader never sees half a file
        with open(writing, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
        os.replace(writing, dest)
        self.log.info("Wrote %d students and %d assignments to %s", len(students), len(names), dest)

    def header(self, names):
        raise NotImplementedError

    def student_columns(self, student):
        raise NotImplementedError

    def extra_rows(self, sheets):
        return []

    def _warn_unfinished(self, sheets, students):
        """The file says 0 for a student with no submission and counts a pending manual answer as 0, as
        nbgrader's grades.csv does; say so, since an LMS import overwrites what it is given."""
        for sheet in sheets:
            rows = [(s.id, sheet["students"][s.id]) for s in students]
            for word in ("missing", "pending manual grading"):
                who = [sid for sid, row in rows if status(row) == word]
                if who:
                    self.log.warning("%s: %d %s (scored as nbgrader does, 0 for what is missing): %s",
                                     sheet["assignment"], len(who), word, ", ".join(who[:10])
                                     + (", ..." if len(who) > 10 else ""))
