"""The operations HTTP servers: `/metrics` (Prometheus) and `/healthz`, `/readyz`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from k8smeta.collector.ops.address import parse_bind_address
from k8smeta.collector.ops.health import HealthState

# prometheus_client writes integral values as `100.0`; Go's client (upstream) writes `100`,
# and upstream's tooling greps the line `meta_collector_server_subscribers 100`.
_INTEGRAL = re.compile(rb"^([^#\n][^\n]* -?\d+)\.0$", re.MULTILINE)


def go_exposition(registry: CollectorRegistry) -> bytes:
    """The text exposition with integral sample values written as Go does."""
    return _INTEGRAL.sub(rb"\1", generate_latest(registry))


def _answer(problems: list[str]) -> web.Response:
    if problems:
        return web.Response(status=503, text="\n".join(problems) + "\n")
    return web.Response(text="ok\n")


def metrics_app(registry: CollectorRegistry) -> web.Application:
    async def metrics(_request: web.Request) -> web.Response:
        body = go_exposition(registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    return app


def probes_app(health: HealthState) -> web.Application:
    async def healthz(_request: web.Request) -> web.Response:
        return _answer(health.liveness())

    async def readyz(_request: web.Request) -> web.Response:
        return _answer(health.readiness())

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app


@dataclass(slots=True)
class HttpServer:
    """One aiohttp app on one bind address."""

    runner: web.AppRunner
    port: int

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start_http(app: web.Application, bind: str) -> HttpServer:
    """Serve `app` on `bind` (`:PORT` = every interface); access logs off."""
    address = parse_bind_address(bind)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, address.host, address.port)
    try:
        await site.start()
    except OSError:
        await runner.cleanup()
        raise
    sockname = runner.addresses[0]
    return HttpServer(runner, int(sockname[1]))
