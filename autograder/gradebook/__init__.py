"""The nbgrader gradebook as the course reads and writes it: the one truth of every score."""
