"""The answer key: the reference solution, the check cases, the known mistakes and their hints."""
