"""nbgrader's grading steps as this course configures them (nbgrader_config.py lists them)."""
