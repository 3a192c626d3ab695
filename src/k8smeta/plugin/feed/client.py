"""The feed thread: Watch the collector, push payloads to a sink, resync, reconnect.

One background thread per `start()`, running its own asyncio event loop; each connection
attempt opens a new grpclib channel on it, calls `Watch` with the feed's Selector and hands
every message to the sink (Falco's async handler behind the ABI layer) until the stream
ends, then waits with the backoff and tries again, after an `OK` end too
(docs/plugin-contract.md, "Feed"). The feed thread reads the call itself (no handoff per
message); a small timer thread per stream notices the quiet period and sweeps. Both work
under the one push lock, which also serializes pushes; the stop flag is checked under it
right before each push, so none starts after `stop()` returned. Nothing raised in a stream
escapes it: it is logged, counted and ends only that stream.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable

from grpclib.const import Status

from k8smeta.plugin.feed.backoff import Backoff, Uniform
from k8smeta.plugin.feed.loop import FeedLoop
from k8smeta.plugin.feed.resync import Key, Resync, SnapshotTracker
from k8smeta.plugin.feed.selector import NO_SYNC_NOTICE, watch_selector
from k8smeta.plugin.feed.settings import FeedSettings
from k8smeta.plugin.feed.stats import Counters, FeedStats
from k8smeta.plugin.feed.stream import CANCELLED_DETAILS, StreamEnd, WatchCall, status_number
from k8smeta.plugin.feed.translate import delete_payload, event_payload
from k8smeta.wire import metadata_pb2
from k8smeta.wire.vocabulary import DELETE, SYNC

logger = logging.getLogger(__name__)

Sink = Callable[[bytes], str | None]
"""Push one payload to the host; None when accepted, else the host's error text."""

Clock = Callable[[], float]


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
    """One stream: its run and call, its snapshot tracker, its once-per-stream log state."""

    __slots__ = ("call", "ended", "received", "rejected", "run", "tracker")

    def __init__(self, run: _Run, call: WatchCall, tracker: SnapshotTracker) -> None:
        self.run = run
        self.call = call
        self.tracker = tracker
        self.ended = False
        self.received = False
        self.rejected = False

    def is_over(self) -> bool:
        return self.ended or self.run.stopping


class Feed:
    """The metadata feed of one plugin state.

    `start()` launches the feed thread; `stop()` ends it within a bounded time whatever the
    server does. A stopped feed can be started again and keeps its `known` set (resync).
    The threads run in a copy of the caller's `contextvars` context at `start()`, so log
    routing set by the caller follows them.
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
        self._timers = threading.Condition(self._push_lock)
        self._control_lock = threading.Lock()
        self._run: _Run | None = None
        self._counters = Counters()
        self._told_no_sync = False

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
            run.thread = _thread(self._main, run, name="k8smeta-feed")
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
        deadline = time.monotonic() + timeout
        # A sink blocked in a push holds the lock: stop stays bounded, and the push in
        # flight is the last one (the next sees the flag, set under the lock or not).
        locked = self._push_lock.acquire(timeout=timeout)
        try:
            run.stopping = True
            call = run.call
            if locked:
                self._timers.notify_all()
        finally:
            if locked:
                self._push_lock.release()
        run.wake.set()
        if call is not None:
            call.cancel()
        thread = run.thread
        if thread is None or thread is threading.current_thread():
            return True
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            logger.error("The metadata feed thread did not stop within %s seconds", timeout)
            return False
        return True

    def _main(self, run: _Run) -> None:
        loop: FeedLoop | None = None
        try:
            loop = FeedLoop()
            while not run.is_stopping():
                completed = self._attempt(run, loop)
                if run.is_stopping():
                    break
                self._backoff.record(completed=completed)
                if self._pause(run):
                    break
        except Exception:  # a bug here must not kill the host: log and end the thread
            logger.exception("The metadata feed thread failed")
        finally:
            if loop is not None:
                loop.finish()
            logger.info("Async thread terminated")

    def _pause(self, run: _Run) -> bool:
        """Wait the backoff; True when stop interrupted the wait."""
        wait = self._backoff.next_wait()
        self._counters.last_wait = wait
        logger.info("Retry after '%.3f' seconds", wait)
        if self._on_wait is not None:
            self._on_wait(wait)
        return run.wake.wait(wait)

    def _attempt(self, run: _Run, loop: FeedLoop) -> bool:
        """One connection attempt; True when its stream completed a snapshot."""
        stream: _Stream | None = None
        timer: threading.Thread | None = None
        try:
            call = WatchCall(loop, self._settings, self._selector)
            stream = self._register(run, call)
            timer = _thread(self._watch_quiet, stream, name="k8smeta-feed-timer")
            timer.start()
            self._log_end(call.read(lambda event: self._handle(stream, event)))
        except _StoppedError:  # stop() came during a push: the stream was abandoned
            self._log_end(StreamEnd(Status.CANCELLED, CANCELLED_DETAILS))
        except Exception as exc:
            logger.exception("Error in the metadata stream, reconnecting: %s", exc)
            self._counters.stream_errors += 1
        finally:
            self._unregister(run, stream)
            if timer is not None:
                timer.join(1.0)
        return stream is not None and stream.tracker.completed

    def _register(self, run: _Run, call: WatchCall) -> _Stream:
        self._counters.streams += 1
        with self._push_lock:
            run.call = call
            stream = _Stream(run, call, self._resync.open_stream(self._clock()))
            stopping = run.stopping
        if stopping:  # stop() came while the call was being created: end it the same way
            call.cancel()
        return stream

    def _unregister(self, run: _Run, stream: _Stream | None) -> None:
        with self._push_lock:
            call, run.call = run.call, None
            if stream is not None:
                stream.ended = True
                self._timers.notify_all()
        if call is not None:
            call.cancel()

    def _watch_quiet(self, stream: _Stream) -> None:
        """Timer thread body: complete the snapshot when its quiet-period deadline passes."""
        try:
            with self._timers:
                while not stream.is_over():
                    deadline = stream.tracker.deadline()
                    remaining = None if deadline is None else deadline - self._clock()
                    if remaining is None or remaining > 0:
                        # Messages only push the deadline later: waking early is harmless.
                        self._timers.wait(remaining)
                    else:
                        self._sweep(stream, stream.tracker.poll(self._clock()))
                        self._tell_no_sync(stream)
        except _StoppedError:
            pass
        except Exception as exc:  # end this stream only; the feed thread reconnects
            logger.exception("Error in the metadata stream, reconnecting: %s", exc)
            self._counters.stream_errors += 1
            stream.call.cancel()

    def _tell_no_sync(self, stream: _Stream) -> None:
        """Once per feed: a snapshot completed by the quiet period, no Sync ever seen."""
        if stream.tracker.completed and not self._resync.sync_seen and not self._told_no_sync:
            self._told_no_sync = True
            logger.info("%s", NO_SYNC_NOTICE)

    def _handle(self, stream: _Stream, event: metadata_pb2.Event) -> None:
        with self._push_lock:
            if not stream.received:
                stream.received = True
                logger.info("The plugin received at least one event from the k8s-metacollector")
            sweep = stream.tracker.message(event.reason, event.kind, event.uid, self._clock())
            if event.reason == SYNC:
                self._sweep(stream, sweep)
                return
            self._deliver(stream, event_payload(event), event.reason, event.kind, event.uid)

    def _sweep(self, stream: _Stream, keys: list[Key]) -> None:
        if not keys:
            return
        logger.info("Resync: deleting %d resources the collector did not re-send", len(keys))
        for kind, uid in keys:
            if self._deliver(stream, delete_payload(kind, uid), DELETE, kind, uid):
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
            first, stream.rejected = not stream.rejected, True
        level = logging.ERROR if first else logging.DEBUG
        logger.log(level, "The async event was rejected: %s", error)
        return False

    def _log_end(self, end: StreamEnd) -> None:
        if end.code is Status.OK:
            logger.info("gRPC call correctly terminated.")
        elif end.code is Status.CANCELLED:
            logger.info("gRPC call cancelled. Full message: (%s)", end.details)
        else:
            logger.error(
                "error during the RPC call. Error code (%d), error message (%s)",
                status_number(end.code),
                end.details,
            )
            self._counters.stream_errors += 1


def _thread(target: Callable[..., None], *args: object, name: str) -> threading.Thread:
    """A daemon thread running `target` in a copy of the current contextvars context."""
    context = contextvars.copy_context()
    return threading.Thread(target=context.run, args=(target, *args), name=name, daemon=True)
