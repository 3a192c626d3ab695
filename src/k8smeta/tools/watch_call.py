"""One Watch call of `k8smeta watch`, and what happened: connected or not, what arrived, why
it ended.

"Connected" means the channel reached READY: TCP, TLS when asked for, and the server's
HTTP/2 settings. A TCP listener that is no gRPC server never gets there, so a bounded
connect wait (`connect_timeout`) tells "nothing answers" from "the node has no metadata",
which a call deadline alone cannot (both end with DEADLINE_EXCEEDED).
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import grpc

from k8smeta.wire import metadata_pb2, metadata_pb2_grpc
from k8smeta.wire.vocabulary import SYNC as REASON_SYNC
from k8smeta.wire.vocabulary import SYNC_KEY


@dataclass(frozen=True, slots=True)
class WatchOptions:
    """One watch: where, for which node, what to ask, and when to stop (seconds)."""

    target: str
    node: str
    kinds: tuple[str, ...]
    sync: bool
    count: int | None
    timeout: float | None
    root_certificates: bytes | None = None
    client_certificate: bytes | None = None
    client_key: bytes | None = None
    connect_timeout: float = 10.0
    explain: str | None = None  # a pod UID: report on it (`explain`) instead of printing

    @property
    def uses_tls(self) -> bool:
        return self.root_certificates is not None


class Ending(enum.Enum):
    """Why the call ended."""

    COUNT = "count"  # `count` events arrived
    TIMEOUT = "timeout"  # the call's deadline (`timeout`) passed
    CLOSED = "closed"  # the server ended the stream with OK
    NO_CONNECTION = "no-connection"  # not READY within `connect_timeout`: cancelled
    FAILED = "failed"  # the call failed (`code`, `details`)
    INTERRUPTED = "interrupted"  # Ctrl-C


@dataclass(slots=True)
class Outcome:
    """What one call saw; filled while events are consumed."""

    connected: bool = False
    events: int = 0
    metadata: int = 0  # events other than the Sync marker
    ending: Ending | None = None
    code: grpc.StatusCode | None = None
    details: str = ""


def build_selector(node: str, kinds: Sequence[str], sync: bool) -> metadata_pb2.Selector:
    """The Selector a plugin sends: every kind mapped to "true", plus the opt-in sync key."""
    selected = dict.fromkeys(kinds, "true")
    if sync:
        selected[SYNC_KEY] = "true"
    return metadata_pb2.Selector(nodeName=node, resourceKinds=selected)


def _channel(options: WatchOptions) -> grpc.Channel:
    if options.root_certificates is None:
        return grpc.insecure_channel(options.target)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=options.root_certificates,
        private_key=options.client_key,
        certificate_chain=options.client_certificate,
    )
    return grpc.secure_channel(options.target, credentials)


class _Cancellable(Protocol):
    def cancel(self) -> object: ...


class _Connection:
    """READY seen on the channel; `settled` once READY or the call is over."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.settled = threading.Event()
        self.gave_up = False

    def on_state(self, state: grpc.ChannelConnectivity) -> None:
        if state is grpc.ChannelConnectivity.READY:
            self.ready.set()
            self.settled.set()

    def cancel_unless_ready(self, call: _Cancellable, wait: float) -> None:
        """Cancel `call` when the channel is not READY after `wait` seconds."""
        if not self.settled.wait(wait) and not self.ready.is_set():
            self.gave_up = True
            call.cancel()


#: Codes a client can produce without reaching the server; any other code, and the end of
#: the stream with OK, came from the server: it was connected even if the READY callback
#: (delivered on another thread) has not run yet.
_LOCAL_CODES = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.CANCELLED,
        grpc.StatusCode.DEADLINE_EXCEEDED,
    }
)


def _ending(error: grpc.RpcError, connection: _Connection) -> Ending:
    code = error.code()
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return Ending.TIMEOUT
    if code == grpc.StatusCode.CANCELLED and connection.gave_up:
        return Ending.NO_CONNECTION
    return Ending.FAILED


def watch_events(
    options: WatchOptions, outcome: Outcome
) -> Generator[metadata_pb2.Event, None, None]:
    """Yield the events of one Watch call, recording in `outcome` what happened.

    Ends after `count` events, at the deadline, at the stream's end, or when the channel is
    not READY within `connect_timeout`; RPC errors end up in `outcome`, never raised.
    """
    connection = _Connection()
    selector = build_selector(options.node, options.kinds, options.sync)
    with _channel(options) as channel:
        channel.subscribe(connection.on_state, try_to_connect=True)
        call = metadata_pb2_grpc.MetadataStub(channel).Watch(selector, timeout=options.timeout)
        watchdog = threading.Thread(
            target=connection.cancel_unless_ready,
            args=(call, options.connect_timeout),
            name="k8smeta-watch-connect",
            daemon=True,
        )
        watchdog.start()
        try:
            yield from _consume(call, options, outcome, connection)
        except KeyboardInterrupt:
            outcome.ending = Ending.INTERRUPTED
        finally:
            outcome.connected = outcome.connected or connection.ready.is_set()
            connection.settled.set()
            watchdog.join()
            channel.unsubscribe(connection.on_state)
            _wait_until_polling_stops(channel)
        # Leaving the `with` closes the channel, which cancels a call still running.


def _wait_until_polling_stops(channel: grpc.Channel, limit: float = 2.0) -> None:
    """grpcio's connectivity subscription runs a polling thread that notices the last
    unsubscribe only after its current 0.2 s watch; closing the channel before that makes
    the thread die with a traceback on stderr. Wait (bounded) for it to stop."""
    state = getattr(channel, "_connectivity_state", None)
    deadline = time.monotonic() + limit
    while getattr(state, "polling", False) and time.monotonic() < deadline:
        time.sleep(0.01)


def _consume(
    call: Iterable[metadata_pb2.Event],
    options: WatchOptions,
    outcome: Outcome,
    connection: _Connection,
) -> Iterator[metadata_pb2.Event]:
    try:
        for event in call:
            outcome.connected = True  # an event may come before the READY callback runs
            outcome.events += 1
            outcome.metadata += event.reason != REASON_SYNC
            yield event
            if options.count is not None and outcome.events >= options.count:
                outcome.ending = Ending.COUNT
                return
    except grpc.RpcError as error:
        outcome.ending = _ending(error, connection)
        outcome.code = error.code()
        outcome.details = error.details() or ""
        outcome.connected = outcome.connected or outcome.code not in _LOCAL_CODES
        return
    outcome.ending = Ending.CLOSED
    outcome.connected = True
