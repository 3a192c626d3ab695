"""One kind's list+watch loop: API objects -> trimmed store -> batches.

List (paginated), replace (diff against the store, one batch), then watch from the list's
resourceVersion; every event advances the version, BOOKMARK included. A normal end of a watch
re-watches from there; 410 (HTTP or ERROR event) relists; any other failure is logged at
ERROR. The loop never ends on its own.

Every request after one that did not make progress waits first, like client-go's reflector:
a relist after 410, a re-watch after a watch that ended sooner than the policy's
`healthy_watch`, a retry after a failure. The delays double from `backoff_initial` up to
`backoff_max`, each jittered; they go back to the start only when a watch has stayed open
for `healthy_watch` (progress), not when a list succeeds, so that an API server answering
every watch with 410, or ending every watch at once, sees a bounded request rate
(`meta_collector_backoffs_total` counts the waits by cause).

Pages come from a `Pager` (the next one read ahead); pages and watch lines are decoded by
the kind's `KindDecoder`. An object or line no decoder takes is skipped alone (WARN,
`meta_collector_skipped_objects_total`), and the watch reads on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from http import HTTPStatus

from k8smeta.collector.kube.decode import KindDecoder, WatchEvent
from k8smeta.collector.kube.diff import diff_stores
from k8smeta.collector.kube.errors import (
    ApiError,
    ApiStatusError,
    GoneError,
    TransportError,
    TrimError,
    UndecodableError,
)
from k8smeta.collector.kube.kinds import KindInfo
from k8smeta.collector.kube.pager import Pager
from k8smeta.collector.kube.policy import ReflectorPolicy
from k8smeta.collector.kube.transport import Transport
from k8smeta.collector.model import (
    Batch,
    BatchQueue,
    Change,
    ChangeType,
    Kind,
    KubeObject,
    Uid,
)
from k8smeta.collector.ops.metrics import CollectorMetrics

log = logging.getLogger(__name__)

_CHANGE_TYPES = {t.value: t for t in ChangeType}
_RECEIVED_TYPE = {
    ChangeType.ADDED: "create",
    ChangeType.MODIFIED: "update",
    ChangeType.DELETED: "delete",
}


class Reflector:
    """Keeps one kind's trimmed objects by UID in step with the API server (a Source of one
    kind)."""

    def __init__(
        self,
        info: KindInfo,
        transport: Transport,
        metrics: CollectorMetrics,
        policy: ReflectorPolicy | None = None,
        *,
        pod_annotations: frozenset[str] = frozenset(),
    ) -> None:
        self.info = info
        self.kinds: tuple[Kind, ...] = (info.kind,)
        self._transport = transport
        self._decoder = KindDecoder(info, pod_annotations)
        self._metrics = metrics
        self._policy = policy if policy is not None else ReflectorPolicy()
        self._backoff = self._policy.backoff()
        self._store: dict[Uid, KubeObject] = {}
        self._rv = ""
        self._synced = False
        self.skipped = 0
        """Objects (or watch lines) skipped because they could not be decoded or trimmed
        (each logged at WARNING)."""

    @property
    def resource_version(self) -> str:
        return self._rv

    @property
    def synced(self) -> bool:
        return self._synced

    def objects(self) -> dict[Uid, KubeObject]:
        """A copy of the store."""
        return dict(self._store)

    async def run(self, out: BatchQueue) -> None:
        """List, replace and watch forever; only cancellation ends it."""
        reason = "initial"
        while True:
            try:
                await self._list_and_replace(out, reason)
            except Exception as exc:  # never crash: any failure is retried
                if self._forbidden_optional(exc):
                    await self._synced_empty(out)
                await self._failed("list", exc)
                reason = "error"
                continue
            await self._watch_until_gone(out)
            await self._pause("gone")
            reason = "gone"

    async def _watch_until_gone(self, out: BatchQueue) -> None:
        kind = self.info.kind.value
        while True:
            started = time.monotonic()
            try:
                await self._watch_once(out)
            except GoneError as exc:
                self._note_progress(started)
                log.info("watch %s: %s; relisting", self.info.resource, exc)
                return
            except Exception as exc:  # never crash: any failure is retried
                await self._failed("watch", exc)
            else:
                if not self._note_progress(started):
                    await self._pause("short_watch")  # a watch ending at once: no busy loop
            self._metrics.watch_restarts.labels(kind).inc()

    def _note_progress(self, started: float) -> bool:
        """Whether the watch begun at `started` stayed open long enough to count as
        progress; if so, the backoff starts afresh."""
        healthy = time.monotonic() - started >= self._policy.healthy_watch
        if healthy:
            self._backoff.reset()
        return healthy

    async def _pause(self, cause: str) -> None:
        """Wait the next backoff delay before a request that follows no progress."""
        self._metrics.backoffs.labels(self.info.kind.value, cause).inc()
        await asyncio.sleep(self._backoff.next_delay())

    def _forbidden_optional(self, exc: Exception) -> bool:
        return (
            self.info.optional
            and isinstance(exc, ApiStatusError)
            and exc.status == HTTPStatus.FORBIDDEN
        )

    async def _synced_empty(self, out: BatchQueue) -> None:
        """A kind beyond upstream's that the ClusterRole does not grant: served empty, so
        that an upgrade without the new RBAC rules keeps the collector ready; the lists go
        on and fill it in once the rule is granted."""
        if self._synced:
            return
        self._synced = True
        log.warning(
            "list %s forbidden: the collector's ClusterRole lacks get/list/watch on %s; "
            "%s metadata is not served until it is granted (deploy/collector/rbac.yaml)",
            self.info.resource,
            self.info.resource,
            self.info.kind.value,
        )
        await out.put(Batch((), synced=self.info.kind))

    async def _failed(self, what: str, exc: Exception) -> None:
        self._metrics.backoffs.labels(self.info.kind.value, f"{what}_error").inc()
        delay = self._backoff.next_delay()
        if isinstance(exc, ApiError):
            log.error("%s %s failed: %s; retrying in %.1fs", what, self.info.resource, exc, delay)
        else:
            log.exception(
                "%s %s: unexpected failure; retrying in %.1fs", what, self.info.resource, delay
            )
        await asyncio.sleep(delay)

    async def _list_and_replace(self, out: BatchQueue, reason: str) -> None:
        self._metrics.relists.labels(self.info.kind.value, reason).inc()
        store, rv = await self._list()
        changes = diff_stores(self._store, store)
        self._store, self._rv = store, rv
        first = not self._synced
        self._synced = True
        self._publish_counts(changes)
        log.info(
            "listed %s: %d objects, %d changes (%s)",
            self.info.resource,
            len(store),
            len(changes),
            reason,
        )
        if changes or first:
            await out.put(Batch(changes, synced=self.info.kind if first else None))

    async def _list(self) -> tuple[dict[Uid, KubeObject], str]:
        """All objects (trimmed, by UID) and the list's resourceVersion."""
        pager = Pager(self._transport, self.info, self._policy.page_limit, self._decoder)
        try:
            return await self._pages(pager)
        finally:
            pager.close()

    async def _pages(self, pager: Pager) -> tuple[dict[Uid, KubeObject], str]:
        store: dict[Uid, KubeObject] = {}
        token, restarts = "", 0
        while True:
            try:
                page = await pager.page(token)
            except GoneError:
                if not token or restarts >= self._policy.max_list_restarts:
                    raise
                restarts += 1
                log.info("list %s: continue token expired; restarting", self.info.resource)
                store, token = {}, ""
                continue
            for error in page.skipped:
                self._skip(error, "list")
            for obj in page.objects:
                store[obj.uid] = obj
            token = page.token
            if not token:
                if not page.resource_version:
                    raise TransportError(f"list {self.info.path}: no resourceVersion")
                return store, page.resource_version

    def _skip(self, error: TrimError, source: str) -> None:
        self.skipped += 1
        undecodable = isinstance(error, UndecodableError)
        reason = "undecodable" if undecodable else "malformed"
        self._metrics.skipped_objects.labels(self.info.kind.value, source, reason).inc()
        log.warning("%s %s: skipped an object (%s): %s", source, self.info.resource, reason, error)

    async def _watch_once(self, out: BatchQueue) -> int:
        """One watch request from the current version; the number of events received."""
        timeout = self._policy.next_watch_timeout()
        query: list[tuple[str, str | int]] = [
            ("watch", "1"),
            ("resourceVersion", self._rv),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", timeout),
        ]
        received = 0
        lines = self._transport.stream_lines(
            self.info.path, query, self.info.watch_accept, timeout + self._policy.read_timeout
        )
        async with contextlib.aclosing(lines):  # an ERROR event ends the stream at once
            async for line in lines:
                event = self._decoder.event(line)
                received += 1
                change = self._on_event(event)
                if change is not None:
                    self._publish_counts((change,))
                    await out.put(Batch((change,)))
        return received

    def _on_event(self, event: WatchEvent) -> Change | None:
        """Apply one watch event to the store; the change to publish, if any."""
        if not event.type:  # no usable watch event: skipped, the watch reads on
            if event.skipped is not None:
                self._skip(event.skipped, "watch")
            return None
        self._metrics.watch_events.labels(self.info.kind.value, event.type).inc()
        if event.error is not None:
            raise event.error
        if event.resource_version:
            self._rv = event.resource_version
        if event.type == "BOOKMARK":
            return None
        change_type = _CHANGE_TYPES[event.type]
        if event.obj is None:
            if event.skipped is not None:
                self._skip(event.skipped, "watch")
            return self._forget(event.uid) if change_type is ChangeType.DELETED else None
        return self._apply(change_type, event.obj)

    def _apply(self, change_type: ChangeType, obj: KubeObject) -> Change | None:
        previous = self._store.get(obj.uid)
        if change_type is ChangeType.DELETED:
            if previous is None:
                return None
            del self._store[obj.uid]
            return Change(ChangeType.DELETED, obj)
        self._store[obj.uid] = obj
        if previous is None:
            return Change(ChangeType.ADDED, obj)
        if previous.same_content(obj):
            return None  # status churn, resourceVersion only: nothing the wire carries
        return Change(ChangeType.MODIFIED, obj)

    def _forget(self, uid: Uid | None) -> Change | None:
        """A DELETED event we cannot trim: still delete by UID, with the last known state."""
        previous = None if uid is None else self._store.pop(uid, None)
        return None if previous is None else Change(ChangeType.DELETED, previous)

    def _publish_counts(self, changes: tuple[Change, ...]) -> None:
        received = self._metrics.api_server_received
        counts = Counter(change.type for change in changes)  # a relist may hold 150k changes
        for change_type, count in counts.items():
            label = _RECEIVED_TYPE[change_type]
            received.labels(self.info.collector_name, "api-server", label).inc(count)
