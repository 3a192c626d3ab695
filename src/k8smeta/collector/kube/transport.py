"""The one seam to the HTTP stack: GET a list page or a watch stream as bytes.

Requests go through kubernetes_asyncio's `ApiClient.call_api` (configuration, TLS and
authentication are its job) with `_preload_content=False`, which hands back the raw aiohttp
response; status checks and body reading are ours, and bodies go to the caller's decoder as
bytes (`decode`), so the client library never decodes a body. Every failure leaves this
module as an `ApiError` (see `errors`): callers never see an aiohttp exception or response.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
from aiohttp.http_exceptions import HttpProcessingError

from k8smeta.collector.kube.decode import json_object, status_message
from k8smeta.collector.kube.errors import ApiError, TransportError, status_error

log = logging.getLogger(__name__)

# A watch line holds one object; etcd caps objects at 1.5 MiB, JSON may inflate it. aiohttp's
# default line limit is twice the read buffer (4 MiB with kubernetes_asyncio's 2 MiB).
MAX_LINE = 16 * 2**20
_MAX_ERROR_BODY = 64 * 2**10
_GC_PAUSE_BYTES = 256 * 2**10
Query = Sequence[tuple[str, str | int]]
T = TypeVar("T")


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

    async def get_json(self, path: str, query: Query, accept: str) -> dict[str, Any]:
        """One request whose whole body is a JSON object."""
        return await self.get(path, query, accept, lambda body: json_object(body, path))

    async def get(self, path: str, query: Query, accept: str, parse: Callable[[bytes], T]) -> T:
        """One request whose whole body is handed to `parse` (a list page's decoder).

        `parse` runs with the cyclic GC paused when the body is large: only what `parse`
        keeps survives, and whatever it decoded on the way is freed before the GC resumes.
        """
        async with self._request(path, query, accept, self._timeouts.read) as response:
            try:
                body = await response.read()
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                raise TransportError(f"reading {path}: {_describe(exc)}") from exc
        with _gc_paused(len(body) >= _GC_PAUSE_BYTES):
            return parse(body)

    async def stream_lines(
        self, path: str, query: Query, accept: str, read_timeout: float
    ) -> AsyncGenerator[bytes, None]:
        """A watch: yields each non-blank line of the body, until the server ends it."""
        async with self._request(path, query, accept, read_timeout) as response:
            while True:
                try:
                    line = await response.content.readline(max_line_length=MAX_LINE)
                except (TimeoutError, aiohttp.ClientError, OSError, HttpProcessingError) as exc:
                    raise TransportError(f"reading watch {path}: {_describe(exc)}") from exc
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
        try:
            response: aiohttp.ClientResponse = await self._api.call_api(
                path,
                "GET",
                query_params=list(query),
                header_params={"Accept": accept},
                auth_settings=["BearerToken"],
                _preload_content=False,
                _request_timeout=timeout,
            )
        except ApiError:
            raise
        except Exception as exc:  # any failure of the client stack is a transport failure
            raise TransportError(f"GET {path}: {_describe(exc)}") from exc
        try:
            if response.status != 200:
                raise status_error(response.status, await _error_message(response))
            yield response
        except BaseException:
            response.close()  # mid-body (cancelled, failed): drop the connection
            raise
        response.release()  # body read to the end: the connection can be reused


async def _error_message(response: aiohttp.ClientResponse) -> str:
    """The Status `message` of an error response, else the start of its body, else reason."""
    try:
        body = await response.content.read(_MAX_ERROR_BODY)
    except (TimeoutError, aiohttp.ClientError, OSError):
        return response.reason or ""
    return status_message(body) or response.reason or ""


@contextmanager
def _gc_paused(pause: bool) -> Iterator[None]:
    """Keep the cyclic GC out of one large decode+parse (no await inside: no other task runs).

    Decoding a 500-pod page allocates ~100k dicts and lists; the allocation count triggers
    collections that traverse them again and again although decoded JSON has no cycles
    (measured: the GC cost more than the decode). Reference counting frees the document.
    """
    if not pause or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
