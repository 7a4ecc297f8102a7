"""The instructor's report of a graded assignment (python -m autograder.report.write)."""
