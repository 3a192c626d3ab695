"""The feed thread against real gRPC servers on 127.0.0.1: replay, ends, errors, stop."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import grpc
import orjson
import pytest

from k8smeta.plugin.feed import RESOURCE_KINDS
from k8smeta.wire import metadata_pb2
from tests.plugin.feed.collector_fakes import HOLD_SILENT, ScriptedCollector, play, serving
from tests.plugin.feed.host_fakes import (
    WAIT,
    FeedFactory,
    LogRecorder,
    RecordingSink,
    fast_settings,
)
from tests.plugin.feed.proxy import FreezableProxy

PROMPT = 3.0
"""Bound of a prompt stop (cancel the call, join the thread); the waits it interrupts last
30-120 s, so a loaded CI keeps the margin without hiding a stop that waits them out."""

UNAVAILABLE = grpc.StatusCode.UNAVAILABLE
EXPECTED_KINDS = {
    "Pod": "true",
    "Namespace": "true",
    "Deployment": "true",
    "Service": "true",
    "ReplicaSet": "true",
    "ReplicationController": "true",
    "DaemonSet": "true",
    "StatefulSet": "true",
    "Job": "true",
    "CronJob": "true",
    "Node": "true",
    "k8smeta/sync": "true",
    "k8smeta/pod-details": "true",
}


def _high(a: float, b: float) -> float:
    return b


class WaitLog:
    """`on_wait` hook: records backoff waits and wakes a waiting test."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.waits: list[float] = []

    def __call__(self, wait: float) -> None:
        with self._cond:
            self.waits.append(wait)
            self._cond.notify_all()

    def wait_for(self, count: int) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: len(self.waits) >= count, WAIT)


def test_replays_the_fixture_stream_then_reconnects_after_ok(
    make_feed: FeedFactory,
    logs: LogRecorder,
    wire_stream: list[metadata_pb2.Event],
    collector_stream: list[dict[str, Any]],
) -> None:
    collector = ScriptedCollector([play(wire_stream, "ok")])
    sink = RecordingSink()
    with serving(collector) as target:
        feed = make_feed(fast_settings(target), sink)
        feed.start()
        assert sink.wait_for(43)
        assert collector.wait_calls(2), "no reconnect after OK"
        assert feed.stop()
    assert sink.docs() == collector_stream
    assert all(p.count(b"\0") == 1 for p in sink.payloads)
    for selector in collector.selectors:
        assert selector.nodeName == "control-plane"
        assert dict(selector.resourceKinds) == EXPECTED_KINDS
    assert set(RESOURCE_KINDS) == set(EXPECTED_KINDS)
    stats = feed.stats
    assert (stats.pushed, stats.rejected, stats.stream_errors) == (43, 0, 0)
    assert stats.reconnects == stats.streams - 1 >= 1
    info = logs.messages(logging.INFO)
    assert info.count("The plugin received at least one event from the k8s-metacollector") == 1
    assert "gRPC call correctly terminated." in info
    assert any(m.startswith("Retry after '") and m.endswith("' seconds") for m in info)
    assert info[-1] == "Async thread terminated"
    # Fixture #42 deleted the pod #41 created: known follows the accepted pushes.
    assert ("Pod", "0cc0927d-1d9f-4798-926b-451364a4fgjs") not in feed.known
    assert ("Pod", "5eaeeca9-2277-460b-a4bf-5a0783f6d49f") in feed.known
    assert len(feed.known) == 28


def test_reconnects_after_the_server_dies_mid_stream(
    make_feed: FeedFactory, logs: LogRecorder, wire_stream: list[metadata_pb2.Event]
) -> None:
    collector = ScriptedCollector([play(wire_stream[:10], UNAVAILABLE), play(wire_stream)])
    sink = RecordingSink()
    waits = WaitLog()
    with serving(collector) as target:
        feed = make_feed(fast_settings(target), sink, uniform=_high, on_wait=waits)
        feed.start()
        assert sink.wait_for(53)
        assert feed.stop()
    uids = [d["uid"] for d in sink.docs()]
    assert uids == [e.uid for e in wire_stream[:10]] + [e.uid for e in wire_stream]
    assert waits.waits == [pytest.approx(0.02)]  # k = 1: the first stream did not complete
    errors = logs.messages(logging.ERROR)
    assert errors == [
        "error during the RPC call. Error code (14), "
        "error message (fake collector ends with UNAVAILABLE)"
    ]
    assert feed.stats.stream_errors == 1
    assert feed.stats.reconnects == 1


def test_backoff_doubles_and_resets_after_a_completed_snapshot(make_feed: FeedFactory) -> None:
    sync = metadata_pb2.Event(reason="Sync")
    aborts = play([], UNAVAILABLE)
    collector = ScriptedCollector([aborts, aborts, play([sync], "ok")], then=aborts)
    waits = WaitLog()
    with serving(collector) as target:
        settings = fast_settings(target, backoff_unit=0.001)
        feed = make_feed(settings, RecordingSink(), uniform=_high, on_wait=waits)
        feed.start()
        assert waits.wait_for(5)
        assert feed.stop()
    # attempts: abort (k=1), abort (k=2), Sync then OK (k=0), abort (k=1), abort (k=2)
    assert waits.waits[:5] == pytest.approx([0.002, 0.004, 0.001, 0.002, 0.004])


def test_stop_is_prompt_when_the_server_never_answers(
    make_feed: FeedFactory, logs: LogRecorder
) -> None:
    collector = ScriptedCollector([HOLD_SILENT])
    sink = RecordingSink()
    before = set(threading.enumerate())
    with serving(collector) as target:
        feed = make_feed(fast_settings(target), sink)
        feed.start()
        assert collector.wait_calls(1)
        began = time.monotonic()
        assert feed.stop()
        elapsed = time.monotonic() - began
        left = [t.name for t in set(threading.enumerate()) - before if t.is_alive()]
    assert elapsed < PROMPT
    assert not [name for name in left if name.startswith("k8smeta-feed")]
    assert not feed.running
    assert sink.payloads == []
    assert logs.messages(logging.INFO)[-2:] == [
        "gRPC call cancelled. Full message: (Locally cancelled by application!)",
        "Async thread terminated",
    ]


def test_stop_interrupts_a_backoff_wait(make_feed: FeedFactory) -> None:
    collector = ScriptedCollector([], then=play([], UNAVAILABLE))
    waits = WaitLog()
    with serving(collector) as target:
        settings = fast_settings(target, backoff_unit=100.0, backoff_cap=120.0)
        feed = make_feed(settings, RecordingSink(), on_wait=waits)
        feed.start()
        assert waits.wait_for(1)
        began = time.monotonic()
        assert feed.stop()
        elapsed = time.monotonic() - began
    assert 60.0 <= waits.waits[0] <= 120.0  # k = 1: uniform(0.5, 1.0) x min(120, 200)
    assert elapsed < PROMPT
    assert collector.wait_calls(1)
    assert len(collector.selectors) == 1


def test_stop_is_prompt_without_a_server(make_feed: FeedFactory, logs: LogRecorder) -> None:
    with serving(ScriptedCollector([])) as target:
        pass  # the port is closed again: connection refused
    waits = WaitLog()
    feed = make_feed(fast_settings(target, backoff_unit=100.0), RecordingSink(), on_wait=waits)
    feed.start()
    assert waits.wait_for(1)
    began = time.monotonic()
    assert feed.stop()
    assert time.monotonic() - began < PROMPT
    assert any("Error code (14)" in m for m in logs.messages(logging.ERROR))


def _reject_odd(index: int, payload: bytes) -> str | None:
    return "the async event queue is full" if index % 2 else None


def test_rejected_pushes_are_logged_counted_and_skipped(
    make_feed: FeedFactory, logs: LogRecorder, wire_stream: list[metadata_pb2.Event]
) -> None:
    collector = ScriptedCollector([play(wire_stream)])
    sink = RecordingSink(_reject_odd)
    with serving(collector) as target:
        feed = make_feed(fast_settings(target), sink)
        feed.start()
        assert sink.wait_for(43)
        assert feed.stop()
    assert (feed.stats.pushed, feed.stats.rejected, feed.stats.stream_errors) == (22, 21, 0)
    assert len(collector.selectors) == 1, "a rejection must not end the stream"
    rejected = "The async event was rejected: the async event queue is full"
    assert logs.messages(logging.ERROR) == [rejected]
    assert logs.messages(logging.DEBUG).count(rejected) == 20
    # Only accepted Create/Update enter `known`.
    accepted = [orjson.loads(p[:-1]) for p in sink.accepted]
    assert feed.known <= {(d["kind"], d["uid"]) for d in accepted}


def test_an_exception_in_the_sink_ends_only_that_stream(
    make_feed: FeedFactory, logs: LogRecorder, wire_stream: list[metadata_pb2.Event]
) -> None:
    def explode_once(index: int, payload: bytes) -> str | None:
        if index == 5:
            raise RuntimeError("sink exploded")
        return None

    collector = ScriptedCollector([play(wire_stream), play(wire_stream)])
    sink = RecordingSink(explode_once)
    with serving(collector) as target:
        feed = make_feed(fast_settings(target), sink)
        feed.start()
        assert sink.wait_for(6 + 43)
        assert feed.stop()
    assert feed.stats.stream_errors == 1
    assert feed.stats.pushed == 5 + 43
    assert any("sink exploded" in m for m in logs.messages(logging.ERROR))


def test_restart_keeps_known(make_feed: FeedFactory, wire_stream: list[metadata_pb2.Event]) -> None:
    collector = ScriptedCollector([play(wire_stream[:5]), play(wire_stream[5:10])])
    sink = RecordingSink()
    with serving(collector) as target:
        feed = make_feed(fast_settings(target), sink)
        feed.start()
        assert sink.wait_for(5)
        assert feed.stop()
        first = feed.known
        feed.start()
        assert sink.wait_for(10)
        assert feed.stop()
    assert len(first) == 5
    assert feed.known == first | {(e.kind, e.uid) for e in wire_stream[5:10]}
    assert feed.stats.reconnects == 1


def test_no_push_after_stop_returns(
    make_feed: FeedFactory, wire_stream: list[metadata_pb2.Event]
) -> None:
    many = [wire_stream[10]] * 5000
    collector = ScriptedCollector([play(many)])
    sink = RecordingSink()
    with serving(collector) as target:
        feed = make_feed(fast_settings(target), sink)
        feed.start()
        assert sink.wait_for(100)
        assert feed.stop()
        count = len(sink.payloads)
        assert not sink.wait_for(count + 1, timeout=0.2)
    assert count < 5000


#: Server arguments accepting a ping every 0.2 s (gRPC servers punish pings closer than
#: 5 min apart on a call that sends no data by default).
TOLERATE_PINGS = [
    ("grpc.http2.min_ping_interval_without_data_ms", 100),
    ("grpc.http2.max_ping_strikes", 0),
]


@pytest.mark.parametrize("keepalive", [True, False], ids=["keepalive", "control"])
def test_keepalive_ends_a_stream_whose_server_stops_answering(
    make_feed: FeedFactory,
    logs: LogRecorder,
    wire_stream: list[metadata_pb2.Event],
    keepalive: bool,
) -> None:
    """The connection stays open but nothing comes back, pings included: the unanswered
    ping ends the stream and the feed reconnects. Control: with pings far apart, the same
    stream stays stuck."""
    # The collector holds each stream open after three events.
    collector = ScriptedCollector([play(wire_stream[:3])], then=play(wire_stream[:3]))
    sink = RecordingSink()
    timing = {"keepalive_time": 0.2, "keepalive_timeout": 0.3} if keepalive else {}
    with (
        serving(collector, options=TOLERATE_PINGS) as target,
        FreezableProxy(target) as proxy,
    ):
        feed = make_feed(fast_settings(proxy.target, **timing), sink)
        feed.start()
        assert sink.wait_for(3)
        # Five ping periods on a healthy, quiet stream: answered pings keep it open (and
        # pinging goes on: grpclib would stop after two pings without data by default).
        assert not sink.wait_for(4, timeout=1.0)
        proxy.freeze()
        assert collector.wait_calls(2, timeout=WAIT if keepalive else 2.0) is keepalive
        assert sink.wait_for(6, timeout=WAIT if keepalive else 0.1) is keepalive
        assert feed.stop()
    errors = logs.messages(logging.ERROR)
    if keepalive:
        assert errors == [
            "error during the RPC call. Error code (14), error message (Connection lost)"
        ]
    else:
        assert errors == []
