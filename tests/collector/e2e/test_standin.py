"""Key scenarios through the real client stack: API stand-in -> KubeSource -> collector ->
real gRPC Watch clients (docs/collector-contract.md #6, #8, #9, #12, #14 over HTTP list/watch)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import grpc
import pytest
from prometheus_client import CollectorRegistry

from k8smeta.collector.app import Collector
from k8smeta.collector.kube.source import KubeSource
from k8smeta.collector.model import Kind
from k8smeta.collector.ops.metrics import CollectorMetrics
from k8smeta.wire import metadata_pb2, metadata_pb2_grpc
from tests.collector.e2e.harness import ALL_KINDS, WatchClient, loopback_config, short
from tests.collector.kube.conftest import FAST
from tests.kubeapi import objects
from tests.kubeapi.standin import KubeApiStandIn


@contextlib.asynccontextmanager
async def collector_over(api: KubeApiStandIn) -> AsyncIterator[tuple[Collector, grpc.aio.Channel]]:
    metrics = CollectorMetrics(CollectorRegistry())
    client = api.client()
    collector = Collector(loopback_config(), [KubeSource(client, metrics, policy=FAST)], metrics)
    await collector.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{collector.grpc_port}")
    try:
        await api.wait_for(lambda: api.watchers() == len(Kind))
        yield collector, channel
    finally:
        await collector.stop()
        await channel.close(None)
        await client.close()


def watch(channel: grpc.aio.Channel, node: str) -> WatchClient:
    selector = {**dict.fromkeys(ALL_KINDS, "true"), "k8smeta/sync": "true"}
    stub = metadata_pb2_grpc.MetadataStub(channel)
    return WatchClient(stub.Watch(metadata_pb2.Selector(nodeName=node, resourceKinds=selector)))


async def next_lines(client: WatchClient, count: int) -> list[str]:
    return [short(e) for e in await client.take(count)]


@pytest.mark.asyncio
async def test_live_scenarios_through_the_stand_in() -> None:
    async with KubeApiStandIn() as api:
        ns = api.add(objects.namespace("shop", uid="ns-shop"))
        dep = api.add(objects.deployment("web", "shop", uid="dep-web"))
        rs = api.add(objects.replica_set("web-1", "shop", owner=dep, uid="rs-web"))
        api.add(objects.pod("web-1-a", "shop", owner=rs, uid="p-a1"))
        api.add(objects.pod("web-1-b", "shop", owner=rs, node="node-b", uid="p-b1"))
        api.add(objects.service("web", "shop", selector={"app": "web"}, uid="svc-web"))
        async with collector_over(api) as (_collector, channel):
            a, b = watch(channel, "node-a"), watch(channel, "node-b")
            base = ["Create Namespace ns-shop", "Create Deployment dep-web",
                    "Create ReplicaSet rs-web", "Create Service svc-web"]  # fmt: skip
            assert [short(e) for e in await a.until_sync()] == [*base, "Create Pod p-a1"]
            assert [short(e) for e in await b.until_sync()] == [*base, "Create Pod p-b1"]

            # 8: an unscheduled pod gets its node
            api.add(objects.pod("web-1-u", "shop", owner=rs, node="", ip="", uid="p-u"))
            api.update("Pod", "shop", "web-1-u", lambda p: p["spec"].update(nodeName="node-a"))
            assert await next_lines(a, 1) == ["Create Pod p-u"]

            # 14: the pod's ADDED comes before its namespace's
            api.add(objects.pod("late-1", "late", labels={"app": "late"}, uid="p-late"))
            api.add(objects.namespace("late", uid="ns-late"))
            assert await next_lines(a, 2) == ["Create Namespace ns-late", "Create Pod p-late"]

            # 12: the Service stops selecting the web pods
            api.update("Service", "shop", "web", lambda s: s["spec"].update(selector={"app": "x"}))
            assert await next_lines(a, 3) == [
                "Delete Service svc-web", "Update Pod p-a1", "Update Pod p-u"
            ]  # fmt: skip
            assert await next_lines(b, 2) == ["Delete Service svc-web", "Update Pod p-b1"]

            # 9: a ReplicaSet arriving after its pod brings its known Deployment along
            rs2 = objects.replica_set("web-2", "shop", owner=dep, uid="rs-2")
            api.add(objects.pod("web-2-a", "shop", owner=rs2, uid="p-a2"))
            assert await next_lines(a, 1) == ["Create Pod p-a2"]
            api.add(rs2)
            assert await next_lines(a, 2) == ["Create ReplicaSet rs-2", "Update Pod p-a2"]

            # 6/7: the last pod of the namespace leaves node b
            api.delete("Pod", "shop", "web-1-b")
            assert await next_lines(b, 4) == [
                "Delete Pod p-b1", "Delete ReplicaSet rs-web", "Delete Deployment dep-web",
                "Delete Namespace ns-shop",
            ]  # fmt: skip

            # 8: a pod recreated on another node
            api.delete("Pod", "late", "late-1")
            api.add(
                objects.pod("late-1", "late", labels={"app": "late"}, node="node-b", uid="p-l2")
            )
            assert await next_lines(a, 2) == ["Delete Pod p-late", "Delete Namespace ns-late"]
            assert await next_lines(b, 2) == ["Create Namespace ns-late", "Create Pod p-l2"]
            assert ns["metadata"]["uid"] == "ns-shop"
        for client in (a, b):
            events, code = await client.rest()
            assert (events, code) == ([], grpc.StatusCode.UNAVAILABLE)
