"""One paginated list's pages, the next one requested while the current one is read.

A list of 150,000 pods is 300 pages of 500; fetched strictly in turn, the client decodes
while the API server idles and the server encodes while the client idles. The continue token
sits in a page's head, before its items (`KindDecoder.continue_token`), so the next page is
asked for as soon as the current page's first bytes arrive, and the server encodes it while
the client reads and decodes the current one. The requests are the same, in the same order,
as without read-ahead: one page ahead at most, for the token the current page names; a page
read ahead under another token than its predecessor names once decoded is dropped. Like
client-go's pager buffering pages in a goroutine, but one page deep.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Iterator

from k8smeta.collector.kube.decode import KindDecoder, Page
from k8smeta.collector.kube.kinds import KindInfo
from k8smeta.collector.kube.transport import Transport

_GC_PAUSE_BYTES = 256 * 2**10


class _Fetch:
    """One page request in flight, and the continue token its head names (once known)."""

    def __init__(self, pager: Pager, token: str) -> None:
        self.token = token
        self.following: str | None = None
        self.body: bytes | None = None
        self.task = asyncio.create_task(pager.fetch(self))

    async def take(self) -> bytes:
        """The page's body, handed over once: neither this fetch nor its task keeps it, so
        it is freed as soon as it is decoded (a 500-pod page of the real API server is
        5.5 MB; a task's result would hold it until the next page is asked for)."""
        await self.task
        body, self.body = self.body, None
        assert body is not None
        return body


class Pager:
    """Pages of one list, by continue token; `close()` drops a page read ahead."""

    def __init__(
        self,
        transport: Transport,
        info: KindInfo,
        limit: int,
        decoder: KindDecoder | None = None,
    ) -> None:
        """`decoder`: the kind's (the reflector's, which knows the kept pod annotations)."""
        self._transport = transport
        self._info = info
        self._limit = limit
        self._decoder = decoder if decoder is not None else KindDecoder(info)
        self._current: _Fetch | None = None
        self._ahead: _Fetch | None = None

    async def page(self, token: str) -> Page:
        """The page at `token` ("" = the first); ApiError as a request would raise it."""
        current = self._ahead if self._ahead is not None and self._ahead.token == token else None
        if current is None:
            self.close()
            current = _Fetch(self, token)
        self._ahead, self._current = None, current
        self._read_ahead(current)
        body = await current.take()
        with _gc_paused(len(body) >= _GC_PAUSE_BYTES):
            page = self._decoder.page(body)
        del body
        if current.following is not None and page.token != current.following:
            self.close()  # the head named another token than the page: ask afresh
        return page

    def close(self) -> None:
        """Cancel the request read ahead, if any (its outcome no longer matters)."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            ahead.task.cancel()
            ahead.task.add_done_callback(_consume)

    async def fetch(self, fetch: _Fetch) -> None:
        """Reads `fetch`'s page into `fetch.body` (run as its task); notes the next token
        from its head."""
        query: list[tuple[str, str | int]] = [("limit", self._limit)]
        if fetch.token:
            query.append(("continue", fetch.token))
        info = self._info

        def on_head(head: bytes) -> None:
            fetch.following = self._decoder.continue_token(head)
            if fetch is self._current:
                self._read_ahead(fetch)

        fetch.body = await self._transport.read(info.path, query, info.list_accept, on_head)

    def _read_ahead(self, fetch: _Fetch) -> None:
        if fetch.following and self._ahead is None:
            self._ahead = _Fetch(self, fetch.following)


def _consume(task: asyncio.Task[None]) -> None:
    """Retrieve a dropped request's outcome, so that asyncio does not log it as lost."""
    with contextlib.suppress(BaseException):
        task.result()


@contextlib.contextmanager
def _gc_paused(pause: bool) -> Iterator[None]:
    """Keep the cyclic GC out of one large decode (no await inside: no other task runs).

    The general path allocates ~100k dicts and lists per 500-pod page; the allocation count
    triggers collections that traverse them again and again although decoded JSON has no
    cycles (measured: the GC cost more than the decode). Reference counting frees them.
    """
    if not pause or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
