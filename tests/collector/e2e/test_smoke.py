"""Smoke: snapshot then live events through the real server."""

from __future__ import annotations

import grpc
import pytest

from k8smeta.collector.model import Kind
from tests.collector.e2e.harness import running, short
from tests.collector.index.objects import added, namespace, pod, ref, workload


@pytest.mark.asyncio
async def test_snapshot_then_live_then_unavailable() -> None:
    objects = [
        namespace("default", "ns-1"),
        workload(Kind.REPLICA_SET, "web-1", "rs-1"),
        pod("web-1-a", "pod-1", owner=ref(Kind.REPLICA_SET, "web-1", "rs-1"), ip="10.0.0.1"),
    ]
    async with running(objects) as h:
        client = await h.watch("node-a", sync=True).registered()
        assert [short(e) for e in await client.take(4)] == [
            "Create Namespace ns-1",
            "Create ReplicaSet rs-1",
            "Create Pod pod-1",
            "Sync",
        ]
        await h.emit(added(pod("web-1-b", "pod-2", owner=ref(Kind.REPLICA_SET, "web-1", "rs-1"))))
        await h.finish()
        events, code = await client.rest()
        assert [short(e) for e in events] == ["Create Pod pod-2"]
        assert code is grpc.StatusCode.UNAVAILABLE
