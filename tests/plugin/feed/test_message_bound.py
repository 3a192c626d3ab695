"""The feed's maximum receive message size against real hostile servers on 127.0.0.1.

One server declares a 4 GiB message after good ones and streams its body as fast as HTTP/2
flow control lets it; a grpcio collector really sends a message over the bound. Either way
the stream ends with RESOURCE_EXHAUSTED, logged with the size and the bound, the good
messages stay delivered, the feed reconnects with backoff, and the oversized body is never
read: the server could send no more than the client's initial flow-control window, and the
process's traced allocations stay far below the declared size.
"""

from __future__ import annotations

import threading
import time
import tracemalloc

from k8smeta.plugin.feed import MAX_MESSAGE_SIZE
from k8smeta.wire import metadata_pb2
from tests.plugin.feed.collector_fakes import ScriptedCollector, play, serving
from tests.plugin.feed.host_fakes import FeedFactory, LogRecorder, RecordingSink, fast_settings
from tests.plugin.feed.hostile import hostile

DECLARED = 0xFFFF_FFF0  # about 4 GiB
BODY = 64 * 1024 * 1024  # what the server tries to send of it
#: grpclib's initial HTTP/2 stream window: all a client that never reads can be sent.
WINDOW = 4 * 1024 * 1024
FRAME = 16 * 1024


def _too_large(size: int) -> str:
    return (
        "error during the RPC call. Error code (8), error message "
        f"(Received message larger than max ({size} vs. {MAX_MESSAGE_SIZE}))"
    )


class _Ticker:
    """A thread standing for Falco's event thread: it records its longest gap."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _Ticker:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(0.001):
            now = time.monotonic()
            self.longest = max(self.longest, now - last)
            last = now


def test_a_declared_huge_message_ends_the_stream_unread(
    make_feed: FeedFactory, logs: LogRecorder, wire_stream: list[metadata_pb2.Event]
) -> None:
    good = wire_stream[:5]
    sink = RecordingSink()
    tracemalloc.start()
    try:
        with hostile(good, declared=DECLARED, body=BODY) as server, _Ticker() as ticker:
            feed = make_feed(fast_settings(server.target), sink)
            feed.start()
            assert logs.wait_for(_too_large(DECLARED), count=2)
            assert sink.wait_for(2 * len(good))
            assert feed.stop()
            _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert server.calls >= 2  # reconnected
    assert feed.stats.stream_errors >= 2
    assert max(server.sent_body) <= WINDOW + FRAME  # the body was never acknowledged
    assert peak < 32 * 1024 * 1024  # traced Python memory, the server offered 64 MiB
    assert [d["uid"] for d in sink.docs()][: len(good)] == [e.uid for e in good]
    assert ticker.longest < 1.0


def test_a_message_over_the_bound_from_a_grpc_collector(
    make_feed: FeedFactory, logs: LogRecorder, wire_stream: list[metadata_pb2.Event]
) -> None:
    good = wire_stream[:3]
    big = metadata_pb2.Event(reason="Create", uid="big", kind="Pod", meta="x" * MAX_MESSAGE_SIZE)
    size = big.ByteSize()
    collector = ScriptedCollector([play([*good, big]), play(good)])
    sink = RecordingSink()
    with serving(collector) as target:
        feed = make_feed(fast_settings(target), sink)
        feed.start()
        assert logs.wait_for(_too_large(size))
        assert sink.wait_for(2 * len(good))
        assert feed.stop()
    assert len(collector.selectors) >= 2
    assert "big" not in [d["uid"] for d in sink.docs()]
    assert feed.stats.stream_errors >= 1


def test_a_message_at_the_bound_is_read(
    make_feed: FeedFactory, wire_stream: list[metadata_pb2.Event]
) -> None:
    event = metadata_pb2.Event(reason="Create", uid="at-bound", kind="Pod", meta="")
    event.meta = "x" * (1000 - event.ByteSize() - 3)  # 3: the longer length varint
    sink = RecordingSink()
    collector = ScriptedCollector([play([event])])
    with serving(collector) as target:
        feed = make_feed(fast_settings(target, max_message_size=event.ByteSize()), sink)
        feed.start()
        assert sink.wait_for(1)
        assert feed.stop()
    assert [d["uid"] for d in sink.docs()] == ["at-bound"]
    assert feed.stats.stream_errors == 0
