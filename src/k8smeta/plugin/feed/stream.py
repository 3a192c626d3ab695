"""One Watch call as the feed reads it (grpclib over h2), and how a stream ended.

The call runs on the feed thread's event loop: `read` drives the loop until the stream
ends; `cancel` may come from any thread (stop, the timer thread) and ends the read at its
next await. Connection, TLS and HTTP/2 failures end a stream as gRPC's `UNAVAILABLE` would,
a status sent by the server ends it with that status, and an exception raised by the
message handler propagates unchanged (the caller decides what it ends).

A message longer than `FeedSettings.max_message_size` ends the stream as gRPC's receive limit
does (`RESOURCE_EXHAUSTED`), before its body is read: grpclib has no such limit and reads a
whole message of any declared length. Its reader asks the call's HTTP/2 stream for the
5-byte prefix, then for the declared length; `_bound_reads` wraps that stream's `recv_data`
(grpclib 0.4, pinned) so that a read beyond the bound raises instead. The unread body then
waits in the HTTP/2 flow-control window (never acknowledged, so at most the window is
received) until the connection is aborted.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

import h2.exceptions
from google.protobuf.message import DecodeError
from grpclib.client import Channel
from grpclib.const import Cardinality, Status
from grpclib.exceptions import GRPCError, ProtocolError, StreamTerminatedError

from k8smeta.plugin.feed.loop import FeedLoop
from k8smeta.plugin.feed.settings import FeedSettings, client_config, split_target, ssl_context
from k8smeta.wire import metadata_pb2

WATCH: Final = "/metadata.Metadata/Watch"

CONNECT_TIMEOUT: Final = 20.0
"""Bound of one connection attempt (TCP, TLS handshake, HTTP/2 preface), as gRPC's
default minimum connect timeout."""

CANCELLED_DETAILS: Final = "Locally cancelled by application!"
"""The details of a stream the feed cancelled (gRPC's words, which upstream logs)."""

_TRANSPORT_ERRORS: Final = (
    OSError,  # refused, reset, unreachable, TLS (ssl.SSLError is an OSError)
    TimeoutError,  # the connect bound
    StreamTerminatedError,  # connection lost, GOAWAY, keepalive ping unanswered
    ProtocolError,
    h2.exceptions.H2Error,
)


@dataclass(frozen=True, slots=True)
class StreamEnd:
    """How a stream ended: its gRPC status code and details."""

    code: Status
    details: str


class MessageTooLargeError(Exception):
    """A message declared longer than the feed's bound; its body was not read."""

    def __init__(self, size: int, bound: int) -> None:
        super().__init__(f"Received message larger than max ({size} vs. {bound})")
        self.size = size
        self.bound = bound


def _bound_reads(call: Any, bound: int) -> None:
    """Make the call's HTTP/2 stream refuse reads longer than `bound` (after send_request).

    grpclib's message reader asks the stream for 5 bytes, then for the message's declared
    length: the second read is refused before any of the body is consumed.
    """
    stream = call._stream  # grpclib.protocol.Stream of this call (grpclib 0.4.x)
    read: Callable[[int], Awaitable[bytes]] = stream.recv_data

    async def recv_data(size: int) -> bytes:
        if size > bound:
            raise MessageTooLargeError(size, bound)
        return await read(size)

    stream.recv_data = recv_data


class _HandlerError(Exception):
    """Carries what the message handler raised through grpclib's stream context."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error


class WatchCall:
    """One Watch call: `read` on the loop's thread, `cancel` from any thread."""

    __slots__ = ("_cancelled", "_loop", "_selector", "_settings", "_task")

    def __init__(
        self,
        loop: FeedLoop,
        settings: FeedSettings,
        selector: metadata_pb2.Selector,
    ) -> None:
        self._loop = loop
        self._settings = settings
        self._selector = selector
        self._cancelled = False
        self._task: asyncio.Task[StreamEnd] | None = None

    def cancel(self) -> bool:
        """End the call (at once if not started, else at the read's next await)."""
        self._cancelled = True
        with contextlib.suppress(RuntimeError):  # a closed loop: no read runs any more
            self._loop.call_soon_threadsafe(self._cancel_task)
        return True

    def _cancel_task(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def read(self, handle: Callable[[metadata_pb2.Event], None]) -> StreamEnd:
        """Connect, send the Selector, hand every message to `handle`; how it ended."""
        if self._cancelled:
            return StreamEnd(Status.CANCELLED, CANCELLED_DETAILS)
        task = self._loop.create_task(self._watch(handle))
        self._task = task
        try:
            return self._loop.run_until_complete(task)
        except asyncio.CancelledError:
            return StreamEnd(Status.CANCELLED, CANCELLED_DETAILS)
        except _HandlerError as wrapped:
            raise wrapped.error from None
        finally:
            self._task = None

    async def _watch(self, handle: Callable[[metadata_pb2.Event], None]) -> StreamEnd:
        channel: Channel | None = None
        try:
            host, port = split_target(self._settings.target)
            channel = Channel(
                host, port, ssl=ssl_context(self._settings), config=client_config(self._settings)
            )
            async with channel.request(
                WATCH, Cardinality.UNARY_STREAM, metadata_pb2.Selector, metadata_pb2.Event
            ) as call:
                async with asyncio.timeout(CONNECT_TIMEOUT):
                    await call.send_request()
                _bound_reads(call, self._settings.max_message_size)
                await call.send_message(self._selector, end=True)
                async for event in call:
                    try:
                        handle(event)
                    except Exception as exc:
                        raise _HandlerError(exc) from exc
        except GRPCError as exc:
            return StreamEnd(exc.status, exc.message or "")
        except MessageTooLargeError as exc:
            return StreamEnd(Status.RESOURCE_EXHAUSTED, str(exc))
        except DecodeError:
            return StreamEnd(Status.INTERNAL, "Exception deserializing response!")
        except _TRANSPORT_ERRORS as exc:
            return StreamEnd(Status.UNAVAILABLE, _describe(exc))
        finally:
            if channel is not None:
                channel.close()
            self._loop.abort_connections()
        return StreamEnd(Status.OK, "")


def _describe(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, TimeoutError) and not text:
        return f"failed to connect within {CONNECT_TIMEOUT:g} seconds"
    return text or type(exc).__name__


def status_number(code: Status) -> int:
    """The numeric gRPC status code (as upstream logs it)."""
    number = code.value
    assert isinstance(number, int)
    return number
