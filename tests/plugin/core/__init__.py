"""Unit tests of the pure plugin core (no host, no C)."""
