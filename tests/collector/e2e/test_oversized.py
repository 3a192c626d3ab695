"""Objects too large for one message: served without labels, or skipped, with a WARN and
a metric; the rest of the node's stream flows to a real client (gRPC's 4 MiB default)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from k8smeta.collector.ops.metrics import CollectorMetrics
from k8smeta.collector.views import MAX_EVENT_BYTES
from tests.collector.e2e.harness import running, short
from tests.collector.e2e.snapshots import serving, write_list
from tests.collector.index.objects import added, modified, namespace, pod, service
from tests.kubeapi import objects as full

HUGE = "x" * (5 << 20)  # a 5 MB label value
NS = full.namespace("shop", uid="ns-1", labels={"blob": HUGE})
WEB = full.pod("web", "shop", uid="pod-1")
LABELLED = full.pod("labelled", "shop", uid="pod-2", labels={"app": "web", "blob": HUGE})
NAMED = full.pod("n" * (2 << 20), "shop", uid="pod-3")  # too large even without labels
AFTER = full.pod("after", "shop", uid="pod-4")


def oversized(metrics: CollectorMetrics, kind: str, action: str) -> float | None:
    labels = {"kind": kind, "action": action}
    return metrics.registry.get_sample_value("meta_collector_oversized_objects_total", labels)


@pytest.mark.asyncio
async def test_oversized_objects_do_not_block_the_node_stream(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="k8smeta.collector")
    path = write_list(tmp_path / "cluster.json", [NS, WEB, LABELLED, NAMED, AFTER])
    async with serving(path) as h:
        client = await h.watch("node-a").registered()
        events = await client.until_sync()
        metrics = h.collector.metrics
        assert oversized(metrics, "Namespace", "labels_dropped") == 1
        assert oversized(metrics, "Pod", "labels_dropped") == 1
        assert oversized(metrics, "Pod", "skipped") == 1
        gauges = {
            kind: metrics.registry.get_sample_value("meta_collector_objects", {"kind": kind})
            for kind in ("Namespace", "Pod", "Service")
        }
        assert gauges == {"Namespace": 1, "Pod": 3, "Service": 0}
    assert [short(e) for e in events] == [
        "Create Namespace ns-1",
        "Create Pod pod-1",
        "Create Pod pod-2",
        "Create Pod pod-4",
    ]
    assert events[0].meta == '{"name":"shop","uid":"ns-1"}'
    assert '"labels"' not in events[2].meta
    assert max(len(e.SerializeToString()) for e in events) < MAX_EVENT_BYTES
    warnings = [(r.getMessage(), r.fields["uid"]) for r in caplog.records]  # type: ignore[attr-defined]
    assert warnings == [
        ("object too large to serve, served without labels", "ns-1"),
        ("object too large to serve, served without labels", "pod-2"),
        ("object too large to serve, skipped", "pod-3"),
    ]


@pytest.mark.asyncio
async def test_live_changes_over_the_limit() -> None:
    shop = namespace("shop", "ns-1")
    web = pod("web", "pod-1", namespace="shop", labels={"app": "web"})
    async with running([shop, web]) as h:
        client = await h.watch("node-a", sync=True).registered()
        assert [short(e) for e in await client.until_sync()] == [
            "Create Namespace ns-1",
            "Create Pod pod-1",
        ]
        await h.emit(modified(pod("web", "pod-1", namespace="shop", labels={"blob": HUGE})))
        await h.emit(modified(pod("w" * (2 << 20), "pod-1", namespace="shop")))
        await h.emit(added(pod("after", "pod-4", namespace="shop")))
        update, *rest = await client.take(5)
    assert (short(update), update.meta) == (
        "Update Pod pod-1",
        '{"name":"web","namespace":"shop","uid":"pod-1"}',
    )
    assert [short(e) for e in rest] == [
        "Delete Pod pod-1",  # too large even without labels: it leaves
        "Delete Namespace ns-1",
        "Create Namespace ns-1",
        "Create Pod pod-4",
    ]


@pytest.mark.asyncio
@pytest.mark.slow
async def test_an_event_over_the_limit_because_of_its_refs_is_left_out() -> None:
    """30,000 services selecting one pod: its refs alone exceed the limit."""
    shop = namespace("shop", "ns-1")
    services = [
        service(f"s{n}", f"svc-{n:05d}-{'u' * 30}", namespace="shop", selector={"app": "web"})
        for n in range(30_000)
    ]
    async with running([shop, *services]) as h:
        client = await h.watch("node-a", ["Namespace", "Pod"], sync=True).registered()
        await client.until_sync()
        await h.emit(added(pod("web", "pod-1", namespace="shop", labels={"app": "web"})))
        await h.emit(added(pod("after", "pod-4", namespace="shop")))
        events = await client.take(2)
        metrics = h.collector.metrics
        assert oversized(metrics, "Pod", "not_sent") == 1
    assert [short(e) for e in events] == ["Create Namespace ns-1", "Create Pod pod-4"]
