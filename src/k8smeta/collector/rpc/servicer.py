"""The `metadata.Metadata/Watch` handler: subscribe, then drain this stream's own queue.

Messages are already serialized (the method is registered with an identity response
serializer), so each handler only writes bytes. A stream never ends with OK: it ends when
the client goes away, with RESOURCE_EXHAUSTED on overflow, or UNAVAILABLE on shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import grpc
from google.protobuf.message import DecodeError

from k8smeta.collector.broker import Broker, StreamEnd, Subscription, parse_selection
from k8smeta.collector.logs import shorten
from k8smeta.collector.ops.metrics import CollectorMetrics
from k8smeta.collector.views import MAX_EVENT_BYTES, Oversize, WireEvent
from k8smeta.wire import limits, metadata_pb2
from k8smeta.wire.vocabulary import CREATE, UPDATE

# A payload is at most this many times its binary message (a control character of a UID
# becomes a 6-byte escape), plus the keys around the fields: only a message above
# MAX_EVENT_BYTES / _BLOWUP can make a payload over the limit, so only those are measured.
_BLOWUP = 6
_KEYS = 512

log = logging.getLogger(__name__)
Context = grpc.aio.ServicerContext[bytes, bytes]
_KEYS_LOGGED = 20
# Upstream's lifecycle logger name and messages (docs/configuration.md, logs); see
# logs.display_name.
lifecycle = logging.getLogger("k8smeta.collector.broker.grpc-server")


class WatchServicer:
    """Serves Watch streams from the broker; counts what it writes."""

    def __init__(self, broker: Broker, metrics: CollectorMetrics) -> None:
        self._broker = broker
        self._metrics = metrics
        self._counters: dict[tuple[str, str], Any] = {}
        self._active = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def wait_idle(self) -> None:
        """Until no Watch handler runs any more."""
        await self._idle.wait()

    async def watch(self, request: bytes, context: Context) -> None:
        """One Watch stream; `request` is the serialized Selector (decoded here, so that a
        malformed one is INVALID_ARGUMENT with one WARN line, not UNKNOWN and a traceback)."""
        try:
            selector = metadata_pb2.Selector.FromString(request)
        except DecodeError as exc:
            fields = {"peer": context.peer(), "bytes": len(request), "error": str(exc)}
            log.warning("refused a malformed watch request", extra={"fields": fields})
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"malformed Selector: {exc}")
        selection = parse_selection(selector.nodeName, selector.resourceKinds)
        sub = self._broker.subscribe(selection)
        node = shorten(selection.node)  # a node name is the client's: never megabytes in logs
        fields = {"node": node, "subscriber UID": sub.uid}
        lifecycle.info("received watch request", extra={"fields": fields})
        if selection.unknown_keys:
            keys = [shorten(key) for key in selection.unknown_keys[:_KEYS_LOGGED]]
            log.debug("ignoring unknown selector keys", extra={"fields": {"keys": keys}})
        self._active += 1
        self._idle.clear()
        try:
            # Headers right away: a client knows it is registered before any event.
            await context.send_initial_metadata(())
            await self._stream(sub, context)
        finally:
            self._broker.unsubscribe(sub)
            self._active -= 1
            if not self._active:
                self._idle.set()
            lifecycle.info("stream deleted", extra={"fields": {"subscriber": node}})

    async def _stream(self, sub: Subscription, context: Context) -> None:
        while True:
            item = await sub.next()
            if isinstance(item, StreamEnd):
                # abort() raises: the stream ends with this status, never with OK.
                await context.abort(getattr(grpc.StatusCode, item.code), item.details)
            if too_large(item.data):
                self._oversized(item, sub)
                continue
            await context.write(item.data)
            self._counter(item).inc()

    def _oversized(self, event: WireEvent, sub: Subscription) -> None:
        """Leave out an event over the limit: the client could not use it, and gRPC would
        end the whole stream at it."""
        kind = event.kind.value if event.kind is not None else ""
        self._metrics.oversized_objects.labels(kind, Oversize.NOT_SENT.value).inc()
        fields = {
            "kind": kind,
            "uid": event.uid,
            "bytes": len(event.data),
            "node": shorten(sub.selection.node),
        }
        log.warning("event too large to send, left out", extra={"fields": fields})

    def _counter(self, event: WireEvent) -> Any:
        key = (event.kind.value if event.kind is not None else "", event.reason.value)
        counter = self._counters.get(key)
        if counter is None:
            counter = self._counters[key] = self._metrics.dispatched_events.labels(*key)
        return counter


def too_large(data: bytes) -> bool:
    """Whether a serialized event, or the payload the plugin makes of it, is over the limit."""
    if len(data) > MAX_EVENT_BYTES:
        return True
    if _BLOWUP * len(data) + _KEYS <= MAX_EVENT_BYTES:
        return False
    event = metadata_pb2.Event.FromString(data)
    if event.reason not in (CREATE, UPDATE):
        return False
    refs = None
    if event.HasField("refs"):
        resources = event.refs.resources
        refs = [(kind, list(resources[kind].list)) for kind in resources]
    status = event.status if event.HasField("status") else None
    size = limits.payload_bytes(event.uid, event.kind, event.meta, status, refs)
    return size > MAX_EVENT_BYTES
