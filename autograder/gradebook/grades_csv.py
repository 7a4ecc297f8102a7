"""The course's one grades.csv: nbgrader export's columns and values, written as CSV that any reader parses.

nbgrader's CsvExportPlugin joins the fields with "," unquoted, so a roster name such as "Baker, Jr." moves
every later field of that row one column right (its score read 0.0 in a spreadsheet). This plugin writes
the same columns, with the same text for each value, through Python's csv module. nbgrader_config.py makes
it `nbgrader export`'s default, and ./run grade and autograder.report.write write grades.csv with it too.
"""
import csv
import os
import socket
from pathlib import Path

from nbgrader.plugins import CsvExportPlugin

from autograder.gradebook.sheet import read_sheet

COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email", "raw_score",
           "late_submission_penalty", "score", "max_score"]


class GradesCsvExportPlugin(CsvExportPlugin):
    """nbgrader's grades.csv (one row per assignment and student of the roster), quoted where needed."""

    def export(self, gradebook):
        dest = Path(self.to or "grades.csv")
        only_students = {str(s) for s in self.student}
        only_assignments = {str(a) for a in self.assignment}
        self.log.info("Exporting grades to %s", dest)
        # replaced whole: no reader sees half, and runs on several machines sharing the directory never mix theirs
        writing = dest.with_name(f".{dest.name}.{socket.gethostname()}.{os.getpid()}.tmp")
        with open(writing, "w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(COLUMNS)
            for assignment in gradebook.assignments:
                if only_assignments and assignment.name not in only_assignments:
                    continue
                sheet = read_sheet(gradebook, assignment.name)
                for sid, row in sheet["students"].items():
                    if only_students and sid not in only_students:
                        continue
                    out.writerow([assignment.name, sheet["duedate"] or "", row["timestamp"] or "", sid,
                                  row["last_name"], row["first_name"], row["email"], row["raw_score"],
                                  row["penalty"], row["score"], sheet["max_score"]])
        os.replace(writing, dest)
