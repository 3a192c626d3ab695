"""Composition root of the collector: sources -> queue -> pipeline -> broker -> servers.

`Collector.start()` opens the probe and metrics listeners (so /readyz answers 503 before
sync), the gRPC server, then the pipeline and source tasks. `stop()` is the graceful
shutdown (docs/collector-contract.md, "Stream"): /readyz 503, sources stopped, every
stream drains what it has queued and ends with UNAVAILABLE, all within `shutdown_grace`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import grpc
from prometheus_client import CollectorRegistry

from k8smeta.collector.broker import DEFAULT_QUEUE_SIZE, Broker
from k8smeta.collector.index import RelationshipIndex
from k8smeta.collector.model import BatchQueue, Kind, Source
from k8smeta.collector.ops.health import HealthState
from k8smeta.collector.ops.http import HttpServer, metrics_app, probes_app, start_http
from k8smeta.collector.ops.metrics import CollectorMetrics
from k8smeta.collector.pipeline import Pipeline
from k8smeta.collector.rpc.encode import EventEncoder
from k8smeta.collector.rpc.server import (
    Keepalive,
    ServerStartError,
    TlsConfig,
    start_grpc_server,
)
from k8smeta.collector.rpc.servicer import WatchServicer, lifecycle
from k8smeta.collector.views import ViewSet

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CollectorConfig:
    """Listeners and limits (defaults = upstream's ports, docs/configuration.md)."""

    broker_bind: str = ":45000"
    metrics_bind: str = ":8080"
    health_bind: str = ":8081"
    tls: TlsConfig | None = None
    queue_size: int = DEFAULT_QUEUE_SIZE
    keepalive: Keepalive = field(default_factory=Keepalive)
    shutdown_grace: float = 5.0


class ListenError(Exception):
    """A listener could not be opened: `listener` is "broker", "metrics" or "health"."""

    def __init__(self, listener: str, bind: str, reason: str) -> None:
        super().__init__(f"cannot listen on {bind}: {reason}")
        self.listener = listener
        self.bind = bind
        self.reason = reason


@contextlib.contextmanager
def _listening(listener: str, bind: str) -> Iterator[None]:
    """Turn the failure to open one listener into a ListenError naming it."""
    try:
        yield
    except ServerStartError as exc:
        raise ListenError(listener, bind, exc.reason) from exc
    except OSError as exc:
        reason = os.strerror(exc.errno).lower() if exc.errno else str(exc)
        raise ListenError(listener, bind, reason) from exc


class Collector:
    """One running collector; the parts are public for tests and benchmarks to observe."""

    def __init__(
        self,
        config: CollectorConfig,
        sources: Sequence[Source],
        metrics: CollectorMetrics | None = None,
    ) -> None:
        self.config = config
        self.sources = tuple(sources)
        self.metrics = metrics if metrics is not None else CollectorMetrics(CollectorRegistry())
        self.queue: BatchQueue = asyncio.Queue()
        self.index = RelationshipIndex()
        encoder = EventEncoder()
        self.views = ViewSet(self.index, encoder)
        self.broker = Broker(self.views, encoder.sync(), self.metrics, config.queue_size)
        kinds = frozenset(kind for source in self.sources for kind in source.kinds)
        self.pipeline = Pipeline(self.index, self.views, self.broker, self.metrics, expected=kinds)
        self.servicer = WatchServicer(self.broker, self.metrics)
        self.health = HealthState(kinds, self.pipeline, self.queue.qsize)
        self.grpc_port = self.metrics_port = self.health_port = 0
        self._grpc: grpc.aio.Server | None = None
        self._http: list[HttpServer] = []
        self._sources: list[asyncio.Task[None]] = []
        self._pipeline: asyncio.Task[None] | None = None

    @property
    def expected_kinds(self) -> frozenset[Kind]:
        return self.health.expected_kinds

    async def start(self) -> None:
        """Open the listeners, then start the pipeline and the sources."""
        try:
            await self._start_servers()
        except BaseException:
            await self._stop_servers(0.0)
            raise
        self._pipeline = asyncio.create_task(self.pipeline.run(self.queue), name="pipeline")
        self.health.tasks["pipeline"] = self._pipeline
        for number, source in enumerate(self.sources):
            task = asyncio.create_task(source.run(self.queue), name=f"source-{number}")
            self._sources.append(task)
            self.health.tasks[task.get_name()] = task

    async def _start_servers(self) -> None:
        config = self.config
        with _listening("health", config.health_bind):
            probes = await start_http(probes_app(self.health), config.health_bind)
        self._http.append(probes)
        self.health_port = probes.port
        with _listening("metrics", config.metrics_bind):
            exposition = await start_http(metrics_app(self.metrics.registry), config.metrics_bind)
        self._http.append(exposition)
        self.metrics_port = exposition.port
        lifecycle.info("starting grpc server", extra={"fields": {"addr": config.broker_bind}})
        with _listening("broker", config.broker_bind):
            self._grpc, self.grpc_port = await start_grpc_server(
                self.servicer, config.broker_bind, config.tls, config.keepalive
            )
        self.health.serving = True
        ports = {"grpc": self.grpc_port, "metrics": self.metrics_port, "health": self.health_port}
        log.info("listening", extra={"fields": ports})

    async def wait_idle(self) -> None:
        """Until every batch put so far has been applied and published (tests, benchmarks)."""
        await self.queue.join()

    def failed_task(self) -> asyncio.Task[None] | None:
        """A pipeline or source task that ended with an error, if any."""
        for task in (self._pipeline, *self._sources):
            if task is not None and task.done() and (task.cancelled() or task.exception()):
                return task
        return None

    async def stop(self) -> None:
        """Graceful shutdown within `shutdown_grace` seconds."""
        deadline = time.monotonic() + self.config.shutdown_grace
        self.health.shutting_down = True
        for task in self._sources:
            task.cancel()
        await asyncio.gather(*self._sources, return_exceptions=True)
        self.broker.close(drain=True)
        drain_budget = max(0.0, (deadline - time.monotonic()) / 2)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.servicer.wait_idle(), drain_budget)
        self.broker.close(drain=False)
        await self._stop_servers(max(0.0, deadline - time.monotonic()))
        if self._pipeline is not None:
            self._pipeline.cancel()
            await asyncio.gather(self._pipeline, return_exceptions=True)

    async def _stop_servers(self, grace: float) -> None:
        self.health.serving = False
        if self._grpc is not None:
            await self._grpc.stop(grace)
            self._grpc = None
        for server in reversed(self._http):
            await server.stop()
        self._http.clear()
