"""What every layer shares: the course's paths, the limits, the records that cross processes."""
