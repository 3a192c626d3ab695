"""The transport's one error seam: every failure of the client stack, whichever call it
comes from, leaves as a `TransportError`; API errors and cancellation pass unchanged.

The client is a stand-in for kubernetes_asyncio's `ApiClient.call_api` (its protocol: a
coroutine returning the raw aiohttp response), failing as each case says.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from kubernetes_asyncio.config import ConfigException

from k8smeta.collector.kube.errors import GoneError, TransportError
from k8smeta.collector.kube.transport import Transport

PATH = "/api/v1/pods"


class FailingClient:
    """`call_api` raises `error`, or answers 200 with a body whose reading raises it."""

    def __init__(self, error: BaseException, *, in_body: bool = False) -> None:
        self.error, self.in_body = error, in_body
        self.closed = False

    async def call_api(self, *args: Any, **kwargs: Any) -> Any:
        if not self.in_body:
            raise self.error
        return self

    # -- the part of aiohttp.ClientResponse the transport uses ---------------------------
    status = 200

    async def read(self) -> bytes:
        raise self.error

    @property
    def content(self) -> FailingClient:
        return self

    async def readline(self, max_line_length: int = 0) -> bytes:
        raise self.error

    def close(self) -> None:
        self.closed = True

    def release(self) -> None:
        raise AssertionError("a failed body must drop the connection, not reuse it")


FAILURES = [
    aiohttp.ServerDisconnectedError(),
    aiohttp.ClientPayloadError("truncated"),
    TimeoutError(),
    ConnectionResetError("reset by peer"),
    asyncio.IncompleteReadError(b"{", 10),
    ConfigException("no token"),
]


@pytest.mark.parametrize("error", FAILURES, ids=lambda e: type(e).__name__)
@pytest.mark.asyncio
async def test_a_failing_request_is_a_transport_error(error: Exception) -> None:
    with pytest.raises(TransportError, match=f"^GET {PATH}: {type(error).__name__}") as caught:
        await Transport(FailingClient(error)).read(PATH, [], "application/json")
    assert caught.value.__cause__ is error


@pytest.mark.parametrize("error", FAILURES, ids=lambda e: type(e).__name__)
@pytest.mark.asyncio
async def test_a_failing_body_is_a_transport_error(error: Exception) -> None:
    client = FailingClient(error, in_body=True)
    with pytest.raises(TransportError, match=f"^reading {PATH}: ") as caught:
        await Transport(client).read(PATH, [], "application/json")
    assert caught.value.__cause__ is error
    assert client.closed


@pytest.mark.parametrize("error", FAILURES, ids=lambda e: type(e).__name__)
@pytest.mark.asyncio
async def test_a_failing_watch_line_is_a_transport_error(error: Exception) -> None:
    client = FailingClient(error, in_body=True)
    lines = Transport(client).stream_lines(PATH, [("watch", "1")], "application/json", 1.0)
    with pytest.raises(TransportError, match=f"^reading watch {PATH}: ") as caught:
        await anext(lines)
    assert caught.value.__cause__ is error


@pytest.mark.parametrize("error", [GoneError("too old"), asyncio.CancelledError()])
@pytest.mark.asyncio
async def test_api_errors_and_cancellation_pass_unchanged(error: BaseException) -> None:
    for client in (FailingClient(error), FailingClient(error, in_body=True)):
        with pytest.raises(type(error)) as caught:
            await Transport(client).read(PATH, [], "application/json")
        assert caught.value is error
