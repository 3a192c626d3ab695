"""One Watch call as the feed reads it: the call's shape, and how a stream ended."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

import grpc

from k8smeta.wire import metadata_pb2


class WatchCall(Protocol):
    """What the feed uses of the call object `MetadataStub.Watch` returns."""

    def __iter__(self) -> Iterator[metadata_pb2.Event]: ...

    def cancel(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class StreamEnd:
    """How a stream ended: its gRPC status code and details."""

    code: grpc.StatusCode
    details: str


def read(call: WatchCall, handle: Callable[[metadata_pb2.Event], None]) -> StreamEnd:
    """Hand every message of `call` to `handle` until the stream ends; how it ended.

    Exceptions raised by `handle` propagate (the caller decides what they end).
    """
    try:
        for event in call:
            handle(event)
    except grpc.RpcError as exc:
        return _end_of(exc)
    return StreamEnd(grpc.StatusCode.OK, "")


def _end_of(exc: grpc.RpcError) -> StreamEnd:
    # The raised error is the call itself (a grpc.Call); stay defensive about it.
    call: object = exc
    if isinstance(call, grpc.Call):
        return StreamEnd(call.code(), call.details() or "")
    return StreamEnd(grpc.StatusCode.UNKNOWN, str(exc))


def status_number(code: grpc.StatusCode) -> int:
    """The numeric gRPC status code (as upstream logs it)."""
    number = code.value[0]
    assert isinstance(number, int)
    return number
