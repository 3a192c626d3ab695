"""The feed thread: Watch the collector, push payloads to a sink, resync, reconnect (§16).

One background thread per `start()`; each connection attempt opens a new channel, calls
`Watch` with the Selector of decision 1 and hands every message to the sink (Falco's async
handler behind the ABI layer) until the stream ends, then waits with the backoff of
decision 3 and tries again, after an `OK` end too. Pushes are serialized by one lock and
the stop flag is checked under it right before each push, so none starts after `stop()`
returned. Nothing raised in a stream escapes it: it is logged, counted and ends only that
stream.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable

import grpc

from k8smeta.plugin.feed.backoff import Backoff, Uniform
from k8smeta.plugin.feed.resync import Key, Resync, SnapshotTracker
from k8smeta.plugin.feed.selector import watch_selector
from k8smeta.plugin.feed.settings import FeedSettings, open_channel
from k8smeta.plugin.feed.stats import Counters, FeedStats
from k8smeta.plugin.feed.stream import Mailbox, StreamEnd, WatchCall, pump, status_number
from k8smeta.plugin.feed.translate import REASON_DELETE, REASON_SYNC, delete_payload, event_payload
from k8smeta.wire import metadata_pb2, metadata_pb2_grpc

logger = logging.getLogger(__name__)

Sink = Callable[[bytes], str | None]
"""Push one payload to the host; None when accepted, else the host's error text."""

Clock = Callable[[], float]

_DRAIN_TIMEOUT = 1.0
"""Seconds a stopped feed waits for its cancelled call to report its end (for the log)."""


class _StoppedError(Exception):
    """The stop flag was set: abandon the stream without pushing."""


class _Run:
    """One start()..stop() lifetime: its thread, its stop flag and its active call."""

    __slots__ = ("call", "stopping", "thread", "wake")

    def __init__(self) -> None:
        self.stopping = False
        self.wake = threading.Event()
        self.call: WatchCall | None = None
        self.thread: threading.Thread | None = None

    def is_stopping(self) -> bool:
        # A method, not the attribute, where another thread may have set it meanwhile.
        return self.stopping


class _Stream:
    """One stream: its run, its snapshot tracker and its once-per-stream log state."""

    __slots__ = ("received", "rejected", "run", "tracker")

    def __init__(self, run: _Run, tracker: SnapshotTracker) -> None:
        self.run = run
        self.tracker = tracker
        self.received = False
        self.rejected = False


class Feed:
    """The metadata feed of one plugin state.

    `start()` launches the feed thread; `stop()` ends it within a bounded time whatever the
    server does. A stopped feed can be started again and keeps its `known` set (resync).
    The thread runs in a copy of the caller's `contextvars` context at `start()`, so log
    routing set by the caller follows it.
    """

    def __init__(
        self,
        settings: FeedSettings,
        sink: Sink,
        *,
        uniform: Uniform | None = None,
        clock: Clock = time.monotonic,
        on_wait: Callable[[float], None] | None = None,
    ) -> None:
        self._settings = settings
        self._sink = sink
        self._clock = clock
        self._on_wait = on_wait
        self._selector = watch_selector(settings.node_name)
        self._resync = Resync(
            quiet_period=settings.quiet_period, sync_timeout=settings.sync_timeout
        )
        self._backoff = Backoff(
            unit=settings.backoff_unit, cap=settings.backoff_cap, uniform=uniform
        )
        # Reentrant: a sink that stops the feed from inside a push must not deadlock.
        self._push_lock = threading.RLock()
        self._control_lock = threading.Lock()
        self._run: _Run | None = None
        self._counters = Counters()

    @property
    def stats(self) -> FeedStats:
        """A snapshot of the counters."""
        return self._counters.snapshot()

    @property
    def known(self) -> frozenset[Key]:
        """(kind, uid) of every resource Falco holds as far as the feed knows."""
        with self._push_lock:
            return self._resync.known

    @property
    def running(self) -> bool:
        """True between `start()` and `stop()`."""
        return self._run is not None

    def start(self) -> None:
        """Launch the feed thread (stopping a running one first)."""
        with self._control_lock:
            if self._run is not None:
                self._stop_run(self._run, 5.0)
            run = _Run()
            context = contextvars.copy_context()
            run.thread = threading.Thread(
                target=context.run, args=(self._main, run), name="k8smeta-feed", daemon=True
            )
            self._run = run
            run.thread.start()

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop the feed thread; False (and an ERROR log) if it did not end within `timeout`.

        Either way no push starts after this returns.
        """
        with self._control_lock:
            run, self._run = self._run, None
            return True if run is None else self._stop_run(run, timeout)

    def _stop_run(self, run: _Run, timeout: float) -> bool:
        with self._push_lock:
            run.stopping = True
            call = run.call
        run.wake.set()
        if call is not None:
            call.cancel()
        thread = run.thread
        if thread is None or thread is threading.current_thread():
            return True
        thread.join(timeout)
        if thread.is_alive():
            logger.error("The metadata feed thread did not stop within %s seconds", timeout)
            return False
        return True

    def _main(self, run: _Run) -> None:
        try:
            while not run.is_stopping():
                completed = self._attempt(run)
                if run.is_stopping():
                    break
                self._backoff.record(completed=completed)
                if self._pause(run):
                    break
        except Exception:  # a bug here must not kill the host: log and end the thread
            logger.exception("The metadata feed thread failed")
        finally:
            logger.info("Async thread terminated")

    def _pause(self, run: _Run) -> bool:
        """Wait the backoff; True when stop interrupted the wait."""
        wait = self._backoff.next_wait()
        self._counters.last_wait = wait
        logger.info("Retry after '%.3f' seconds", wait)
        if self._on_wait is not None:
            self._on_wait(wait)
        return run.wake.wait(wait)

    def _attempt(self, run: _Run) -> bool:
        """One connection attempt; True when its stream completed a snapshot."""
        mailbox = Mailbox(self._settings.mailbox_capacity)
        channel: grpc.Channel | None = None
        reader: threading.Thread | None = None
        tracker: SnapshotTracker | None = None
        try:
            channel = open_channel(self._settings)
            call: WatchCall = metadata_pb2_grpc.MetadataStub(channel).Watch(self._selector)
            self._register(run, call)
            tracker = self._resync.open_stream(self._clock())
            reader = threading.Thread(
                target=contextvars.copy_context().run,
                args=(pump, call, mailbox),
                name="k8smeta-feed-reader",
                daemon=True,
            )
            reader.start()
            self._read(_Stream(run, tracker), mailbox)
        except Exception as exc:
            logger.exception("Error in the metadata stream, reconnecting: %s", exc)
            self._counters.stream_errors += 1
        finally:
            self._unregister(run)
            mailbox.close()
            if channel is not None:
                channel.close()
            if reader is not None:
                reader.join(1.0)
        return tracker is not None and tracker.completed

    def _register(self, run: _Run, call: WatchCall) -> None:
        self._counters.streams += 1
        with self._push_lock:
            run.call = call
            stopping = run.stopping
        if stopping:  # stop() came while the call was being created: end it the same way
            call.cancel()

    def _unregister(self, run: _Run) -> None:
        with self._push_lock:
            call, run.call = run.call, None
        if call is not None:
            call.cancel()

    def _read(self, stream: _Stream, mailbox: Mailbox) -> None:
        """Process the stream until it ends, then log how it ended."""
        try:
            end = self._consume(stream, mailbox)
        except _StoppedError:
            end = None
        if end is None:  # stopped: the call is cancelled, its end follows promptly
            end = _drain(mailbox, _DRAIN_TIMEOUT)
        if end is not None:
            self._log_end(end)

    def _consume(self, stream: _Stream, mailbox: Mailbox) -> StreamEnd | None:
        """Process the stream's messages until it ends (its StreamEnd) or stop (None)."""
        run, tracker = stream.run, stream.tracker
        while True:
            deadline = tracker.deadline()
            timeout = None if deadline is None else max(0.0, deadline - self._clock())
            item = mailbox.get(timeout)
            if isinstance(item, StreamEnd):
                return item
            if run.is_stopping():
                return None
            if item is None:
                self._sweep(stream, tracker.poll(self._clock()))
            else:
                self._handle(stream, item)

    def _handle(self, stream: _Stream, event: metadata_pb2.Event) -> None:
        if not stream.received:
            stream.received = True
            logger.info("The plugin received at least one event from the k8s-metacollector")
        sweep = stream.tracker.message(event.reason, event.kind, event.uid, self._clock())
        if event.reason == REASON_SYNC:
            self._sweep(stream, sweep)
            return
        self._deliver(stream, event_payload(event), event.reason, event.kind, event.uid)

    def _sweep(self, stream: _Stream, keys: list[Key]) -> None:
        if not keys:
            return
        logger.info("Resync: deleting %d resources the collector did not re-send", len(keys))
        for kind, uid in keys:
            if self._deliver(stream, delete_payload(kind, uid), REASON_DELETE, kind, uid):
                self._counters.swept += 1

    def _deliver(self, stream: _Stream, payload: bytes, reason: str, kind: str, uid: str) -> bool:
        """Push one payload under the push lock; True when the sink accepted it."""
        with self._push_lock:
            if stream.run.stopping:
                raise _StoppedError
            error = self._sink(payload)
            if error is None:
                self._resync.accepted(reason, kind, uid)
                self._counters.pushed += 1
                return True
            self._counters.rejected += 1
        if not stream.rejected:
            stream.rejected = True
            logger.error("The async event was rejected: %s", error)
        else:
            logger.debug("The async event was rejected: %s", error)
        return False

    def _log_end(self, end: StreamEnd) -> None:
        if end.error is not None:
            logger.error("Error reading the metadata stream: %s", end.error, exc_info=end.error)
            self._counters.stream_errors += 1
        elif end.code is grpc.StatusCode.OK:
            logger.info("gRPC call correctly terminated.")
        elif end.code is grpc.StatusCode.CANCELLED:
            logger.info("gRPC call cancelled. Full message: (%s)", end.details)
        else:
            logger.error(
                "error during the RPC call. Error code (%d), error message (%s)",
                status_number(end.code),
                end.details,
            )
            self._counters.stream_errors += 1


def _drain(mailbox: Mailbox, timeout: float) -> StreamEnd | None:
    """Skip what is left of a cancelled stream up to its end; None if it takes too long."""
    deadline = time.monotonic() + timeout
    while (item := mailbox.get(max(0.0, deadline - time.monotonic()))) is not None:
        if isinstance(item, StreamEnd):
            return item
    return None
