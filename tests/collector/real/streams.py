"""A collector watching the real API with the deploy/ ServiceAccount's token, and recorders of
what each node's Watch stream receives, as `Reason Kind namespace/name` lines."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from prometheus_client import CollectorRegistry

from k8smeta.collector.app import Collector
from k8smeta.collector.kube.config import load_api_client
from k8smeta.collector.kube.policy import ReflectorPolicy
from k8smeta.collector.kube.source import KubeSource
from k8smeta.collector.model import Kind
from k8smeta.collector.ops.metrics import CollectorMetrics
from k8smeta.wire import metadata_pb2, metadata_pb2_grpc
from tests.collector.e2e.harness import loopback_config

ALL_KINDS = tuple(kind.value for kind in Kind)
POLICY = ReflectorPolicy(backoff_initial=0.05, backoff_max=0.5, rng=random.Random(20))
TIMEOUT = 60.0


@dataclass
class Serving:
    collector: Collector
    channel: grpc.aio.Channel
    metrics: CollectorMetrics
    source: KubeSource


@contextlib.asynccontextmanager
async def collector_on(
    kubeconfig: Path,
    *,
    pod_annotations: frozenset[str] = frozenset(),
    policy: ReflectorPolicy = POLICY,
    synced: bool = True,
) -> AsyncIterator[Serving]:
    """An in-process collector whose API client comes from `kubeconfig` as in production
    (`--kubeconfig`), gRPC on 127.0.0.1; unless `synced` is False, every kind is listed."""
    client = await load_api_client(str(kubeconfig))
    metrics = CollectorMetrics(CollectorRegistry())
    source = KubeSource(client, metrics, policy=policy, pod_annotations=pod_annotations)
    collector = Collector(loopback_config(), [source], metrics)
    await collector.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{collector.grpc_port}")
    try:
        if synced:
            await asyncio.wait_for(collector.pipeline.all_synced.wait(), TIMEOUT)
        yield Serving(collector, channel, metrics, source)
    finally:
        await collector.stop()
        await channel.close(None)
        await client.close()


@dataclass
class NodeStream:
    """Everything one node's all-kinds Watch stream (with Sync markers) receives."""

    node: str
    call: grpc.aio.UnaryStreamCall[metadata_pb2.Selector, metadata_pb2.Event]
    lines: list[str] = field(default_factory=list)
    events: list[metadata_pb2.Event] = field(default_factory=list)
    synced: asyncio.Event = field(default_factory=asyncio.Event)
    last: float = field(default_factory=time.monotonic)
    names: dict[str, str] = field(default_factory=dict)  # uid -> "Kind namespace/name"
    taken: int = 0
    ended: grpc.StatusCode | None = None

    def line(self, event: metadata_pb2.Event) -> str:
        if event.meta:
            meta = json.loads(event.meta)
            self.names[event.uid] = f"{event.kind} {meta.get('namespace', '')}/{meta['name']}"
        return f"{event.reason} {self.names.get(event.uid, f'{event.kind} uid={event.uid}')}"

    async def read(self) -> None:
        try:
            async for event in self.call:
                self.last = time.monotonic()
                if event.reason == "Sync":
                    self.synced.set()
                else:
                    self.events.append(event)
                    self.lines.append(self.line(event))
        except grpc.aio.AioRpcError as exc:
            self.ended = exc.code()

    def take(self) -> list[str]:
        """The lines since the last take."""
        new = self.lines[self.taken :]
        self.taken = len(self.lines)
        return new


class Recorder:
    """One NodeStream per node, read in the background."""

    def __init__(self, channel: grpc.aio.Channel, nodes: Sequence[str]) -> None:
        stub = metadata_pb2_grpc.MetadataStub(channel)
        selector = dict.fromkeys(ALL_KINDS, "true") | {"k8smeta/sync": "true"}
        self.streams = {
            node: NodeStream(
                node, stub.Watch(metadata_pb2.Selector(nodeName=node, resourceKinds=selector))
            )
            for node in nodes
        }
        self.tasks = [asyncio.create_task(s.read()) for s in self.streams.values()]

    async def synced(self) -> dict[str, list[str]]:
        for stream in self.streams.values():
            await asyncio.wait_for(stream.synced.wait(), TIMEOUT)
        return self.take()

    async def quiet(self, period: float = 1.5, timeout: float = TIMEOUT) -> None:
        """Until no stream received anything for `period` seconds (counted from the call at
        the earliest: what a step caused may still be on its way)."""
        began = time.monotonic()
        async with asyncio.timeout(timeout):
            while True:
                last = max(began, *(stream.last for stream in self.streams.values()))
                if time.monotonic() - last >= period:
                    return
                await asyncio.sleep(0.1)

    def take(self) -> dict[str, list[str]]:
        return {node: stream.take() for node, stream in self.streams.items()}

    async def step(self, period: float = 1.5) -> dict[str, set[str]]:
        """After quiet: the distinct lines each node received since the last step."""
        await self.quiet(period)
        return {node: set(lines) for node, lines in self.take().items()}

    async def close(self) -> None:
        for stream in self.streams.values():
            stream.call.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
