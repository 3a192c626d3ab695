"""One Watch stream read on its own thread into a bounded mailbox the feed thread polls.

gRPC's response iterator has no read timeout, yet the feed must notice "no message for
`quiet_period` seconds while the stream is open". So a small reader thread per stream only
moves messages from the call into a `Mailbox`; the feed thread waits on the mailbox with a
timeout and does all the work. The bounded mailbox keeps gRPC flow control in effect: when
the feed thread falls behind, the reader stops reading.
"""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import grpc

from k8smeta.wire import metadata_pb2

logger = logging.getLogger(__name__)


class WatchCall(Protocol):
    """What the feed uses of the call object `MetadataStub.Watch` returns."""

    def __iter__(self) -> Iterator[metadata_pb2.Event]: ...

    def cancel(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class StreamEnd:
    """How a stream ended: its gRPC status, or the exception that broke the reader."""

    code: grpc.StatusCode
    details: str
    error: Exception | None = None


Item = metadata_pb2.Event | StreamEnd


class Mailbox:
    """A bounded single-producer/single-consumer handoff that can be closed from either side."""

    __slots__ = ("_capacity", "_closed", "_cond", "_items")

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._items: collections.deque[Item] = collections.deque()
        self._cond = threading.Condition(threading.Lock())
        self._closed = False

    def put(self, item: Item, *, force: bool = False) -> bool:
        """Add `item`, waiting while full (unless `force`); False once the mailbox is closed."""
        with self._cond:
            while not force and not self._closed and len(self._items) >= self._capacity:
                self._cond.wait()
            if self._closed:
                return False
            self._items.append(item)
            self._cond.notify_all()
            return True

    def get(self, timeout: float | None) -> Item | None:
        """The next item; None when `timeout` (seconds, None = no limit) passes or on close."""
        with self._cond:
            if not self._items and not self._closed:
                self._cond.wait(timeout)
            if not self._items:
                return None
            item = self._items.popleft()
            self._cond.notify_all()
            return item

    def close(self) -> None:
        """Wake both sides; later puts are refused, gets drain what is left."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()


def pump(call: WatchCall, mailbox: Mailbox) -> None:
    """Reader thread body: move every message of `call` into `mailbox`, then its StreamEnd."""
    try:
        for event in call:
            if not mailbox.put(event):
                call.cancel()
                return
        end = StreamEnd(grpc.StatusCode.OK, "")
    except grpc.RpcError as exc:
        end = _end_of_rpc_error(exc)
    except Exception as exc:  # the feed thread logs it and counts a stream error
        end = StreamEnd(grpc.StatusCode.UNKNOWN, str(exc), exc)
    mailbox.put(end, force=True)


def _end_of_rpc_error(exc: grpc.RpcError) -> StreamEnd:
    # The raised error is the call itself (a grpc.Call); stay defensive about it.
    call: object = exc
    if isinstance(call, grpc.Call):
        return StreamEnd(call.code(), call.details() or "")
    return StreamEnd(grpc.StatusCode.UNKNOWN, str(exc), exc)


def status_number(code: grpc.StatusCode) -> int:
    """The numeric gRPC status code (as upstream logs it)."""
    number = code.value[0]
    assert isinstance(number, int)
    return number
