"""Stand-in API -> KubeSource (real kubernetes_asyncio client) -> collector -> real gRPC
Watch clients: docs/collector-contract.md scenarios 15 (410 relist), 16 (UID reuse in a
relist gap) and 24 (a snapshot file of the same objects yields the same streams)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import grpc
import orjson
import pytest
from prometheus_client import CollectorRegistry

from k8smeta.collector.app import Collector
from k8smeta.collector.kube.snapshot import SnapshotSource
from k8smeta.collector.kube.source import KubeSource
from k8smeta.collector.model import Kind, Source
from k8smeta.collector.ops.metrics import CollectorMetrics
from k8smeta.wire import metadata_pb2, metadata_pb2_grpc
from tests.collector.e2e.harness import ALL_KINDS, WatchClient, loopback_config, short
from tests.collector.kube.cluster import populate
from tests.collector.kube.conftest import FAST
from tests.kubeapi import objects
from tests.kubeapi.standin import KubeApiStandIn


@contextlib.asynccontextmanager
async def serving(source: Source, metrics: CollectorMetrics) -> AsyncIterator[grpc.aio.Channel]:
    collector = Collector(loopback_config(), [source], metrics)
    await collector.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{collector.grpc_port}")
    try:
        yield channel
    finally:
        await collector.stop()
        await channel.close(None)


async def snapshot_of(channel: grpc.aio.Channel, node: str) -> list[metadata_pb2.Event]:
    selector = {**dict.fromkeys(ALL_KINDS, "true"), "k8smeta/sync": "true"}
    stub = metadata_pb2_grpc.MetadataStub(channel)
    client = WatchClient(stub.Watch(metadata_pb2.Selector(nodeName=node, resourceKinds=selector)))
    try:
        return await client.until_sync()
    finally:
        client.cancel()


@contextlib.asynccontextmanager
async def live(api: KubeApiStandIn, metrics: CollectorMetrics) -> AsyncIterator[grpc.aio.Channel]:
    """A collector over the stand-in whose reflectors (one per kind) have listed and are
    watching."""
    client = api.client()
    try:
        async with serving(KubeSource(client, metrics, policy=FAST), metrics) as channel:
            await api.wait_for(lambda: api.watchers() == len(Kind))
            yield channel
    finally:
        await client.close()


@pytest.mark.parametrize("gone_as", ["http", "event"])
@pytest.mark.asyncio
async def test_relist_after_410_sends_deletes_and_creates(gone_as: str) -> None:
    metrics = CollectorMetrics(CollectorRegistry())
    async with KubeApiStandIn() as api:
        api.gone_as = "http" if gone_as == "http" else "event"
        uid = {"shop": api.add(objects.namespace("shop"))["metadata"]["uid"]}
        for name in ("a", "b", "c"):
            uid[name] = api.add(objects.pod(name, "shop", labels={"app": name}))["metadata"]["uid"]
        async with live(api, metrics) as channel:
            stub = metadata_pb2_grpc.MetadataStub(channel)
            selector = {**dict.fromkeys(ALL_KINDS, "true"), "k8smeta/sync": "true"}
            request = metadata_pb2.Selector(nodeName="node-a", resourceKinds=selector)
            client = WatchClient(stub.Watch(request))
            before = [short(e) for e in await client.until_sync()]
            api.close_watches("pods")  # no await from here to compact(): a gap in the watch
            api.delete("Pod", "shop", "b")
            api.delete("Pod", "shop", "c")
            new_c = api.add(objects.pod("c", "shop", labels={"app": "c"}))["metadata"]["uid"]
            new_d = api.add(objects.pod("d", "shop", labels={"app": "d"}))["metadata"]["uid"]
            api.update("Pod", "shop", "a", lambda p: p["status"].update(phase="Unknown"))
            api.compact()
            after = [short(e) for e in await client.take(4)]
            client.cancel()
    pods = sorted(f"Create Pod {uid[n]}" for n in "abc")
    assert before == [f"Create Namespace {uid['shop']}", *pods]
    assert sorted(after[:2]) == sorted([f"Delete Pod {uid['b']}", f"Delete Pod {uid['c']}"])
    assert sorted(after[2:]) == sorted([f"Create Pod {new_c}", f"Create Pod {new_d}"])
    gone = metrics.registry.get_sample_value(
        "meta_collector_relists_total", {"kind": "Pod", "reason": "gone"}
    )
    assert gone == 1


EXAMPLE = Path(__file__).parents[3] / "examples" / "cluster.json"


@pytest.mark.parametrize("cluster", ["built", "example"])
@pytest.mark.asyncio
async def test_snapshot_file_yields_the_same_streams_as_the_live_api(
    tmp_path: Path, cluster: str
) -> None:
    nodes: Sequence[str] = ("node-a", "node-b", "node-z")
    dump = tmp_path / "cluster.json"
    async with KubeApiStandIn() as api:
        if cluster == "example":
            assert api.load_file(EXAMPLE) > 20
            dump.write_bytes(EXAMPLE.read_bytes())
        else:
            created = populate(api)
            dump.write_bytes(orjson.dumps({"apiVersion": "v1", "kind": "List", "items": created}))
        async with live(api, CollectorMetrics(CollectorRegistry())) as channel:
            from_api = {node: await snapshot_of(channel, node) for node in nodes}
    metrics = CollectorMetrics(CollectorRegistry())
    async with serving(SnapshotSource([dump], metrics), metrics) as channel:
        from_file = {node: await snapshot_of(channel, node) for node in nodes}
    assert from_api["node-a"][0].kind == "Namespace"
    assert from_api["node-a"][-1].kind == "Pod"
    assert from_api["node-z"] == []
    if cluster == "built":  # namespace, daemon set, the service selecting its pod, the pod
        assert [e.kind for e in from_api["node-b"]] == ["Namespace", "DaemonSet", "Service", "Pod"]
    for node in nodes:
        assert [e.SerializeToString() for e in from_file[node]] == [
            e.SerializeToString() for e in from_api[node]
        ]
