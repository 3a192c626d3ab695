"""`--pod-annotations` reads only the keys it lists: a pod whose other annotations are
malformed (a number, an object, annotations as a list) is served, over the API stand-in
and over a `--snapshot` file, to a real gRPC client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from k8smeta.collector.kube.snapshot import SnapshotSource
from k8smeta.collector.ops.metrics import CollectorMetrics
from k8smeta.wire import metadata_pb2
from tests.collector.e2e.harness import ALL_KINDS, short
from tests.collector.e2e.live import live_collector
from tests.collector.e2e.snapshots import write_list
from tests.collector.e2e.test_workloads import serving, watch
from tests.kubeapi import objects
from tests.kubeapi.standin import KubeApiStandIn

KEY = "team.example.com/owner"


def cluster() -> list[objects.Obj]:
    numbers = objects.pod("numbers", "shop", uid="p-numbers")
    numbers["metadata"]["annotations"] = {KEY: "shop", "replicas": 3, "x": {"y": [1]}}
    listed = objects.pod("listed", "shop", uid="p-listed")
    listed["metadata"]["annotations"] = [KEY, "shop"]
    odd_kept = objects.pod("odd-kept", "shop", uid="p-odd")
    odd_kept["metadata"]["annotations"] = {KEY: 42, "other": "x"}
    return [objects.namespace("shop", uid="ns-shop"), numbers, listed, odd_kept]


EXPECTED = ["Create Namespace ns-shop", "Create Pod p-listed", "Create Pod p-numbers",
            "Create Pod p-odd"]  # fmt: skip


KEPT = {"p-numbers": {KEY: "shop"}, "p-listed": None, "p-odd": None}


def annotations_by_uid(events: list[metadata_pb2.Event]) -> dict[str, object]:
    return {e.uid: json.loads(e.meta).get("annotations") for e in events if e.kind == "Pod"}


@pytest.mark.asyncio
async def test_over_the_api_stand_in() -> None:
    async with KubeApiStandIn() as api:
        for obj in cluster():
            api.add(obj)
        async with live_collector(api, pod_annotations=frozenset({KEY})) as live:
            events = await live.snapshot("node-a")
    assert [short(e) for e in events] == EXPECTED
    assert annotations_by_uid(events) == {
        "p-numbers": {KEY: "shop"},
        "p-listed": None,
        "p-odd": None,
    }


@pytest.mark.asyncio
async def test_over_a_snapshot_file(tmp_path: Path) -> None:
    path = write_list(tmp_path / "c.json", cluster())
    metrics = CollectorMetrics(CollectorRegistry())
    source = SnapshotSource([path], metrics, pod_annotations=frozenset({KEY}))
    async with serving(source, metrics) as (_collector, channel):
        client = watch(channel, "node-a", ALL_KINDS, True)
        events = await client.until_sync()
        client.call.cancel()
    assert [short(e) for e in events] == EXPECTED
    assert annotations_by_uid(events) == {
        "p-numbers": {KEY: "shop"},
        "p-listed": None,
        "p-odd": None,
    }
