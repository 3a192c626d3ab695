"""The feed's threads: stop with a blocked sink, stop from the sink, context propagation."""

from __future__ import annotations

import contextvars
import logging
import threading

import pytest

from k8smeta.plugin.feed import Feed
from k8smeta.wire import metadata_pb2
from tests.plugin.feed.collector_fakes import ScriptedCollector, play, serving
from tests.plugin.feed.host_fakes import (
    WAIT,
    FeedFactory,
    LogRecorder,
    RecordingSink,
    fast_settings,
)

STATE = contextvars.ContextVar[str]("STATE", default="none")


def test_stop_times_out_on_a_blocked_sink_and_no_push_follows(
    make_feed: FeedFactory, logs: LogRecorder, wire_stream: list[metadata_pb2.Event]
) -> None:
    release = threading.Event()

    def blocked(index: int, payload: bytes) -> str | None:
        release.wait(WAIT)
        return None

    sink = RecordingSink(blocked)
    with serving(ScriptedCollector([play(wire_stream)])) as target:
        feed = make_feed(fast_settings(target), sink)
        feed.start()
        assert sink.wait_for(1)
        assert not feed.stop(timeout=0.2)
        release.set()
        assert not sink.wait_for(2, timeout=0.3)
    assert len(sink.payloads) == 1
    assert logs.messages(logging.ERROR) == [
        "The metadata feed thread did not stop within 0.2 seconds"
    ]
    assert logs.wait_for("Async thread terminated")


def test_the_sink_may_stop_the_feed(
    make_feed: FeedFactory, wire_stream: list[metadata_pb2.Event]
) -> None:
    stopped = threading.Event()
    feeds: list[Feed] = []

    def stop_at_third(index: int, payload: bytes) -> str | None:
        if index == 2 and feeds[0].stop():
            stopped.set()
        return None

    sink = RecordingSink(stop_at_third)
    with serving(ScriptedCollector([play(wire_stream)])) as target:
        feed = make_feed(fast_settings(target), sink)
        feeds.append(feed)
        feed.start()
        assert stopped.wait(WAIT)
        assert not sink.wait_for(4, timeout=0.3)
    assert len(sink.payloads) == 3
    assert not feed.running


def test_threads_run_in_the_context_of_start(
    make_feed: FeedFactory, wire_stream: list[metadata_pb2.Event]
) -> None:
    seen: list[tuple[str, str]] = []

    def record_context(index: int, payload: bytes) -> str | None:
        seen.append((threading.current_thread().name, STATE.get()))
        return None

    sink = RecordingSink(record_context)
    # Stream 2 stays quiet: its timer thread sweeps what stream 1 sent.
    collector = ScriptedCollector([play(wire_stream[:3], "ok"), play([])])
    with serving(collector) as target:
        feed = make_feed(fast_settings(target, quiet_period=0.05), sink)
        token = STATE.set("state-1")
        try:
            feed.start()
        finally:
            STATE.reset(token)
        assert sink.wait_for(6)
        assert feed.stop()
    assert seen == [("k8smeta-feed", "state-1")] * 3 + [("k8smeta-feed-timer", "state-1")] * 3


@pytest.mark.parametrize("where", ["push", "sweep"])
def test_a_sink_exception_ends_only_that_stream(
    make_feed: FeedFactory,
    logs: LogRecorder,
    wire_stream: list[metadata_pb2.Event],
    where: str,
) -> None:
    first = wire_stream[:5]
    # "sweep": stream 2 re-sends nothing and stays quiet, so the timer thread sweeps.
    second = play([]) if where == "sweep" else play(first)

    def explode_once(index: int, payload: bytes) -> str | None:
        if index == 5:  # the first push of stream 2, or of its sweep
            raise RuntimeError(f"sink exploded in a {where}")
        return None

    collector = ScriptedCollector([play(first, "ok"), second, play(first)])
    sink = RecordingSink(explode_once)
    quiet = 0.05 if where == "sweep" else 30.0
    with serving(collector) as target:
        feed = make_feed(fast_settings(target, quiet_period=quiet), sink)
        feed.start()
        assert collector.wait_calls(3)
        assert sink.wait_for(5 + 1 + 5)
        assert feed.stop()
    assert feed.stats.stream_errors == 1
    errors = logs.messages(logging.ERROR)
    assert errors == [f"Error in the metadata stream, reconnecting: sink exploded in a {where}"]


def test_start_while_running_restarts_the_feed(make_feed: FeedFactory, logs: LogRecorder) -> None:
    collector = ScriptedCollector([])
    with serving(collector) as target:
        feed = make_feed(fast_settings(target), RecordingSink())
        feed.start()
        assert collector.wait_calls(1)
        feed.start()
        assert collector.wait_calls(2)
        assert feed.running
        assert feed.stop()
    assert logs.messages(logging.INFO).count("Async thread terminated") == 2
    assert feed.stats.streams == 2
