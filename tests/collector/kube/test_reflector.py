"""The reflector against the API stand-in, through the real kubernetes_asyncio client."""

from __future__ import annotations

import dataclasses

import pytest
from kubernetes_asyncio.client import ApiClient

from k8smeta.collector.kube.kinds import KINDS
from k8smeta.collector.kube.reflector import Reflector
from k8smeta.collector.kube.transport import Transport
from k8smeta.collector.model import BatchQueue, ChangeType, Kind
from k8smeta.collector.ops.metrics import CollectorMetrics
from tests.collector.kube.conftest import FAST, next_batch
from tests.collector.kube.running import running
from tests.kubeapi import objects
from tests.kubeapi.standin import KubeApiStandIn


def pod_reflector(client: ApiClient, metrics: CollectorMetrics, **policy: object) -> Reflector:
    chosen = dataclasses.replace(FAST, **policy) if policy else FAST  # type: ignore[arg-type]
    return Reflector(KINDS[Kind.POD], Transport(client), metrics, chosen)


@pytest.mark.asyncio
async def test_initial_list_is_paginated_and_synced(
    api: KubeApiStandIn, client: ApiClient, metrics: CollectorMetrics, queue: BatchQueue
) -> None:
    added = [api.add(objects.pod(f"web-{i}")) for i in range(8)]
    reflector = pod_reflector(client, metrics)
    async with running(reflector, queue):
        batch = await next_batch(queue)
        await api.wait_for(lambda: api.watchers("pods") == 1)
    assert batch.synced is Kind.POD
    assert [c.type for c in batch.changes] == [ChangeType.ADDED] * 8
    assert {c.obj.uid for c in batch.changes} == {p["metadata"]["uid"] for p in added}
    lists = api.requests_for("pods", watch=False)
    assert [r.query.get("limit") for r in lists] == ["3", "3", "3"]
    assert ["continue" in r.query for r in lists] == [False, True, True]
    assert {r.accept for r in lists} == {"application/json"}
    (watch,) = api.requests_for("pods", watch=True)
    assert watch.query["resourceVersion"] == str(api.state.rv)
    assert watch.query["allowWatchBookmarks"] == "true"
    assert 300 <= int(watch.query["timeoutSeconds"]) <= 600
    assert (
        metrics.registry.get_sample_value(
            "meta_collector_relists_total", {"kind": "Pod", "reason": "initial"}
        )
        == 1
    )
    assert metrics.registry.get_sample_value("meta_collector_objects", {"kind": "Pod"}) == 8
