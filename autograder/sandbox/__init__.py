"""The sandbox: the only place student code runs; it knows nothing of the answer key."""
