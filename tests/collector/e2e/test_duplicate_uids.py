"""A UID held by two objects: the first holder stays, the newcomer is skipped with a WARN.

Served state is what a new Watch client receives up to its `Sync` on each node, plus the
`meta_collector_objects` gauges; a SIGHUP-style reload must end exactly where a fresh start
on the same file begins.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from k8smeta.collector.model import Kind
from tests.collector.e2e.harness import running, short
from tests.collector.e2e.snapshots import SnapshotHarness, serving, write_list
from tests.collector.index.objects import added, deleted, namespace, pod
from tests.kubeapi import objects as full

NODES = ("node-a", "node-b")
NS = full.namespace("shop", uid="ns-1")
DEP = full.deployment("web", "shop", uid="dep-1")
RS = full.replica_set("web-5d", "shop", owner=DEP, uid="rs-1")
SVC = full.service("web", "shop", selector={"app": "web"}, uid="svc-1")
WEB_1 = full.pod("web-1", "shop", owner=RS, uid="pod-1")
WEB_2 = full.pod("web-2", "shop", node="node-b", owner=RS, uid="pod-2")
CLEAN = [NS, DEP, RS, SVC, WEB_1, WEB_2]
# A pod reusing the namespace's UID, and a second pod reusing web-1's UID on node-b.
INTRUDER = full.pod("intruder", "shop", uid="ns-1")
TWIN = full.pod("twin", "shop", node="node-b", uid="pod-1")
DIRTY = [NS, DEP, RS, SVC, WEB_1, INTRUDER, WEB_2, TWIN]
# A pod holding a UID that a namespace of a later file version also claims.
SQUATTER = full.pod("squatter", "shop", uid="ns-2")
CLAIMED = [*CLEAN, SQUATTER]
CLAIMANT = [*CLAIMED, full.namespace("other", uid="ns-2"), full.pod("o", "other", uid="pod-o")]

State = tuple[dict[str, list[str]], dict[str, float | None]]


async def served(h: SnapshotHarness) -> State:
    """Each node's snapshot as a new client receives it, and the objects gauges."""
    streams = {}
    for node in NODES:
        client = await h.watch(node).registered()
        streams[node] = [short(e) for e in await client.until_sync()]
        client.cancel()
    registry = h.collector.metrics.registry
    gauges = {
        kind.value: registry.get_sample_value("meta_collector_objects", {"kind": kind.value})
        for kind in Kind
    }
    return streams, gauges


async def fresh(path: Path, items: list[dict[str, Any]]) -> State:
    async with serving(write_list(path, items)) as h:
        return await served(h)


async def reloaded(path: Path, first: list[dict[str, Any]], then: list[dict[str, Any]]) -> State:
    """Started on `first`, the file rewritten to `then`, reloaded as on SIGHUP."""
    async with serving(write_list(path, first)) as h:
        await served(h)
        write_list(path, then)
        await h.reload()
        return await served(h)


@pytest.mark.asyncio
async def test_duplicates_in_a_file_are_skipped_and_the_holder_served(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="k8smeta.collector")
    path = tmp_path / "cluster.json"
    streams, gauges = await fresh(path, DIRTY)
    assert streams["node-a"] == [
        "Create Namespace ns-1",
        "Create Deployment dep-1",
        "Create ReplicaSet rs-1",
        "Create Service svc-1",
        "Create Pod pod-1",
    ]
    assert streams["node-b"][-1] == "Create Pod pod-2"
    assert gauges["Pod"] == 2
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        f"{path}: skipped a Pod shop/intruder whose UID ns-1 is already held by Namespace shop",
        f"{path}: skipped a Pod shop/twin whose UID pod-1 is already held by Pod shop/web-1",
    ]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("first", "then"),
    [
        pytest.param(DIRTY, CLEAN, id="dirty then clean"),
        pytest.param(CLEAN, DIRTY, id="clean then dirty"),
        pytest.param(CLAIMED, CLAIMANT, id="a namespace claims a pod's UID"),
        pytest.param(CLAIMANT, CLAIMED, id="the claiming namespace leaves"),
    ],
)
async def test_reload_converges_to_a_fresh_start(
    tmp_path: Path, first: list[dict[str, Any]], then: list[dict[str, Any]]
) -> None:
    path = tmp_path / "cluster.json"
    assert await reloaded(path, first, then) == await fresh(path, then)


@pytest.mark.asyncio
async def test_live_change_reusing_a_uid_neither_replaces_nor_deletes_the_holder(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="k8smeta.collector")
    shop = namespace("shop", "ns-1")
    web = pod("web", "pod-1", namespace="shop")
    intruder = pod("intruder", "ns-1", namespace="shop")
    async with running([shop, web]) as h:
        await h.emit(added(intruder))
        await h.emit(deleted(intruder))
        client = await h.watch("node-a", sync=True).registered()
        assert [short(e) for e in await client.until_sync()] == [
            "Create Namespace ns-1",
            "Create Pod pod-1",
        ]
        registry = h.collector.metrics.registry
        labels = {"kind": "Pod"}
        assert registry.get_sample_value("meta_collector_duplicate_uids_total", labels) == 1
        assert registry.get_sample_value("meta_collector_objects", labels) == 1
    (record,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert record.getMessage() == "skipped an object whose UID another object holds"
    assert record.fields == {  # type: ignore[attr-defined]
        "kind": "Pod",
        "object": "shop/intruder",
        "uid": "ns-1",
        "held by": "Namespace shop",
    }
