"""The one-time notice for a collector that never sends `Sync` (the upstream one): loopback
collector -> feed, over several streams."""

from __future__ import annotations

import logging

from k8smeta.plugin.feed.selector import NO_SYNC_NOTICE
from k8smeta.wire import metadata_pb2
from tests.plugin.feed.collector_fakes import ScriptedCollector, play, serving
from tests.plugin.feed.host_fakes import FeedFactory, LogRecorder, RecordingSink, fast_settings

SYNC = metadata_pb2.Event(reason="Sync")
COUNT = 6


def test_upstream_collector_is_told_once_at_info(
    make_feed: FeedFactory, wire_stream: list[metadata_pb2.Event], logs: LogRecorder
) -> None:
    """Two streams, both completed by the quiet period: one INFO line, after the first."""
    first, second = play(wire_stream[:COUNT], "ok"), play(wire_stream[: COUNT - 1], "hold")
    collector = ScriptedCollector([first, second])
    sink = RecordingSink()
    with serving(collector) as target:
        feed = make_feed(fast_settings(target, quiet_period=0.1), sink)
        feed.start()
        assert collector.wait_calls(2)
        assert logs.wait_for(NO_SYNC_NOTICE)
        # The second stream's snapshot completes too: its sweep deletes the one resource
        # it did not re-send...
        assert sink.wait_for(COUNT + (COUNT - 1) + 1)
        assert sink.docs()[-1]["reason"] == "Delete"
        assert feed.stop()
    # ... and the notice is not repeated.
    assert logs.messages(logging.INFO).count(NO_SYNC_NOTICE) == 1
    assert "k8smeta.node.*" in NO_SYNC_NOTICE


def test_our_collector_is_not_told(
    make_feed: FeedFactory, wire_stream: list[metadata_pb2.Event], logs: LogRecorder
) -> None:
    """A Sync marker completes the snapshot: no notice, even once the quiet period passed."""
    collector = ScriptedCollector([play([*wire_stream[:COUNT], SYNC], "hold")])
    sink = RecordingSink()
    with serving(collector) as target:
        feed = make_feed(fast_settings(target, quiet_period=0.1, sync_timeout=0.2), sink)
        feed.start()
        assert sink.wait_for(COUNT)
        # The timer thread gives up waiting for another Sync after sync_timeout: this
        # completion by time must not be mistaken for an upstream collector either.
        assert not logs.wait_for(NO_SYNC_NOTICE, timeout=0.5)
        assert feed.stop()
    assert NO_SYNC_NOTICE not in logs.messages()
