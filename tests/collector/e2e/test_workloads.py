"""StatefulSets, Jobs, CronJobs, Nodes and kept pod annotations, end to end: the API stand-in
(real kubernetes_asyncio client over HTTP list/watch) or a `--snapshot` file -> collector ->
real gRPC Watch clients on 127.0.0.1 (docs/collector-contract.md, "Relevance", scenario 26).

One scenario body runs on both sources, with and without `--pod-annotations`.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Protocol

import grpc
import pytest
from prometheus_client import CollectorRegistry

from k8smeta.collector.app import Collector
from k8smeta.collector.kube.snapshot import SnapshotSource
from k8smeta.collector.kube.source import KubeSource
from k8smeta.collector.model import Batch, Kind, Source
from k8smeta.collector.ops.metrics import CollectorMetrics
from k8smeta.wire import metadata_pb2, metadata_pb2_grpc
from tests.collector.e2e.harness import (
    ALL_KINDS,
    TIMEOUT,
    UPSTREAM_SELECTOR,
    WatchClient,
    loopback_config,
    short,
)
from tests.collector.e2e.snapshots import write_list
from tests.collector.kube.conftest import FAST
from tests.kubeapi import objects
from tests.kubeapi.standin import KubeApiStandIn

Obj = objects.Obj
Mutate = Callable[[Obj], None]
OWNER_KEY = "team.example.com/owner"
KEPT = frozenset({OWNER_KEY, "absent.example.com/key"})


def cluster() -> list[Obj]:
    """Two nodes; a StatefulSet with a pod on each; a CronJob's Job with a pod on node-a; a
    Job of no CronJob with a pod on node-b; an annotated pod of no owner on node-a."""
    sts = objects.workload("StatefulSet", "db", "shop", uid="sts-db")
    cron = objects.workload("CronJob", "nightly", "shop", uid="cj-nightly")
    job = objects.workload("Job", "nightly-1", "shop", owner=cron, uid="job-n1")
    once = objects.workload("Job", "once", "shop", uid="job-once")
    annotations = {OWNER_KEY: "shop", "other.example.com/key": "x"}
    return [
        objects.namespace("shop", uid="ns-shop"),
        objects.node("node-a", uid="n-a"),
        objects.node("node-b", uid="n-b"),
        sts,
        cron,
        job,
        once,
        objects.pod("db-0", "shop", owner=sts, uid="p-db0"),
        objects.pod("db-1", "shop", owner=sts, node="node-b", uid="p-db1"),
        objects.pod("nightly-1-x", "shop", owner=job, uid="p-job"),
        objects.pod("once-x", "shop", owner=once, node="node-b", uid="p-once"),
        objects.pod("web-a", "shop", uid="p-web", annotations=annotations),
    ]


class Cluster(Protocol):
    """Where the scenario's objects live, and how a change reaches the collector."""

    async def update(self, kind: str, namespace: str, name: str, mutate: Mutate) -> None: ...

    async def delete(self, kind: str, namespace: str, name: str) -> None: ...


class StandInCluster:
    def __init__(self, api: KubeApiStandIn) -> None:
        self.api = api

    async def update(self, kind: str, namespace: str, name: str, mutate: Mutate) -> None:
        self.api.update(kind, namespace, name, mutate)

    async def delete(self, kind: str, namespace: str, name: str) -> None:
        self.api.delete(kind, namespace, name)


class FileCluster:
    """A snapshot file rewritten on each change, then reloaded (what SIGHUP does)."""

    def __init__(self, path: Path, items: list[Obj]) -> None:
        self.path = path
        self.items = {self._key(obj): obj for obj in items}
        self.collector: Collector | None = None
        self.source: SnapshotSource | None = None
        write_list(path, list(self.items.values()))

    @staticmethod
    def _key(obj: Obj) -> tuple[str, str, str]:
        meta = obj["metadata"]
        return obj["kind"], meta.get("namespace", ""), meta["name"]

    async def update(self, kind: str, namespace: str, name: str, mutate: Mutate) -> None:
        obj = copy.deepcopy(self.items[kind, namespace, name])
        mutate(obj)
        self.items[kind, namespace, name] = obj
        await self._reload()

    async def delete(self, kind: str, namespace: str, name: str) -> None:
        del self.items[kind, namespace, name]
        await self._reload()

    async def _reload(self) -> None:
        assert self.collector is not None
        assert self.source is not None
        write_list(self.path, list(self.items.values()))
        await self.collector.queue.put(Batch(self.source.reload()))
        await self.collector.wait_idle()


@contextlib.asynccontextmanager
async def serving(
    source: Source, metrics: CollectorMetrics
) -> AsyncIterator[tuple[Collector, grpc.aio.Channel]]:
    collector = Collector(loopback_config(), [source], metrics)
    await collector.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{collector.grpc_port}")
    try:
        await asyncio.wait_for(collector.pipeline.all_synced.wait(), TIMEOUT)
        yield collector, channel
    finally:
        await collector.stop()
        await channel.close(None)


@contextlib.asynccontextmanager
async def over_stand_in(
    keys: frozenset[str],
) -> AsyncIterator[tuple[Cluster, Collector, grpc.aio.Channel]]:
    async with KubeApiStandIn() as api:
        for obj in cluster():
            api.add(obj)
        client = api.client()
        metrics = CollectorMetrics(CollectorRegistry())
        source = KubeSource(client, metrics, policy=FAST, pod_annotations=keys)
        try:
            async with serving(source, metrics) as (collector, channel):
                await api.wait_for(lambda: api.watchers() == len(Kind))
                yield StandInCluster(api), collector, channel
        finally:
            await client.close()


@contextlib.asynccontextmanager
async def over_snapshot(
    keys: frozenset[str], path: Path
) -> AsyncIterator[tuple[Cluster, Collector, grpc.aio.Channel]]:
    files = FileCluster(path, cluster())
    metrics = CollectorMetrics(CollectorRegistry())
    source = SnapshotSource([path], metrics, pod_annotations=keys)
    async with serving(source, metrics) as (collector, channel):
        files.collector, files.source = collector, source
        yield files, collector, channel


def watch(channel: grpc.aio.Channel, node: str, kinds: tuple[str, ...], sync: bool) -> WatchClient:
    selector = dict.fromkeys(kinds, "true") | ({"k8smeta/sync": "true"} if sync else {})
    request = metadata_pb2.Selector(nodeName=node, resourceKinds=selector)
    return WatchClient(metadata_pb2_grpc.MetadataStub(channel).Watch(request))


def label(key: str, value: str) -> Mutate:
    return lambda obj: obj["metadata"].setdefault("labels", {}).__setitem__(key, value)


def annotate(key: str, value: str) -> Mutate:
    return lambda obj: obj["metadata"]["annotations"].__setitem__(key, value)


def adopt(owner_uid: str) -> Mutate:
    def mutate(obj: Obj) -> None:
        obj["metadata"]["ownerReferences"] = [
            {"apiVersion": "batch/v1", "kind": "CronJob", "name": "nightly",
             "uid": owner_uid, "controller": True}
        ]  # fmt: skip

    return mutate


SNAPSHOT_A = ["Create Namespace ns-shop", "Create Node n-a", "Create StatefulSet sts-db",
              "Create CronJob cj-nightly", "Create Job job-n1",
              "Create Pod p-db0", "Create Pod p-job", "Create Pod p-web"]  # fmt: skip
SNAPSHOT_B = ["Create Namespace ns-shop", "Create Node n-b", "Create StatefulSet sts-db",
              "Create Job job-once", "Create Pod p-db1", "Create Pod p-once"]  # fmt: skip
NODE_A_META = {"labels": {"kubernetes.io/hostname": "node-a", "kubernetes.io/os": "linux"},
               "name": "node-a", "uid": "n-a"}  # fmt: skip
WEB_META = '{"labels":{"app":"web"},"name":"web-a","namespace":"shop","uid":"p-web"}'
WEB_META_KEPT = '{"annotations":{"team.example.com/owner":"shop"},' + WEB_META[1:]


def refs(event: metadata_pb2.Event) -> dict[str, list[str]]:
    return {kind: list(uids.list) for kind, uids in event.refs.resources.items()}


@pytest.mark.parametrize("kept", [frozenset(), KEPT], ids=["no-annotations", "annotations"])
@pytest.mark.parametrize("source", ["stand-in", "snapshot"])
@pytest.mark.asyncio
async def test_new_kinds_and_annotations(source: str, kept: frozenset[str], tmp_path: Path) -> None:
    over = over_stand_in(kept) if source == "stand-in" else over_snapshot(kept, tmp_path / "c.json")
    async with over as (nodes, collector, channel):
        a = watch(channel, "node-a", ALL_KINDS, True)
        b = watch(channel, "node-b", ALL_KINDS, True)
        upstream = watch(channel, "node-a", UPSTREAM_SELECTOR, False)
        snapshot_a = await a.until_sync()
        assert [short(e) for e in snapshot_a] == SNAPSHOT_A
        assert [short(e) for e in await b.until_sync()] == SNAPSHOT_B
        by_uid = {e.uid: e for e in snapshot_a}
        assert refs(by_uid["job-n1"]) == {"CronJob": ["cj-nightly"]}
        assert refs(by_uid["p-job"]) == {"Job": ["job-n1"], "Namespace": ["ns-shop"], "Service": []}
        assert refs(by_uid["p-db0"])["StatefulSet"] == ["sts-db"]
        assert json.loads(by_uid["n-a"].meta) == NODE_A_META
        assert not by_uid["n-a"].HasField("status")
        assert not by_uid["n-a"].HasField("refs")
        assert by_uid["p-web"].meta == (WEB_META_KEPT if kept else WEB_META)

        async def step(change: Awaitable[None], on_a: list[str], on_b: list[str]) -> None:
            await change
            assert [short(e) for e in await a.take(len(on_a))] == on_a
            assert [short(e) for e in await b.take(len(on_b))] == on_b

        # A Node's labels change: only its own node hears of it.
        await step(nodes.update("Node", "", "node-a", label("zone", "z2")), ["Update Node n-a"], [])
        # A kept annotation changes (an Update only when kept), then one never kept (nothing).
        web_update = ["Update Pod p-web"] if kept else []
        await step(nodes.update("Pod", "shop", "web-a", annotate(OWNER_KEY, "pay")), web_update, [])
        await step(
            nodes.update("Pod", "shop", "web-a", annotate("other.example.com/key", "y")), [], []
        )
        # A CronJob adopts node-b's Job: the CronJob arrives there, the Job's refs follow.
        await step(
            nodes.update("Job", "shop", "once", adopt("cj-nightly")),
            [],
            ["Create CronJob cj-nightly", "Update Job job-once"],
        )
        # Owners' labels change: an Update to every node holding them.
        both = ["Update StatefulSet sts-db"]
        await step(nodes.update("StatefulSet", "shop", "db", label("tier", "data")), both, both)
        both = ["Update CronJob cj-nightly"]
        await step(nodes.update("CronJob", "shop", "nightly", label("tier", "batch")), both, both)
        # The last pod of node-a's Job leaves: the Job and its CronJob leave node-a only.
        await step(
            nodes.delete("Pod", "shop", "nightly-1-x"),
            ["Delete Pod p-job", "Delete Job job-n1", "Delete CronJob cj-nightly"],
            [],
        )
        # The StatefulSet's pod on node-b leaves: node-a keeps the StatefulSet.
        await step(
            nodes.delete("Pod", "shop", "db-1"),
            [],
            ["Delete Pod p-db1", "Delete StatefulSet sts-db"],
        )
        await step(nodes.delete("Node", "", "node-b"), [], ["Delete Node n-b"])
        await collector.stop()
        for client in (a, b):
            assert await client.rest() == ([], grpc.StatusCode.UNAVAILABLE)
        events, code = await upstream.rest()
    assert code is grpc.StatusCode.UNAVAILABLE
    assert [short(e) for e in events] == [
        "Create Namespace ns-shop", "Create Pod p-db0", "Create Pod p-job", "Create Pod p-web",
        *web_update, "Delete Pod p-job",
    ]  # fmt: skip
    assert {e.kind for e in events} == {"Namespace", "Pod"}
