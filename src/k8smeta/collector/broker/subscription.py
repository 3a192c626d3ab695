"""One subscriber's queue: its snapshot, then at most `max_live` live events, then its end.

Publishing never waits: `offer` appends or, when the live part is full, ends the stream
with RESOURCE_EXHAUSTED and drops what was queued. A shutdown end lets the stream drain
what is already queued first, then ends it with UNAVAILABLE.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from k8smeta.collector.broker.selector import Selection
from k8smeta.collector.views import WireEvent


@dataclass(frozen=True, slots=True)
class StreamEnd:
    """How a stream ends: a gRPC status code name and its details."""

    code: str
    details: str


OVERFLOW = StreamEnd("RESOURCE_EXHAUSTED", "subscriber too slow")
SHUTDOWN = StreamEnd("UNAVAILABLE", "collector shutting down")


class Subscription:
    """The queue between the pipeline (producer) and one Watch stream (consumer)."""

    def __init__(self, uid: str, selection: Selection, max_live: int) -> None:
        self.uid = uid
        self.selection = selection
        self._max_live = max_live
        self._snapshot: deque[WireEvent] = deque()
        self._live: deque[WireEvent] = deque()
        self._end: StreamEnd | None = None
        self._wake = asyncio.Event()

    @property
    def depth(self) -> int:
        return len(self._snapshot) + len(self._live)

    @property
    def ended(self) -> bool:
        return self._end is not None

    def load_snapshot(self, events: Iterable[WireEvent]) -> None:
        """Queue the snapshot (not counted against `max_live`)."""
        kinds = self.selection.kinds
        self._snapshot.extend(e for e in events if e.kind is None or e.kind in kinds)
        self._wake.set()

    def offer(self, events: Iterable[WireEvent]) -> bool:
        """Queue live events of the selected kinds; False if this overflowed the queue."""
        if self._end is not None:
            return True
        kinds = self.selection.kinds
        live = self._live
        for event in events:
            if event.kind is None or event.kind in kinds:
                live.append(event)
        if len(live) > self._max_live:
            self.end(OVERFLOW, drain=False)
            return False
        self._wake.set()
        return True

    def end(self, end: StreamEnd, *, drain: bool) -> None:
        """End the stream; without `drain` what is still queued is dropped."""
        if self._end is None:
            self._end = end
        if not drain:
            self._snapshot.clear()
            self._live.clear()
        self._wake.set()

    async def next(self) -> WireEvent | StreamEnd:
        """The next event to write, or the end of the stream."""
        while True:
            if self._snapshot:
                return self._snapshot.popleft()
            if self._live:
                return self._live.popleft()
            if self._end is not None:
                return self._end
            self._wake.clear()
            await self._wake.wait()
