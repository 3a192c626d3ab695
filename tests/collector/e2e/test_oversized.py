"""Objects over the size limits (`wire.limits`): a label that does not fit is left out, labels
too large together are dropped, an object whose name does not fit is skipped, each with a
WARN and a metric; the rest of the node's stream flows to a real client."""

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
# Every label fits (60 KB), together they do not (1.2 MB).
MANY = full.pod("many", "shop", uid="pod-5", labels={f"k{n}": "y" * 60_000 for n in range(20)})


def oversized(metrics: CollectorMetrics, kind: str, action: str) -> float | None:
    labels = {"kind": kind, "action": action}
    return metrics.registry.get_sample_value("meta_collector_oversized_objects_total", labels)


@pytest.mark.asyncio
async def test_oversized_objects_do_not_block_the_node_stream(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="k8smeta.collector")
    path = write_list(tmp_path / "cluster.json", [NS, WEB, LABELLED, NAMED, AFTER, MANY])
    async with serving(path) as h:
        client = await h.watch("node-a").registered()
        events = await client.until_sync()
        metrics = h.collector.metrics
        assert oversized(metrics, "Namespace", "entries_trimmed") == 1
        assert oversized(metrics, "Pod", "entries_trimmed") == 1
        assert oversized(metrics, "Pod", "labels_dropped") == 1
        assert oversized(metrics, "Pod", "skipped") == 1
        gauges = {
            kind: metrics.registry.get_sample_value("meta_collector_objects", {"kind": kind})
            for kind in ("Namespace", "Pod", "Service")
        }
        assert gauges == {"Namespace": 1, "Pod": 4, "Service": 0}
    assert [short(e) for e in events] == [
        "Create Namespace ns-1",
        "Create Pod pod-1",
        "Create Pod pod-2",
        "Create Pod pod-4",
        "Create Pod pod-5",
    ]
    assert events[0].meta == (
        '{"labels":{"kubernetes.io/metadata.name":"shop"},"name":"shop","uid":"ns-1"}'
    )
    assert '"labels":{"app":"web"}' in events[2].meta  # only the label that does not fit left
    assert '"labels"' not in events[4].meta
    assert max(len(e.SerializeToString()) for e in events) < MAX_EVENT_BYTES
    warnings = [
        (r.getMessage(), r.fields["uid"], r.fields.get("left out"))  # type: ignore[attr-defined]
        for r in caplog.records
    ]
    assert warnings == [
        ("object over the size limits, served without what does not fit", "ns-1", "labels: 1 of 2"),
        (
            "object over the size limits, served without what does not fit",
            "pod-2",
            "labels: 1 of 2",
        ),
        ("object over the size limits, skipped", "pod-3", "name, namespace or uid"),
        ("object too large to serve, served without labels", "pod-5", None),
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
async def test_refs_list_at_most_4096_services() -> None:
    """30,000 services selecting one pod: its refs name the first 4,096 (by UID)."""
    shop = namespace("shop", "ns-1")
    services = [
        service(f"s{n}", f"svc-{n:05d}-{'u' * 30}", namespace="shop", selector={"app": "web"})
        for n in range(30_000)
    ]
    async with running([shop, *services]) as h:
        client = await h.watch("node-a", ["Namespace", "Pod"], sync=True).registered()
        await client.until_sync()
        await h.emit(added(pod("web", "pod-1", namespace="shop", labels={"app": "web"})))
        events = await client.take(2)
        metrics = h.collector.metrics
        assert oversized(metrics, "Pod", "refs_trimmed") == 1
    assert [short(e) for e in events] == ["Create Namespace ns-1", "Create Pod pod-1"]
    served = list(events[1].refs.resources["Service"].list)
    assert served == [svc.uid for svc in services[:4096]]


@pytest.mark.asyncio
@pytest.mark.slow
async def test_an_event_over_the_limit_because_of_its_refs_is_left_out() -> None:
    """4,096 services whose UIDs the payload escapes sixfold (control characters): the pod's
    message is 0.5 MB, the plugin's payload of it 2.5 MB: it is left out of the stream."""
    shop = namespace("shop", "ns-1")
    services = [
        service(f"s{n}", f"svc-{n:05d}-{chr(1) * 110}", namespace="shop", selector={"app": "web"})
        for n in range(4096)
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
