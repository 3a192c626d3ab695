"""The Kubernetes API stand-in: an aiohttp server on 127.0.0.1 speaking list/watch.

Enough of the real protocol for kubernetes_asyncio and our reflector to run unchanged:
bearer-token auth (401 Status otherwise), lists with `limit`/`continue` (tokens expire with
compaction: 410), watches streaming one JSON event per line from a resourceVersion
(ADDED/MODIFIED/DELETED, BOOKMARK when allowed, `timeoutSeconds`), 410 for a compacted
version (as HTTP status or as an `ERROR` event, see `gone_as`), and metadata-only answers
(PartialObjectMetadata[List]) when the Accept header asks for them.

And misbehaviour on demand: raw item bytes spliced into list pages (`raw_items`), raw
watch lines, and watches answered by a 410 every time or ended after one line
(`misbehaving`).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from aiohttp import web

from tests.kubeapi.render import (
    bookmark,
    event_line,
    list_body,
    status_body,
    wants_metadata,
)
from tests.kubeapi.state import RESOURCES, ClusterState, Obj, Resource, Watcher, WatchEvent

Misbehaviour = Literal["gone-http", "gone-event", "one-line"]


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request as the stand-in saw it."""

    resource: str
    watch: bool
    query: Mapping[str, str]
    accept: str
    status: int
    user_agent: str = ""


class KubeApiServer:
    """HTTP front of a `ClusterState`; see `KubeApiStandIn` for the test-facing API."""

    def __init__(self, state: ClusterState, token: str) -> None:
        self.state = state
        self.token = token
        self.gone_as: Literal["http", "event"] = "http"
        self.requests: list[RequestRecord] = []
        self.changed = asyncio.Condition()
        self._failures: list[tuple[int, str | None]] = []
        self._snapshots: dict[str, list[Obj]] = {}
        self._ids = itertools.count(1)
        self.on_request: Callable[[RequestRecord], None] | None = None
        self.raw_items: dict[str, list[bytes]] = {}
        self.misbehaving: dict[str | None, Misbehaviour] = {}

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/api/v1/{resource}", self._handle)
        app.router.add_get("/apis/apps/v1/{resource}", self._handle)
        app.router.add_get("/apis/batch/v1/{resource}", self._handle)
        return app

    def fail_next(self, count: int, status: int = 500, resource: str | None = None) -> None:
        self._failures.extend([(status, resource)] * count)

    async def notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        resource = RESOURCES.get(request.match_info["resource"])
        if resource is None or not request.path.startswith(resource.prefix + "/"):
            return _status(404, "NotFound", f"the server could not find {request.path}")
        watch = _flag(request.query.get("watch"))
        status = self._precheck(request, resource)
        record = RequestRecord(
            resource.name,
            watch,
            dict(request.query),
            request.headers.get("Accept", ""),
            status,
            request.headers.get("User-Agent", ""),
        )
        self.requests.append(record)
        if self.on_request is not None:
            self.on_request(record)
        await self.notify()
        if status == 401:
            return _status(401, "Unauthorized", "Unauthorized")
        if status:
            return _status(status, "InternalError", f"injected failure {status}")
        metadata_only = wants_metadata(record.accept, watch)
        if watch:
            return await self._watch(request, resource, metadata_only)
        return self._list(request, resource, metadata_only)

    def _precheck(self, request: web.Request, resource: Resource) -> int:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return 401
        for index, (status, only) in enumerate(self._failures):
            if only is None or only == resource.name:
                del self._failures[index]
                return status
        return 0

    def _list(self, request: web.Request, resource: Resource, metadata_only: bool) -> web.Response:
        limit = int(request.query.get("limit", "0") or 0)
        token = request.query.get("continue")
        if token:
            snapshot_id, offset, rv = _decode_token(token)
            if self.state.too_old(rv) or snapshot_id not in self._snapshots:
                return _status(410, "Expired", "The provided continue parameter is too old")
            items = self._snapshots[snapshot_id]
        else:
            snapshot_id, offset, rv = str(next(self._ids)), 0, self.state.rv
            items = self.state.sorted_objects(resource.name)
            self._snapshots[snapshot_id] = items
        end = offset + limit if limit else len(items)
        next_token = _encode_token(snapshot_id, end, rv) if end < len(items) else ""
        body = orjson.dumps(list_body(resource, items[offset:end], rv, next_token, metadata_only))
        raw = self.raw_items.get(resource.name)
        if raw and not token:  # on the first page: `items` is the body's last member
            body = body[:-2] + (b"" if body.endswith(b"[]}") else b",") + b",".join(raw) + b"]}"
        return web.Response(body=body, content_type="application/json")

    async def _watch(
        self, request: web.Request, resource: Resource, metadata_only: bool
    ) -> web.StreamResponse:
        misbehaviour = self.misbehaving.get(resource.name, self.misbehaving.get(None))
        if misbehaviour is not None:
            return await self._misbehave(request, resource, misbehaviour)
        rv_text = request.query.get("resourceVersion", "")
        since = int(rv_text) if rv_text not in ("", "0") else None
        if since is not None and self.state.too_old(since) and self.gone_as == "http":
            return _status(410, "Expired", f"too old resource version: {since}")
        watcher = Watcher(resource.name, _flag(request.query.get("allowWatchBookmarks")))
        if since is None:
            backlog = [
                WatchEvent(self.state.rv, resource.name, "ADDED", obj)
                for obj in self.state.sorted_objects(resource.name)
            ]
        elif self.state.too_old(since):
            backlog, watcher.queue = [], _gone_queue()
        else:
            backlog = self.state.events_since(resource.name, since)
        self.state.watchers.add(watcher)
        await self.notify()
        try:
            return await self._stream(request, resource, watcher, backlog, metadata_only)
        finally:
            self.state.watchers.discard(watcher)
            await self.notify()

    async def _misbehave(
        self, request: web.Request, resource: Resource, misbehaviour: Misbehaviour
    ) -> web.StreamResponse:
        """A watch refused with 410 at once (HTTP or ERROR event), or ended after one line."""
        if misbehaviour == "gone-http":
            return _status(410, "Expired", "too old resource version")
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        if misbehaviour == "gone-event":
            error = status_body(410, "Expired", "too old resource version")
            line = orjson.dumps({"type": "ERROR", "object": error})
        else:
            line = orjson.dumps(bookmark(resource, self.state.rv, False))
        with contextlib.suppress(ConnectionError):
            await response.write(line + b"\n")
        await _finish(response)
        return response

    async def _stream(
        self,
        request: web.Request,
        resource: Resource,
        watcher: Watcher,
        backlog: list[WatchEvent],
        metadata_only: bool,
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        timeout = float(request.query.get("timeoutSeconds", "0") or 0) or None
        line: Callable[[WatchEvent], bytes] = lambda e: event_line(e, resource, metadata_only)  # noqa: E731
        try:
            for event in backlog:
                await response.write(line(event))
            async with asyncio.timeout(timeout):
                await self._pump(response, resource, watcher, line, metadata_only)
        except (TimeoutError, ConnectionError):
            pass  # timeoutSeconds elapsed, or the client went away
        await _finish(response)
        return response

    async def _pump(
        self,
        response: web.StreamResponse,
        resource: Resource,
        watcher: Watcher,
        line: Callable[[WatchEvent], bytes],
        metadata_only: bool,
    ) -> None:
        while True:
            message = await watcher.queue.get()
            if isinstance(message, WatchEvent):
                await response.write(line(message))
            elif isinstance(message, bytes):
                await response.write(message + b"\n")
            elif message == "bookmark":
                if watcher.bookmarks:
                    body = bookmark(resource, self.state.rv, metadata_only)
                    await response.write(orjson.dumps(body) + b"\n")
            elif message == "gone":
                error = status_body(410, "Expired", "too old resource version")
                await response.write(orjson.dumps({"type": "ERROR", "object": error}) + b"\n")
                return
            else:  # "close"
                return


def _flag(value: str | None) -> bool:
    """A boolean query parameter, parsed as the API server does (Go's strconv.ParseBool)."""
    return value in ("1", "t", "T", "true", "TRUE", "True")


def _gone_queue() -> asyncio.Queue[WatchEvent | str | bytes]:
    queue: asyncio.Queue[WatchEvent | str | bytes] = asyncio.Queue()
    queue.put_nowait("gone")
    return queue


async def _finish(response: web.StreamResponse) -> None:
    with contextlib.suppress(ConnectionError):
        await response.write_eof()


def _status(code: int, reason: str, message: str) -> web.Response:
    body = orjson.dumps(status_body(code, reason, message))
    return web.Response(status=code, body=body, content_type="application/json")


def _encode_token(snapshot_id: str, offset: int, rv: int) -> str:
    raw = orjson.dumps({"id": snapshot_id, "offset": offset, "rv": rv})
    return base64.urlsafe_b64encode(raw).decode()


def _decode_token(token: str) -> tuple[str, int, int]:
    data: dict[str, Any] = orjson.loads(base64.urlsafe_b64decode(token))
    return str(data["id"]), int(data["offset"]), int(data["rv"])
