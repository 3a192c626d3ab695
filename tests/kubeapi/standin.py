"""`KubeApiStandIn`: start/stop the stand-in server and drive it from a test."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Literal

import orjson
from aiohttp import web
from kubernetes_asyncio.client import ApiClient

from k8smeta.collector.kube.config import api_client_for
from tests.kubeapi.server import KubeApiServer, Misbehaviour, RequestRecord
from tests.kubeapi.state import RESOURCE_BY_KIND, ClusterState, Obj


class KubeApiStandIn:
    """A Kubernetes API on 127.0.0.1 with a Python control API.

    Use as `async with KubeApiStandIn() as api:`; `api.url` and `api.token` configure a real
    client (`api.client()` builds one). Mutations fill uid and resourceVersion and reach open
    watches at once.
    """

    def __init__(self, token: str = "test-token", *, port: int = 0) -> None:
        self.state = ClusterState()
        self._port = port
        self._server = KubeApiServer(self.state, token)
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def __aenter__(self) -> KubeApiStandIn:
        self._runner = web.AppRunner(self._server.app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._port)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.state.signal("close")
        if self._runner is not None:
            await self._runner.cleanup()

    def client(self, token: str | None = None) -> ApiClient:
        """A kubernetes_asyncio ApiClient for this server (the caller closes it)."""
        return api_client_for(self.url, self.token if token is None else token)

    # --- protocol knobs -------------------------------------------------------------------
    @property
    def token(self) -> str:
        return self._server.token

    @token.setter
    def token(self, value: str) -> None:
        self._server.token = value

    @property
    def gone_as(self) -> Literal["http", "event"]:
        """How a watch from a compacted version is refused: HTTP 410, or an ERROR event."""
        return self._server.gone_as

    @gone_as.setter
    def gone_as(self, value: Literal["http", "event"]) -> None:
        self._server.gone_as = value

    @property
    def requests(self) -> list[RequestRecord]:
        return self._server.requests

    # --- objects ------------------------------------------------------------------------
    def add(self, obj: Obj) -> Obj:
        return self.state.add(obj)

    def update(self, kind: str, namespace: str, name: str, mutate: Callable[[Obj], None]) -> Obj:
        return self.state.update(kind, namespace, name, mutate)

    def delete(self, kind: str, namespace: str, name: str) -> Obj:
        return self.state.delete(kind, namespace, name)

    def load_file(self, path: str | Path) -> int:
        """Add every object of a served kind from a kubectl `-o json` dump (a List or one
        object), keeping its uid; returns how many were added."""
        document = orjson.loads(Path(path).read_bytes())
        items = document["items"] if document.get("kind") == "List" else [document]
        served = [item for item in items if item.get("kind") in RESOURCE_BY_KIND]
        for item in served:
            self.add(item)
        return len(served)

    # --- faults and stream control ------------------------------------------------------
    def compact(self) -> None:
        """Forget history: older resourceVersions and continue tokens now get 410.

        A real API server (1.37) answers so only once neither etcd nor its watch cache holds
        that history: right after an etcd compaction its watch cache still serves older
        watches and continue tokens; after a restart (or once the cache's window has moved
        on) it refuses them (tests/collector/real/test_protocol.py)."""
        self.state.compact()

    def fail_next(self, count: int, status: int = 500, resource: str | None = None) -> None:
        """Answer the next `count` requests (for `resource`, or any) with `status`."""
        self._server.fail_next(count, status, resource)

    def on_request(self, hook: Callable[[RequestRecord], None] | None) -> None:
        """Call `hook` with each request as it arrives, before it is answered."""
        self._server.on_request = hook

    def close_watches(self, resource: str | None = None) -> int:
        """End open watch streams normally (as a timeout does); returns how many."""
        return self.state.signal("close", resource)

    def expire_watches(self, resource: str | None = None) -> int:
        """Send an `ERROR` event with Status code 410 on open watches, then end them."""
        return self.state.signal("gone", resource)

    def send_raw_line(self, resource: str, line: bytes) -> int:
        """Write `line` (any bytes, a newline added) on open watches of `resource`."""
        return self.state.signal(line, resource)

    def add_raw_item(self, resource: str, item: bytes) -> None:
        """Append `item` (any bytes) to the items of every first list page of `resource`."""
        self._server.raw_items.setdefault(resource, []).append(item)

    def misbehave(self, how: Misbehaviour | None, resource: str | None = None) -> None:
        """From now on, answer watches (of `resource`, or any) with 410 at once ("gone-http"
        as HTTP, "gone-event" as an ERROR event) or end them after one BOOKMARK line
        ("one-line"); None behaves again. Open watches are not touched."""
        if how is None:
            self._server.misbehaving.pop(resource, None)
        else:
            self._server.misbehaving[resource] = how

    def bookmark(self, resource: str | None = None) -> int:
        """Send a BOOKMARK with the current resourceVersion to watches that allow them."""
        return self.state.signal("bookmark", resource)

    # --- observation --------------------------------------------------------------------
    def watchers(self, resource: str | None = None) -> int:
        return sum(1 for w in self.state.watchers if resource in (None, w.resource))

    def requests_for(self, resource: str, *, watch: bool | None = None) -> list[RequestRecord]:
        return [r for r in self.requests if r.resource == resource and watch in (None, r.watch)]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 15.0) -> None:
        """Wait until `predicate()` holds; re-checked after every request and watch change."""
        async with asyncio.timeout(timeout), self._server.changed:
            await self._server.changed.wait_for(predicate)
