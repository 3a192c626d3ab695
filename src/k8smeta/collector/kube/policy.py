"""The reflector's timing policy as a value: page size, watch timeouts, retry backoff."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ReflectorPolicy:
    """Upstream's defaults; tests pass short delays.

    Watches ask the server for `timeoutSeconds` drawn uniformly from `watch_timeout` so that
    the watches (one per kind) do not all restart at once. A request after no progress (a
    failure, a 410, a watch open for less than `healthy_watch` seconds) waits
    `backoff_initial` seconds, doubling up to `backoff_max`, each delay scaled by a random
    factor in 1 +/- `jitter`; a watch open for `healthy_watch` seconds resets the delays.
    """

    page_limit: int = 500
    watch_timeout: tuple[int, int] = (300, 600)
    backoff_initial: float = 1.0
    backoff_max: float = 30.0
    jitter: float = 0.2
    healthy_watch: float = 10.0
    max_list_restarts: int = 5
    connect_timeout: float = 30.0
    read_timeout: float = 60.0
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def next_watch_timeout(self) -> int:
        low, high = self.watch_timeout
        return self.rng.randint(low, high)

    def backoff(self) -> Backoff:
        return Backoff(self)


class Backoff:
    """Delays between retries: doubling from the policy's initial delay to its maximum."""

    def __init__(self, policy: ReflectorPolicy) -> None:
        self._policy = policy
        self._attempt = 0

    def next_delay(self) -> float:
        policy = self._policy
        base = min(policy.backoff_max, policy.backoff_initial * 2.0 ** min(self._attempt, 30))
        self._attempt += 1
        return base * policy.rng.uniform(1.0 - policy.jitter, 1.0 + policy.jitter)

    def reset(self) -> None:
        self._attempt = 0
