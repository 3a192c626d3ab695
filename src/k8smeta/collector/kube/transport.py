"""The one seam to the HTTP stack: GET a list page or a watch stream as bytes.

Requests go through kubernetes_asyncio's `ApiClient.call_api` (configuration, TLS and
authentication are its job) with `_preload_content=False`, which hands back the raw aiohttp
response; status checks and body reading are ours, and bodies go to the caller's decoder as
bytes (`decode`), so the client library never decodes a body. Every failure leaves this
module as an `ApiError` (see `errors`): callers never see an aiohttp exception or response.
One context manager, `_mapped`, does that mapping for every call into the client stack.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp

from k8smeta.collector.kube.decode import HEAD_BYTES, status_message
from k8smeta.collector.kube.errors import ApiError, TransportError, status_error

log = logging.getLogger(__name__)

# A watch line holds one object; etcd caps objects at 1.5 MiB, JSON may inflate it. aiohttp's
# default line limit is twice the read buffer (4 MiB with kubernetes_asyncio's 2 MiB).
MAX_LINE = 16 * 2**20
_MAX_ERROR_BODY = 64 * 2**10
Query = Sequence[tuple[str, str | int]]


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds: connecting, and the longest silence tolerated while reading a body."""

    connect: float = 30.0
    read: float = 60.0


class Transport:
    """GETs against the API server through a kubernetes_asyncio ApiClient."""

    def __init__(self, api_client: Any, timeouts: Timeouts = Timeouts()) -> None:
        self._api = api_client
        self._timeouts = timeouts

    async def read(
        self, path: str, query: Query, accept: str, on_head: Callable[[bytes], None] | None = None
    ) -> bytes:
        """One request's whole body (a list page, for the caller's decoder).

        `on_head` is called once with the body's first `HEAD_BYTES` (or all of it, if
        shorter) as soon as they arrive, while the rest is still being read.
        """
        async with self._request(path, query, accept, self._timeouts.read) as response:
            with _mapped(f"reading {path}"):
                if on_head is None:
                    return await response.read()
                return await _read_telling_head(response.content, on_head)

    async def stream_lines(
        self, path: str, query: Query, accept: str, read_timeout: float
    ) -> AsyncGenerator[bytes, None]:
        """A watch: yields each non-blank line of the body, until the server ends it."""
        async with self._request(path, query, accept, read_timeout) as response:
            while True:
                with _mapped(f"reading watch {path}"):
                    line = await response.content.readline(max_line_length=MAX_LINE)
                if not line:
                    return
                if line.strip():
                    yield line

    @asynccontextmanager
    async def _request(
        self, path: str, query: Query, accept: str, read_timeout: float
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        timeout = aiohttp.ClientTimeout(
            sock_connect=self._timeouts.connect,
            connect=self._timeouts.connect * 2,
            sock_read=read_timeout,
        )
        with _mapped(f"GET {path}"):
            response: aiohttp.ClientResponse = await self._api.call_api(
                path,
                "GET",
                query_params=list(query),
                header_params={"Accept": accept},
                auth_settings=["BearerToken"],
                _preload_content=False,
                _request_timeout=timeout,
            )
        try:
            if response.status != 200:
                raise status_error(response.status, await _error_message(response))
            yield response
        except BaseException:
            response.close()  # mid-body (cancelled, failed): drop the connection
            raise
        response.release()  # body read to the end: the connection can be reused


@contextmanager
def _mapped(doing: str) -> Iterator[None]:
    """The one mapping of client-stack failures (aiohttp, kubernetes_asyncio, sockets,
    timeouts): any exception raised in the block leaves as a `TransportError` saying what
    was being done; an `ApiError` passes unchanged (cancellation is not an Exception)."""
    try:
        yield
    except ApiError:
        raise
    except Exception as exc:
        raise TransportError(f"{doing}: {_describe(exc)}") from exc


async def _error_message(response: aiohttp.ClientResponse) -> str:
    """The Status `message` of an error response, else the start of its body, else reason."""
    try:
        with _mapped("reading an error body"):
            body = await response.content.read(_MAX_ERROR_BODY)
    except TransportError:
        return response.reason or ""
    return status_message(body) or response.reason or ""


async def _read_telling_head(
    content: aiohttp.StreamReader, on_head: Callable[[bytes], None]
) -> bytes:
    chunks: list[bytes] = []
    size, told = 0, False
    async for chunk in content.iter_any():
        chunks.append(chunk)
        size += len(chunk)
        if not told and size >= HEAD_BYTES:
            told = True
            on_head(b"".join(chunks))
    body = b"".join(chunks)
    if not told:
        on_head(body)
    return body


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
