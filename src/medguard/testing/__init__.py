"""Public helpers for tests: synthetic patients, test keyrings, assertions."""
