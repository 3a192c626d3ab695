"""One subscriber's queue: its snapshot, then live batches, then its end.

Publishing never waits. Slow means "has not read", not "was offered a big batch": a batch
is always accepted whole, unless the events queued *behind the batch being read* (the
snapshot counts as one batch) already exceed `max_live`. Then the stream ends with
RESOURCE_EXHAUSTED and what was queued is dropped. So a caught-up subscriber takes a burst
of any size (one reload, one relist), and one that stopped reading holds at most the batch
it is in, `max_live` events, and the batch that found it over the limit. A shutdown end
lets the stream drain what is already queued first, then ends it with UNAVAILABLE.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from k8smeta.collector.broker.selector import Selection
from k8smeta.collector.views import Audience, WireEvent


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
        self._events: deque[WireEvent] = deque()
        # Per queued batch, the count of events pushed up to its end; the first one is the
        # end of the batch being read. Counts, not copies: publishing stays cheap.
        self._bounds: deque[int] = deque()
        self._pushed = 0
        self._end: StreamEnd | None = None
        self._wake = asyncio.Event()

    @property
    def depth(self) -> int:
        return len(self._events)

    @property
    def ended(self) -> bool:
        return self._end is not None

    def load_snapshot(self, events: Iterable[WireEvent]) -> None:
        """Queue the snapshot (a batch like any other, though never refused)."""
        self._append(events)

    def offer(self, events: Iterable[WireEvent]) -> bool:
        """Queue live events of the selected kinds and this subscriber's audience; False if
        the subscriber was too slow."""
        if self._end is not None:
            return True
        if self._bounds and self._pushed - self._bounds[0] > self._max_live:
            self.end(OVERFLOW, drain=False)
            return False
        self._append(events)
        return True

    def _append(self, events: Iterable[WireEvent]) -> None:
        kinds = self.selection.kinds
        other = Audience.PLAIN if self.selection.details else Audience.DETAILED
        queue = self._events
        before = len(queue)
        for event in events:
            if (event.kind is None or event.kind in kinds) and event.audience is not other:
                queue.append(event)
        added = len(queue) - before
        if added:
            self._pushed += added
            self._bounds.append(self._pushed)
            self._wake.set()

    def end(self, end: StreamEnd, *, drain: bool) -> None:
        """End the stream; without `drain` what is still queued is dropped."""
        if self._end is None:
            self._end = end
        if not drain:
            self._events.clear()
            self._bounds.clear()
        self._wake.set()

    async def next(self) -> WireEvent | StreamEnd:
        """The next event to write, or the end of the stream."""
        while True:
            events = self._events
            if events:
                event = events.popleft()
                bounds = self._bounds
                if bounds[0] == self._pushed - len(events):  # the batch is read
                    bounds.popleft()
                return event
            if self._end is not None:
                return self._end
            self._wake.clear()
            await self._wake.wait()
