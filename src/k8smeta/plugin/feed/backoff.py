"""Reconnect waits: uniform(0.5, 1.0) x min(cap, unit x 2^k) seconds.

k counts consecutive attempts whose stream did not complete its snapshot; a completed
snapshot resets it (docs/plugin-contract.md, "Reconnect"). The random source is
injected so tests can pin the jitter.
"""

from __future__ import annotations

import random
from collections.abc import Callable

Uniform = Callable[[float, float], float]
"""`uniform(a, b)`: a number in [a, b] (e.g. `random.uniform`)."""


class Backoff:
    """The wait before the next connection attempt."""

    __slots__ = ("_cap", "_failures", "_uniform", "_unit")

    def __init__(self, *, unit: float = 1.0, cap: float = 120.0, uniform: Uniform | None = None):
        if unit <= 0 or cap < unit:
            raise ValueError(f"backoff needs 0 < unit <= cap (unit {unit}, cap {cap})")
        self._unit = unit
        self._cap = cap
        self._uniform: Uniform = uniform if uniform is not None else random.uniform
        self._failures = 0

    @property
    def failures(self) -> int:
        """k: consecutive attempts that ended before snapshot completion."""
        return self._failures

    def record(self, *, completed: bool) -> None:
        """Account one finished attempt: reset after a completed snapshot, else k += 1."""
        self._failures = 0 if completed else self._failures + 1

    def next_wait(self) -> float:
        """Seconds to wait before the next attempt, for the current k."""
        # Cap the exponent too: 2**k overflows nothing in Python, but stays cheap this way.
        ceiling = self._cap
        if self._failures < 64:
            ceiling = min(self._cap, self._unit * 2.0**self._failures)
        return self._uniform(0.5, 1.0) * ceiling
