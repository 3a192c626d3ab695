"""The running parts: the API stand-in feeding an in-process collector on 127.0.0.1, and
libk8smeta.so loaded in the Falco stand-in (`k8smeta.falcosim`) subscribed to it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from k8smeta.collector.app import Collector, CollectorConfig, ListenError
from k8smeta.collector.kube.policy import ReflectorPolicy
from k8smeta.collector.kube.source import KubeSource
from k8smeta.collector.model import Kind
from k8smeta.collector.ops.metrics import CollectorMetrics
from k8smeta.collector.rpc.server import TlsConfig
from k8smeta.falcosim import Host
from tests.interop.event_thread import EventThread
from tests.kubeapi.standin import KubeApiStandIn

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "build" / "libk8smeta.so"
NODE = "node-a"
TIMEOUT = 10.0
POLICY = ReflectorPolicy(backoff_initial=0.01, backoff_max=0.05, rng=random.Random(11))


def library() -> Path:
    """build/libk8smeta.so (skipped when not built outside CI)."""
    if not LIBRARY.exists():
        if os.environ.get("CI"):
            pytest.fail("build/libk8smeta.so is missing: CI must run `make plugin` first")
        pytest.skip("build/libk8smeta.so is not built: run `make plugin`")
    return LIBRARY


def _watch_requests(api: KubeApiStandIn) -> int:
    return sum(1 for request in api.requests if request.watch)


@contextlib.asynccontextmanager
async def collector_over(
    api: KubeApiStandIn,
    port: int = 0,
    tls: TlsConfig | None = None,
    pod_annotations: frozenset[str] = frozenset(),
) -> AsyncIterator[Collector]:
    """A collector watching the stand-in, gRPC on 127.0.0.1:`port` (0: any), forwarding
    `pod_annotations`; listed."""
    loopback = "127.0.0.1:0"
    config = CollectorConfig(
        broker_bind=f"127.0.0.1:{port}", metrics_bind=loopback, health_bind=loopback, tls=tls
    )
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while True:
        metrics = CollectorMetrics(CollectorRegistry())
        client = api.client()
        source = KubeSource(client, metrics, policy=POLICY, pod_annotations=pod_annotations)
        collector = Collector(config, [source], metrics)
        watches_before = _watch_requests(api)
        try:
            await collector.start()
            break
        except ListenError:
            await client.close()
            # A restart on the port just released: the kernel may still hand it to a
            # reconnecting client as its own source port for a moment; retry, bounded.
            if port == 0 or asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.1)
    try:  # listed when each kind's watch has started, and the lists are applied
        await api.wait_for(lambda: _watch_requests(api) - watches_before >= len(Kind), TIMEOUT)
        await asyncio.wait_for(collector.wait_idle(), TIMEOUT)
        yield collector
    finally:
        await collector.stop()
        await client.close()


@contextlib.contextmanager
def plugin_for(port: int, node: str = NODE, **extra: str) -> Iterator[Host]:
    """libk8smeta.so initialised for `node` against 127.0.0.1:`port` (more init-config keys
    in `extra`), async handler set."""
    host = Host(library())
    config = {"collectorHostname": "127.0.0.1", "collectorPort": port, "nodeName": node, **extra}
    try:
        error = host.init(json.dumps(config))
        assert error is None, error
        assert host.set_async_handler(True) == 0
        yield host
    finally:
        host.destroy()


@contextlib.asynccontextmanager
async def plugin_events(port: int, node: str = NODE, **extra: str) -> AsyncIterator[EventThread]:
    """`plugin_for` as the event thread of an async test."""
    with plugin_for(port, node, **extra) as host:
        yield EventThread(host)
