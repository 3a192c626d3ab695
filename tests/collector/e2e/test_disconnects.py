"""Streams that go away or are stopped in the middle of a snapshot, and selectors far
larger than any plugin sends: the collector stays whole and keeps serving the others."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from k8smeta.collector.model import KubeObject
from tests.collector.e2e.harness import TIMEOUT, Harness, running, short
from tests.collector.index.objects import added, namespace, pod

SNAPSHOT_PODS = 40


def heavy_cluster() -> list[KubeObject]:
    """A namespace and pods of ~48 KiB each on node-a: a snapshot of ~2 MiB, far beyond the
    HTTP/2 flow-control window, so a client that stops reading leaves the server mid-write."""
    labels = {f"label-{i:03d}": "x" * 480 for i in range(100)}
    pods = [
        pod(f"heavy-{n}", f"pod-heavy-{n:03d}", node="node-a", labels=labels)
        for n in range(SNAPSHOT_PODS)
    ]
    return [namespace("default", "ns-1"), *pods]


async def assert_still_serving(h: Harness) -> None:
    """A new stream gets its full snapshot, then a live event."""
    client = await h.watch("node-a", ["Pod"], sync=True).registered()
    assert len(await client.until_sync()) == SNAPSHOT_PODS
    await h.emit(added(pod("late", "pod-late", node="node-a")))
    assert [short(e) for e in await client.take(1)] == ["Create Pod pod-late"]
    client.cancel()


@pytest.mark.asyncio
async def test_a_subscriber_leaving_mid_snapshot_is_forgotten() -> None:
    async with running(heavy_cluster()) as h:
        leaving = await h.watch("node-a", ["Pod"], sync=True).registered()
        await leaving.take(1)  # the rest of the snapshot is queued or in flight
        leaving.cancel()
        await asyncio.wait_for(h.collector.servicer.wait_idle(), TIMEOUT)
        assert h.collector.broker.subscriber_count == 0
        registry = h.collector.metrics.registry
        assert registry.get_sample_value("meta_collector_server_subscribers") == 0
        await assert_still_serving(h)


@pytest.mark.asyncio
async def test_shutdown_while_a_snapshot_is_written_drains_it_then_ends() -> None:
    async with running(heavy_cluster(), shutdown_grace=5.0) as h:
        client = await h.watch("node-a", ["Pod"], sync=True).registered()
        first = await client.take(1)
        stopping = asyncio.create_task(h.collector.stop())
        events, code = await client.rest()
        await asyncio.wait_for(stopping, TIMEOUT)
    assert code is grpc.StatusCode.UNAVAILABLE
    assert [e.reason for e in first + events] == ["Create"] * SNAPSHOT_PODS + ["Sync"]


@pytest.mark.asyncio
async def test_huge_selector_and_node_name_are_served_like_any_other() -> None:
    keys = {f"example.com/unknown-{n}": "true" for n in range(5_000)}
    keys |= {"Pod": "true", "k8smeta/sync": "true"}
    async with running(heavy_cluster()) as h:
        odd = await h.raw_watch("n" * 100_000, keys).registered()
        assert await odd.until_sync() == []  # no pod runs on that node
        await assert_still_serving(h)
        await h.finish()
        assert (await odd.rest())[1] is grpc.StatusCode.UNAVAILABLE
