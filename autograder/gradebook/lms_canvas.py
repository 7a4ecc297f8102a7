"""Canvas's gradebook import CSV, as an nbgrader export plugin:

    nbgrader export --exporter=autograder.gradebook.lms_canvas.CanvasExportPlugin --to canvas.csv

Canvas's Gradebook > Import reads the columns Student ("Last, First"), ID (Canvas's user id), SIS User ID,
SIS Login ID and Section, then one column per assignment; a row "Points Possible" under the header gives
each assignment's points (as Canvas's own export writes it). Canvas matches a student by ID, SIS User ID or
SIS Login ID: ID is nbgrader's lms_user_id (the roster's column of that name), SIS Login ID the nbgrader
student id (the JupyterHub login). An assignment column named "name (12345)" updates Canvas's assignment
12345; a name Canvas does not have creates an assignment. Map names with
c.CanvasExportPlugin.columns = {"rnn_forward": "RNN forward (12345)"} in nbgrader_config.py.
"""
from traitlets import Dict

from autograder.gradebook.lms import LmsExportPlugin
from autograder.gradebook.sheet import number


class CanvasExportPlugin(LmsExportPlugin):
    """Canvas gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, one column per assignment."""

    default_to = "canvas.csv"
    columns = Dict({}, help="Canvas's column name of an assignment, {nbgrader name: 'Canvas name (id)'}; "
                            "default: the nbgrader name").tag(config=True)

    def header(self, names):
        return ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"] + [self.columns.get(n, n) for n in names]

    def extra_rows(self, sheets):
        return [["Points Possible", "", "", "", ""] + [number(sheet["max_score"]) for sheet in sheets]]

    def student_columns(self, s):
        name = ", ".join(part for part in (s.last_name, s.first_name) if part) or s.id
        return [name, s.lms_user_id or "", "", s.id, ""]
