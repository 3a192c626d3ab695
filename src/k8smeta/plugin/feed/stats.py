"""The feed's counters: mutated in place by the feed thread, read as immutable snapshots."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FeedStats:
    """Counters since the feed was created (across restarts)."""

    pushed: int = 0
    """Payloads the sink accepted (synthetic Deletes included)."""
    rejected: int = 0
    """Payloads the sink refused (each logged, then skipped)."""
    streams: int = 0
    """Watch calls started."""
    reconnects: int = 0
    """Watch calls started after the first one."""
    stream_errors: int = 0
    """Streams ended by an error status or by an exception in the feed."""
    swept: int = 0
    """Synthetic Deletes the sink accepted (resync)."""
    last_wait: float | None = None
    """The latest backoff wait, in seconds."""


class Counters:
    """The live counters; plain attribute increments keep the per-message cost tiny."""

    __slots__ = ("last_wait", "pushed", "rejected", "stream_errors", "streams", "swept")

    def __init__(self) -> None:
        self.pushed = 0
        self.rejected = 0
        self.streams = 0
        self.stream_errors = 0
        self.swept = 0
        self.last_wait: float | None = None

    def snapshot(self) -> FeedStats:
        """The current values (each read is atomic; the set is not a transaction)."""
        return FeedStats(
            pushed=self.pushed,
            rejected=self.rejected,
            streams=self.streams,
            reconnects=max(0, self.streams - 1),
            stream_errors=self.stream_errors,
            swept=self.swept,
            last_wait=self.last_wait,
        )
