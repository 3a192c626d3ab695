"""A collector fed by the API stand-in over HTTP (a real kubernetes_asyncio client and our
reflectors), serving real gRPC Watch clients on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
from prometheus_client import CollectorRegistry

from k8smeta.collector.app import Collector
from k8smeta.collector.kube.policy import ReflectorPolicy
from k8smeta.collector.kube.source import KubeSource
from k8smeta.collector.model import Kind
from k8smeta.collector.ops.metrics import CollectorMetrics
from k8smeta.wire import metadata_pb2, metadata_pb2_grpc
from tests.collector.e2e.harness import ALL_KINDS, TIMEOUT, WatchClient, loopback_config, short
from tests.collector.kube.conftest import FAST
from tests.kubeapi.standin import KubeApiStandIn


@dataclass
class Live:
    """The running collector, its gRPC channel and metrics."""

    api: KubeApiStandIn
    collector: Collector
    channel: grpc.aio.Channel
    metrics: CollectorMetrics

    def watch(self, node: str, kinds: tuple[str, ...] = ALL_KINDS) -> WatchClient:
        selector = dict.fromkeys(kinds, "true") | {"k8smeta/sync": "true"}
        request = metadata_pb2.Selector(nodeName=node, resourceKinds=selector)
        return WatchClient(metadata_pb2_grpc.MetadataStub(self.channel).Watch(request))

    async def snapshot(self, node: str) -> list[metadata_pb2.Event]:
        """What a new all-kinds client of `node` receives up to its Sync."""
        client = self.watch(node)
        try:
            return await client.until_sync()
        finally:
            client.cancel()

    async def served(self, node: str) -> list[str]:
        return [short(event) for event in await self.snapshot(node)]

    def sample(self, name: str, labels: dict[str, str]) -> float:
        value = self.metrics.registry.get_sample_value(name, labels)
        return 0.0 if value is None else value


@contextlib.asynccontextmanager
async def live_collector(
    api: KubeApiStandIn,
    *,
    pod_annotations: frozenset[str] = frozenset(),
    policy: ReflectorPolicy = FAST,
    wait_watches: bool = True,
) -> AsyncIterator[Live]:
    """A started collector over `api`, synced (and, with `wait_watches`, watching every
    kind)."""
    client = api.client()
    metrics = CollectorMetrics(CollectorRegistry())
    source = KubeSource(client, metrics, policy=policy, pod_annotations=pod_annotations)
    collector = Collector(loopback_config(), [source], metrics)
    await collector.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{collector.grpc_port}")
    try:
        await asyncio.wait_for(collector.pipeline.all_synced.wait(), TIMEOUT)
        if wait_watches:
            await api.wait_for(lambda: api.watchers() == len(Kind))
        yield Live(api, collector, channel, metrics)
    finally:
        await collector.stop()
        await channel.close(None)
        await client.close()
