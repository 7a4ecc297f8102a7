"""The commands ./run starts (demo, check, release, lab) and the sample class they use."""
