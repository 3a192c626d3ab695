"""A running collector fed by a scripted in-memory Source, and real gRPC Watch clients."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, replace

import grpc

from k8smeta.collector.app import Collector, CollectorConfig
from k8smeta.collector.model import (
    DEPENDENCY_ORDER,
    Batch,
    BatchQueue,
    Change,
    ChangeType,
    Kind,
    KubeObject,
)
from k8smeta.wire import metadata_pb2, metadata_pb2_grpc
from tests.collector.index.objects import added, deleted, modified

LOOPBACK = "127.0.0.1:0"
ALL_KINDS = tuple(kind.value for kind in Kind)
UPSTREAM_SELECTOR = ("Pod", "Namespace", "Deployment", "Service", "ReplicaSet", "ReplicaController")
TIMEOUT = 10.0
ORDER = DEPENDENCY_ORDER


class ScriptedSource:
    """A Source at protocol level: lists `initial` (one synced batch per kind), then emits
    whatever the test scripts."""

    kinds: tuple[Kind, ...] = ORDER

    def __init__(self, initial: Iterable[KubeObject] = (), *, hold: bool = False) -> None:
        self._initial = tuple(initial)
        self._out: BatchQueue | None = None
        self.attached = asyncio.Event()
        self.gate = asyncio.Event()
        if not hold:
            self.gate.set()

    async def run(self, out: BatchQueue) -> None:
        self._out = out
        await self.gate.wait()
        for kind in self.kinds:
            changes = tuple(
                Change(ChangeType.ADDED, obj) for obj in self._initial if obj.kind is kind
            )
            await out.put(Batch(changes, synced=kind))
        self.attached.set()
        await asyncio.Event().wait()

    async def emit(self, batch: Batch) -> None:
        assert self._out is not None
        await self._out.put(batch)


def short(event: metadata_pb2.Event) -> str:
    """`Reason Kind uid` (`Sync` alone), for readable exact-sequence assertions."""
    if event.reason == "Sync":
        return "Sync"
    return f"{event.reason} {event.kind} {event.uid}"


@dataclass
class WatchClient:
    """One real gRPC Watch stream."""

    call: grpc.aio.UnaryStreamCall[metadata_pb2.Selector, metadata_pb2.Event]

    async def take(self, count: int) -> list[metadata_pb2.Event]:
        events: list[metadata_pb2.Event] = []
        for _ in range(count):
            event = await asyncio.wait_for(self.call.read(), TIMEOUT)
            assert isinstance(event, metadata_pb2.Event), f"stream ended after {events}"
            events.append(event)
        return events

    async def until_sync(self) -> list[metadata_pb2.Event]:
        """The events before the next `Sync`."""
        events: list[metadata_pb2.Event] = []
        while True:
            (event,) = await self.take(1)
            if event.reason == "Sync":
                return events
            events.append(event)

    async def rest(self) -> tuple[list[metadata_pb2.Event], grpc.StatusCode]:
        """Everything until the stream ends, and its status code."""
        events: list[metadata_pb2.Event] = []
        with contextlib.suppress(grpc.aio.AioRpcError):
            while True:
                event = await asyncio.wait_for(self.call.read(), TIMEOUT)
                if not isinstance(event, metadata_pb2.Event):
                    break
                events.append(event)
        return events, await asyncio.wait_for(self.call.code(), TIMEOUT)

    async def registered(self) -> WatchClient:
        """Until the server has registered this stream (it sends headers right after)."""
        await asyncio.wait_for(self.call.initial_metadata(), TIMEOUT)
        return self

    def cancel(self) -> None:
        self.call.cancel()


@dataclass
class Harness:
    collector: Collector
    source: ScriptedSource
    channel: grpc.aio.Channel

    def watch(
        self, node: str, kinds: Sequence[str] = ALL_KINDS, *, sync: bool = False
    ) -> WatchClient:
        selector = dict.fromkeys(kinds, "true")
        if sync:
            selector["k8smeta/sync"] = "true"
        return self.raw_watch(node, selector)

    def raw_watch(self, node: str, resource_kinds: dict[str, str]) -> WatchClient:
        stub = metadata_pb2_grpc.MetadataStub(self.channel)
        request = metadata_pb2.Selector(nodeName=node, resourceKinds=resource_kinds)
        return WatchClient(stub.Watch(request))

    added = staticmethod(added)
    modified = staticmethod(modified)
    deleted = staticmethod(deleted)

    async def emit(self, *changes: Change | tuple[Change, ...]) -> None:
        """Emit one batch and wait until the collector has applied and published it."""
        flat: list[Change] = []
        for item in changes:
            flat.extend(item if isinstance(item, tuple) else (item,))
        await self.source.emit(Batch(tuple(flat)))
        await self.collector.wait_idle()

    async def finish(self) -> None:
        """Shut the collector down: every stream drains and ends (UNAVAILABLE)."""
        await self.collector.stop()


def loopback_config(**overrides: object) -> CollectorConfig:
    config = CollectorConfig(broker_bind=LOOPBACK, metrics_bind=LOOPBACK, health_bind=LOOPBACK)
    return replace(config, **overrides)  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def running(
    initial: Iterable[KubeObject] = (), *, hold: bool = False, **overrides: object
) -> AsyncIterator[Harness]:
    """A started collector; unless `hold`, its source has listed `initial` and it is idle."""
    source = ScriptedSource(initial, hold=hold)
    collector = Collector(loopback_config(**overrides), [source])
    await collector.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{collector.grpc_port}")
    try:
        if not hold:
            await asyncio.wait_for(source.attached.wait(), TIMEOUT)
            await collector.wait_idle()
        yield Harness(collector, source, channel)
    finally:
        await collector.stop()
        await channel.close(None)


async def live_streams(
    initial: Iterable[KubeObject],
    batches: Sequence[tuple[Change, ...]],
    nodes: Sequence[str] = ("node-a", "node-b"),
) -> dict[str, list[str]]:
    """Per node, what an all-kinds client receives after its snapshot while `batches` are
    applied one by one; the streams are then ended by a shutdown (exact sequences)."""
    async with running(initial) as h:
        clients = {node: await h.watch(node, sync=True).registered() for node in nodes}
        for client in clients.values():
            await client.until_sync()
        for changes in batches:
            await h.emit(changes)
        await h.finish()
        streams = {}
        for node, client in clients.items():
            events, code = await client.rest()
            assert code is grpc.StatusCode.UNAVAILABLE
            streams[node] = [short(e) for e in events]
        return streams
