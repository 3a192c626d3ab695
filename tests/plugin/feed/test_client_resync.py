"""Resync after a reconnect end to end: loopback collector -> feed -> sink."""

from __future__ import annotations

from typing import Any

import grpc
import pytest

from k8smeta.plugin.feed import delete_payload
from k8smeta.plugin.feed.resync import Key
from k8smeta.wire import metadata_pb2
from tests.plugin.feed.collector_fakes import ScriptedCollector, play, serving
from tests.plugin.feed.host_fakes import FeedFactory, RecordingSink, fast_settings

SYNC = metadata_pb2.Event(reason="Sync")
FIRST = 36
"""Stream 1 sends fixture #0-#35 (Creates and Updates only)."""


def _keys(events: list[metadata_pb2.Event]) -> set[Key]:
    return {(e.kind, e.uid) for e in events}


def _subset(wire_stream: list[metadata_pb2.Event]) -> list[metadata_pb2.Event]:
    """What the collector re-sends after the reconnect: the pods and namespaces only."""
    return [e for e in wire_stream[:FIRST] if e.kind in {"Pod", "Namespace"}]


def _deletes(keys: set[Key]) -> list[Any]:
    return [{"reason": "Delete", "uid": uid, "kind": kind} for kind, uid in sorted(keys)]


@pytest.mark.parametrize("marker", ["sync", "quiet-period"])
def test_resources_not_resent_are_deleted(
    make_feed: FeedFactory, wire_stream: list[metadata_pb2.Event], marker: str
) -> None:
    first, subset = wire_stream[:FIRST], _subset(wire_stream)
    second = play([*subset, SYNC] if marker == "sync" else subset)
    collector = ScriptedCollector([play(first, "ok"), second])
    sink = RecordingSink()
    gone = _keys(first) - _keys(subset)
    swept_kinds = {"Deployment", "ReplicaSet", "Service", "ReplicationController", "DaemonSet"}
    assert {kind for kind, _ in gone} == swept_kinds
    quiet = 30.0 if marker == "sync" else 0.2
    with serving(collector) as target:
        feed = make_feed(fast_settings(target, quiet_period=quiet), sink)
        feed.start()
        assert sink.wait_for(FIRST + len(subset) + len(gone))
        assert feed.stop()
    docs = sink.docs()
    assert len(docs) == FIRST + len(subset) + len(gone)
    assert [d["uid"] for d in docs[: FIRST + len(subset)]] == [e.uid for e in first + subset]
    assert docs[FIRST + len(subset) :] == _deletes(gone)
    assert sink.payloads[-1] == delete_payload(*sorted(gone)[-1])
    assert feed.known == _keys(subset)
    assert feed.stats.swept == len(gone)
    if marker == "quiet-period":
        silence = sink.times[FIRST + len(subset)] - sink.times[FIRST + len(subset) - 1]
        assert silence >= quiet - 0.05


def test_a_stream_ending_before_completion_removes_nothing(
    make_feed: FeedFactory, wire_stream: list[metadata_pb2.Event]
) -> None:
    first, subset = wire_stream[:FIRST], _subset(wire_stream)
    broken = play(subset, grpc.StatusCode.UNAVAILABLE)
    collector = ScriptedCollector([play(first, "ok"), broken])
    sink = RecordingSink()
    with serving(collector) as target:
        feed = make_feed(fast_settings(target, quiet_period=30.0), sink)
        feed.start()
        assert collector.wait_calls(3)  # stream 2 ended and was fully processed
        assert feed.stop()
    assert len(sink.payloads) == FIRST + len(subset)
    assert all(d["reason"] != "Delete" for d in sink.docs())
    assert feed.known == _keys(first)
    assert feed.stats.swept == 0


def test_after_a_sync_a_stream_without_one_sweeps_only_after_the_sync_timeout(
    make_feed: FeedFactory, wire_stream: list[metadata_pb2.Event]
) -> None:
    first, subset = wire_stream[:FIRST], _subset(wire_stream)
    collector = ScriptedCollector([play([*first, SYNC], "ok"), play(subset)])
    sink = RecordingSink()
    gone = _keys(first) - _keys(subset)
    sync_timeout = 0.8
    with serving(collector) as target:
        settings = fast_settings(target, quiet_period=0.1, sync_timeout=sync_timeout)
        feed = make_feed(settings, sink)
        feed.start()
        assert sink.wait_for(FIRST + len(subset) + len(gone))
        assert feed.stop()
    docs = sink.docs()
    # Stream 1's Sync swept nothing (everything was sent); stream 2 swept after the timeout.
    assert [d["reason"] for d in docs].count("Delete") == len(gone)
    assert docs[FIRST + len(subset) :] == _deletes(gone)
    first_delete = sink.times[FIRST + len(subset)]
    # The feed opens its timer just before the server sees the call: allow that much.
    assert first_delete - collector.started[1] >= sync_timeout - 0.1
    assert feed.known == _keys(subset)
