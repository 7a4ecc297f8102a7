"""The trusted side of grading one notebook: verdicts computed where student code cannot reach."""
