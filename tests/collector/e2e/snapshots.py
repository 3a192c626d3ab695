"""A collector serving `kubectl get -o json` files through the real SnapshotSource."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import orjson
from prometheus_client import CollectorRegistry

from k8smeta.collector.app import Collector
from k8smeta.collector.kube.snapshot import SnapshotSource
from k8smeta.collector.model import Batch
from k8smeta.collector.ops.metrics import CollectorMetrics
from k8smeta.wire import metadata_pb2, metadata_pb2_grpc
from tests.collector.e2e.harness import ALL_KINDS, TIMEOUT, WatchClient, loopback_config


def write_list(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_bytes(orjson.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    return path


@dataclass
class SnapshotHarness:
    collector: Collector
    source: SnapshotSource
    channel: grpc.aio.Channel

    def watch(self, node: str, kinds: Sequence[str] = ALL_KINDS) -> WatchClient:
        """A Watch of `kinds` (default: all) with `Sync`."""
        selector = {**dict.fromkeys(kinds, "true"), "k8smeta/sync": "true"}
        request = metadata_pb2.Selector(nodeName=node, resourceKinds=selector)
        return WatchClient(metadata_pb2_grpc.MetadataStub(self.channel).Watch(request))

    async def reload(self) -> None:
        """What SIGHUP does (re-read the files, publish the difference), then wait idle."""
        await self.collector.queue.put(Batch(self.source.reload()))
        await self.collector.wait_idle()


@contextlib.asynccontextmanager
async def serving(path: Path, **overrides: object) -> AsyncIterator[SnapshotHarness]:
    """A collector started on the snapshot file `path`, synced and idle."""
    metrics = CollectorMetrics(CollectorRegistry())
    source = SnapshotSource([path], metrics)
    collector = Collector(loopback_config(**overrides), [source], metrics)
    await collector.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{collector.grpc_port}")
    try:
        await asyncio.wait_for(collector.pipeline.all_synced.wait(), TIMEOUT)
        yield SnapshotHarness(collector, source, channel)
    finally:
        await collector.stop()
        await channel.close(None)
