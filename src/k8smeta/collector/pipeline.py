"""The single pipeline task: batch -> index -> views of subscribed nodes -> broker.

The composition of the three pure parts (`index`, `views`, `broker`), outside each of them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from k8smeta.collector.broker import Broker
from k8smeta.collector.index import Affected, RelationshipIndex
from k8smeta.collector.model import DEPENDENCY_ORDER, Batch, BatchQueue, Change, ChangeType, Kind
from k8smeta.collector.ops.metrics import CollectorMetrics
from k8smeta.collector.views import Oversize, SizeLimit, ViewSet
from k8smeta.wire.limits import MAX_ENTRIES

log = logging.getLogger(__name__)


class Pipeline:
    """Applies batches in order; the only writer of the index, the views and the queues."""

    def __init__(
        self,
        index: RelationshipIndex,
        views: ViewSet,
        broker: Broker,
        metrics: CollectorMetrics,
        *,
        expected: frozenset[Kind] = frozenset(),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._index = index
        self._views = views
        self._broker = broker
        self._metrics = metrics
        self._limit = SizeLimit(views.encoder)
        self._clock = clock
        self._expected = expected
        self.synced: set[Kind] = set()
        self.all_synced = asyncio.Event()  # every expected kind has completed its list
        self.last_progress = clock()
        self.batches = 0
        self._counted: set[Kind] = set()  # kinds with an `objects` series
        metrics.count_objects(self._object_counts)

    async def run(self, queue: BatchQueue) -> None:
        """Consume `queue` forever (until cancelled)."""
        while True:
            batch = await queue.get()
            try:
                self.process(batch)
            except Exception:
                log.exception("pipeline: failed to apply a batch of %d changes", len(batch.changes))
            finally:
                queue.task_done()

    def process(self, batch: Batch) -> None:
        """Apply one batch and queue the resulting events to the subscribers."""
        affected = Affected()
        kinds: set[Kind] = set()
        for change in batch.changes:
            kinds.add(change.obj.kind)
            try:
                self._index.apply(self._fit(change), affected)
            except Exception:
                # One bad change must not cost the rest of the batch, the views' update
                # or readiness: skip it, say which, carry on.
                self._metrics.pipeline_failed_changes.inc()
                log.exception(
                    "pipeline: skipped a change that could not be applied",
                    extra={"fields": {"kind": change.obj.kind.value, "uid": change.obj.uid}},
                )
        self._report_conflicts(affected)
        self._broker.publish(self._views.update(affected))
        self._report_trimmed_refs()
        if batch.synced is not None and batch.synced not in self.synced:
            self.synced.add(batch.synced)
            if self.synced >= self._expected:
                self.all_synced.set()
                log.info("all kinds synced", extra={"fields": {"batches": self.batches + 1}})
        if batch.synced is not None:
            kinds.add(batch.synced)  # also a kind listed empty: its gauge shows 0
        self._counted |= kinds
        self.batches += 1
        self.last_progress = now = self._clock()
        if batch.changes:
            self._metrics.event_latency.observe(max(0.0, now - batch.received))

    def _object_counts(self) -> list[tuple[str, int]]:
        """`meta_collector_objects`: the index's count is what is served (not what the
        sources hold); read at scrape time, between two batches (same event loop)."""
        counted = self._counted
        return [(k.value, self._index.count(k)) for k in DEPENDENCY_ORDER if k in counted]

    def _fit(self, change: Change) -> Change:
        """The change as served: an object over the size limit loses its labels, or leaves
        (a DELETED, so that a smaller version served before does not linger)."""
        if change.type is ChangeType.DELETED:
            return change
        fitted = self._limit.fit(change.obj)
        if fitted.action is None:
            return change
        obj = change.obj
        self._metrics.oversized_objects.labels(obj.kind.value, fitted.action.value).inc()
        fields = {
            "kind": obj.kind.value,
            "object": obj.qualified_name,
            "uid": obj.uid,
            "bytes": fitted.size,
            "limit": self._limit.limit,
        }
        if fitted.left_out:
            fields["left out"] = ", ".join(fitted.left_out)
        if fitted.obj is None:
            log.warning("object over the size limits, skipped", extra={"fields": fields})
            return Change(ChangeType.DELETED, obj)
        if fitted.action is Oversize.ENTRIES_TRIMMED:
            message = "object over the size limits, served without what does not fit"
        elif fitted.action is Oversize.DETAILS_DROPPED:
            message = "object too large to serve, served without its details"
        elif fitted.action is Oversize.ANNOTATIONS_DROPPED:
            message = "object too large to serve, served without annotations"
        else:
            message = "object too large to serve, served without labels"
        log.warning(message, extra={"fields": fields})
        return Change(change.type, fitted.obj)

    def _report_trimmed_refs(self) -> None:
        for uid, count in self._views.take_refs_trimmed().items():
            self._metrics.oversized_objects.labels(Kind.POD.value, Oversize.REFS_TRIMMED).inc()
            pod = self._index.get(uid)
            fields = {
                "kind": Kind.POD.value,
                "object": pod.qualified_name if pod is not None else "",
                "uid": uid,
                "left out": f"{count} selecting Services",
                "limit": MAX_ENTRIES,
            }
            log.warning("pod refs over the size limits, trimmed", extra={"fields": fields})

    def _report_conflicts(self, affected: Affected) -> None:
        for newcomer, holder in affected.conflicts:
            self._metrics.duplicate_uids.labels(newcomer.kind.value).inc()
            fields = {
                "kind": newcomer.kind.value,
                "object": newcomer.qualified_name,
                "uid": newcomer.uid,
                "held by": f"{holder.kind.value} {holder.qualified_name}",
            }
            message = "skipped an object whose UID another object holds"
            log.warning(message, extra={"fields": fields})
