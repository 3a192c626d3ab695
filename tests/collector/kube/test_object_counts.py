"""`meta_collector_objects` has one writer: what the index serves, computed when scraped."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from kubernetes_asyncio.client import ApiClient

from k8smeta.collector.broker import Broker
from k8smeta.collector.index import RelationshipIndex
from k8smeta.collector.kube.kinds import KINDS
from k8smeta.collector.kube.reflector import Reflector
from k8smeta.collector.kube.transport import Transport
from k8smeta.collector.model import BatchQueue, Kind
from k8smeta.collector.ops.metrics import CollectorMetrics
from k8smeta.collector.pipeline import Pipeline
from k8smeta.collector.rpc.encode import EventEncoder
from k8smeta.collector.views import ViewSet
from tests.collector.kube.conftest import FAST
from tests.collector.kube.running import running
from tests.kubeapi import objects
from tests.kubeapi.standin import KubeApiStandIn

PODS = 30


@pytest.mark.asyncio
async def test_a_scrape_during_ingest_sees_the_served_count(
    api: KubeApiStandIn, client: ApiClient, metrics: CollectorMetrics, queue: BatchQueue
) -> None:
    """The source holds one pod more than is served (its UID is a namespace's): every
    scrape, at any point of the ingest, sees the index's count, never the source's."""
    api.add(objects.namespace("default", uid="shared-uid"))
    api.add(objects.pod("twin", uid="shared-uid"))
    index = RelationshipIndex()
    encoder = EventEncoder()
    views = ViewSet(index, encoder)
    broker = Broker(views, encoder.sync(), metrics, 100)
    pipeline = Pipeline(index, views, broker, metrics)
    transport = Transport(client)
    scrapes: list[tuple[float | None, int]] = []

    def scrape() -> None:
        value = metrics.registry.get_sample_value("meta_collector_objects", {"kind": "Pod"})
        scrapes.append((value, index.count(Kind.POD)))

    consumer = asyncio.create_task(pipeline.run(queue))
    try:
        async with asyncio.timeout(30):
            async with running(Reflector(KINDS[Kind.NAMESPACE], transport, metrics, FAST), queue):
                while Kind.NAMESPACE not in pipeline.synced:  # the namespace holds the UID
                    await asyncio.sleep(0.01)
                async with running(Reflector(KINDS[Kind.POD], transport, metrics, FAST), queue):
                    while Kind.POD not in pipeline.synced:
                        await asyncio.sleep(0)
                    for i in range(PODS):
                        api.add(objects.pod(f"web-{i}", uid=f"web-uid-{i}"))
                    while index.count(Kind.POD) < PODS:
                        scrape()
                        await asyncio.sleep(0)
                    scrape()
    finally:
        consumer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await consumer
    assert len(scrapes) > 1
    assert all(value == served for value, served in scrapes), scrapes
    last_value, last_served = scrapes[-1]
    assert last_served == PODS
    assert last_value == PODS
    assert metrics.registry.get_sample_value("meta_collector_objects", {"kind": "Namespace"}) == 1
