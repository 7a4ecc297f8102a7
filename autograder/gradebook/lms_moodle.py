"""Moodle's grade import CSV (Grades > Import > CSV file), as an nbgrader export plugin:

    nbgrader export --exporter=autograder.gradebook.lms_moodle.MoodleExportPlugin --to moodle.csv

Moodle reads any header and asks, on its preview page, which column identifies the user ("Map from") and
by which user field ("Map to": username, email address, ID number), and which column goes to which grade
item. The file has the columns Moodle's own export has (First name, Last name, ID number, Email address),
Username (the nbgrader student id, the JupyterHub login), then one grade column per assignment. Map
"Email address" to "useremail" when the roster gives e-mails, else "Username" to "username".
"""
from autograder.gradebook.lms import LmsExportPlugin


class MoodleExportPlugin(LmsExportPlugin):
    """Moodle grade import: identifier columns, then one grade column per assignment."""

    default_to = "moodle.csv"

    def header(self, names):
        return ["First name", "Last name", "ID number", "Username", "Email address"] + names

    def student_columns(self, s):
        return [s.first_name or "", s.last_name or "", s.lms_user_id or "", s.id, s.email or ""]
