"""Instructor-only package: the reference solution and the grading tools. Never shipped to students."""
