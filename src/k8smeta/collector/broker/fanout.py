"""The broker: registers subscribers with their snapshot, fans view events out to them.

Everything here is synchronous: `subscribe` takes the snapshot and registers the subscriber
with no await in between, so no event falls between snapshot and live stream
(docs/collector-contract.md, "Stream").
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence

from k8smeta.collector.broker.selector import Selection
from k8smeta.collector.broker.subscription import SHUTDOWN, Subscription
from k8smeta.collector.logs import shorten
from k8smeta.collector.model import NodeName, Uid
from k8smeta.collector.ops.metrics import CollectorMetrics
from k8smeta.collector.views import Reason, ViewSet, WireEvent

DEFAULT_QUEUE_SIZE = 10_000
log = logging.getLogger(__name__)


class Broker:
    """Subscribers by node; the node views live exactly as long as their subscribers."""

    def __init__(
        self,
        views: ViewSet,
        sync_bytes: bytes,
        metrics: CollectorMetrics,
        queue_size: int = DEFAULT_QUEUE_SIZE,
    ) -> None:
        self._views = views
        self._metrics = metrics
        self._queue_size = queue_size
        self._sync = WireEvent(Reason.SYNC, None, Uid(""), sync_bytes)
        self._by_node: dict[NodeName, set[Subscription]] = {}
        self._all: set[Subscription] = set()
        self._closed = False

    @property
    def subscriber_count(self) -> int:
        return len(self._all)

    def subscribe(self, selection: Selection) -> Subscription:
        """A new subscription holding its snapshot (+ `Sync` if opted in), registered."""
        sub = Subscription(str(uuid.uuid4()), selection, self._queue_size)
        if self._closed:
            sub.end(SHUTDOWN, drain=False)
            return sub
        snapshot: list[WireEvent] = []
        if selection.wants_objects:
            node = selection.node
            self._views.open(node)
            snapshot = self._views.snapshot(node)
            self._by_node.setdefault(node, set()).add(sub)
        if selection.sync:
            snapshot.append(self._sync)
        sub.load_snapshot(snapshot)
        self._all.add(sub)
        self._metrics.server_subscribers.set(len(self._all))
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Forget `sub`; discard its node's view when it was the last subscriber there."""
        if sub not in self._all:
            return
        self._all.discard(sub)
        self._metrics.server_subscribers.set(len(self._all))
        node = sub.selection.node
        members = self._by_node.get(node)
        if members is not None and sub in members:
            members.discard(sub)
            if not members:
                del self._by_node[node]
                self._views.close(node)

    def publish(self, per_node: Mapping[NodeName, Sequence[WireEvent]]) -> None:
        """Queue each node's events to its subscribers; never waits for a client."""
        depth = self._metrics.subscriber_queue_depth
        for node, events in per_node.items():
            for sub in self._by_node.get(node, ()):
                if not sub.offer(events):
                    self._metrics.subscriber_overflows.inc()
                    fields = {
                        "node": shorten(node),
                        "subscriber UID": sub.uid,
                        "limit": self._queue_size,
                        "unread": sub.depth,
                    }
                    log.warning("subscriber too slow, stream aborted", extra={"fields": fields})
                depth.observe(sub.depth)

    def close(self, *, drain: bool) -> None:
        """Shutdown: refuse new subscribers; every stream ends UNAVAILABLE, after draining
        what it has queued if `drain` (a second call without it drops what is left)."""
        self._closed = True
        for sub in self._all:
            sub.end(SHUTDOWN, drain=drain)
