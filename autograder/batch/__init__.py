"""Grading a whole class: planning, a pool of grading processes, one student at a time."""
