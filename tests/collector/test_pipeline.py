"""The pipeline task: one change that cannot be applied costs only itself."""

from __future__ import annotations

import asyncio
import logging

import pytest
from prometheus_client import CollectorRegistry

from k8smeta.collector.broker import Broker, parse_selection
from k8smeta.collector.index import Affected, RelationshipIndex
from k8smeta.collector.model import Batch, Change, Kind
from k8smeta.collector.ops.metrics import CollectorMetrics
from k8smeta.collector.pipeline import Pipeline
from k8smeta.collector.rpc.encode import EventEncoder
from k8smeta.collector.views import ViewSet, WireEvent
from k8smeta.wire import metadata_pb2
from tests.collector.index.objects import added, namespace, pod

BROKEN_UID = "p-broken"


class IndexWithOneBrokenObject(RelationshipIndex):
    """A real index that fails on one UID, standing in for an unforeseen defect."""

    def apply(self, change: Change, affected: Affected) -> None:
        if change.obj.uid == BROKEN_UID:
            raise RuntimeError("unforeseen")
        super().apply(change, affected)


@pytest.mark.asyncio
async def test_a_failing_change_is_skipped_and_the_rest_of_its_batch_lands(
    caplog: pytest.LogCaptureFixture,
) -> None:
    index = IndexWithOneBrokenObject()
    encoder = EventEncoder()
    views = ViewSet(index, encoder)
    metrics = CollectorMetrics(CollectorRegistry())
    broker = Broker(views, encoder.sync(), metrics, 100)
    pipeline = Pipeline(index, views, broker, metrics, expected=frozenset({Kind.POD}))
    subscription = broker.subscribe(parse_selection("node-a", {"Pod": "true"}))
    changes = added(namespace("default", "ns-1"), pod("broken", BROKEN_UID), pod("web", "p-web"))

    with caplog.at_level(logging.ERROR, logger="k8smeta.collector.pipeline"):
        pipeline.process(Batch(changes, synced=Kind.POD))

    item = await asyncio.wait_for(subscription.next(), 10)
    assert isinstance(item, WireEvent)
    message = metadata_pb2.Event.FromString(item.data)
    assert (message.reason, message.kind, message.uid) == ("Create", "Pod", "p-web")
    assert subscription.depth == 0
    assert index.count(Kind.POD) == 1
    assert pipeline.synced == {Kind.POD}
    assert metrics.registry.get_sample_value("meta_collector_pipeline_failed_changes_total") == 1
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "skipped a change" in record.getMessage()
    assert record.exc_info is not None
