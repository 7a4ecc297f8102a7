"""What the course's notebooks import: self-checks, explorers (sliders and plots), toy data."""
