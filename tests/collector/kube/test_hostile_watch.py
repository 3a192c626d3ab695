"""Watch bodies no API server should send: each bad line is skipped with a WARN (an ERROR
event with no Status ends the watch with an ERROR log), the reflector re-watches, and the
next good event still arrives (it never ends)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import orjson
import pytest
import pytest_asyncio
from aiohttp import web

from k8smeta.collector.kube.config import api_client_for
from k8smeta.collector.kube.kinds import KINDS
from k8smeta.collector.kube.reflector import Reflector
from k8smeta.collector.kube.transport import Transport
from k8smeta.collector.model import BatchQueue, ChangeType, Kind
from k8smeta.collector.ops.metrics import CollectorMetrics
from tests.collector.kube.conftest import FAST, next_batch
from tests.collector.kube.running import error_log, running
from tests.kubeapi import objects

BAD_LINES = [
    b"{not json",
    b'["a", "list"]',
    b'"a string"',
    b'{"type": "WHATEVER", "object": {}}',
    b'{"type": 7}',
    b'{"object": {"metadata": {}}}',
    b'{"type": "ERROR", "object": "not a status"}',
    b'{"type": "ADDED", "object": {"metadata": {"uid": 5, "name": ["x"]}}}',
    b"\xff\xfe\x00garbage",
]


class HostileApi:
    """Lists one pod; watch number k (k < len(BAD_LINES)) sends bad line k and ends, the
    next one sends a good ADDED event and holds the stream open."""

    def __init__(self) -> None:
        self.watches = 0
        self.lists: list[str] = []
        self._stop = asyncio.Event()

    async def pods(self, request: web.Request) -> web.StreamResponse:
        if "watch" not in request.query:
            self.lists.append(request.query_string)
            listed = objects.pod("first", uid="uid-first")
            body = {"kind": "PodList", "metadata": {"resourceVersion": "1"}, "items": [listed]}
            return web.json_response(body)
        index, self.watches = self.watches, self.watches + 1
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        if index < len(BAD_LINES):
            await response.write(BAD_LINES[index] + b"\n")
            return response  # a watch that ends normally is re-watched too
        good = objects.pod("second", uid="uid-second")
        good["metadata"]["resourceVersion"] = "2"
        await response.write(orjson.dumps({"type": "ADDED", "object": good}) + b"\n")
        await asyncio.wait_for(self._stop.wait(), 30)
        return response

    def stop(self) -> None:
        self._stop.set()


@pytest_asyncio.fixture
async def hostile() -> AsyncIterator[tuple[HostileApi, str]]:
    api = HostileApi()
    app = web.Application()
    app.router.add_get("/api/v1/pods", api.pods)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield api, f"http://127.0.0.1:{port}"
    finally:
        api.stop()
        await runner.cleanup()


@pytest.mark.asyncio
async def test_bad_watch_lines_never_end_the_reflector(
    hostile: tuple[HostileApi, str], metrics: CollectorMetrics, queue: BatchQueue
) -> None:
    api, url = hostile
    client = api_client_for(url, "token")
    try:
        reflector = Reflector(KINDS[Kind.POD], Transport(client), metrics, FAST)
        with error_log() as errors:
            async with running(reflector, queue) as task:
                listed = await next_batch(queue)
                added = await next_batch(queue)
                assert not task.done()
    finally:
        await client.close()
    assert listed.synced is Kind.POD
    assert [c.obj.meta.name for c in listed.changes] == ["first"]
    assert [(c.type, c.obj.meta.name) for c in added.changes] == [(ChangeType.ADDED, "second")]
    assert api.watches == len(BAD_LINES) + 1
    assert [m.split(";")[0] for m in errors.messages] == [
        "watch pods failed: HTTP 500: watch ERROR event"
    ]
    assert reflector.skipped == len(BAD_LINES) - 1  # all but the ERROR event: WARNING
    assert len(api.lists) == 1  # no bad line forced a relist
    assert set(reflector.objects()) == {"uid-first", "uid-second"}
