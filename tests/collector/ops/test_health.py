"""Liveness and readiness values (docs/configuration.md) and their HTTP endpoints."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import aiohttp
import pytest
from prometheus_client import CollectorRegistry

from k8smeta.collector.model import Kind
from k8smeta.collector.ops.address import AddressError, BindAddress, parse_bind_address
from k8smeta.collector.ops.health import HealthState
from k8smeta.collector.ops.http import metrics_app, probes_app, start_http
from k8smeta.collector.ops.metrics import CollectorMetrics


@dataclass
class FakePipeline:
    """The pipeline's two observable fields (a value, not a mock of behaviour)."""

    synced: set[Kind] = field(default_factory=set)
    last_progress: float = 0.0


@pytest.mark.parametrize(
    ("synced", "serving", "shutting_down", "problems"),
    [
        (set(), True, False, ["not synced: Namespace, Pod"]),
        ({Kind.POD}, True, False, ["not synced: Namespace"]),
        ({Kind.POD, Kind.NAMESPACE}, False, False, ["gRPC server not serving"]),
        ({Kind.POD, Kind.NAMESPACE}, True, False, []),
        ({Kind.POD, Kind.NAMESPACE}, True, True, ["shutting down"]),
    ],
)
def test_readiness(
    synced: set[Kind], serving: bool, shutting_down: bool, problems: list[str]
) -> None:
    state = HealthState(frozenset({Kind.POD, Kind.NAMESPACE}), FakePipeline(synced))
    state.serving, state.shutting_down = serving, shutting_down
    assert state.readiness() == problems


@pytest.mark.parametrize(
    ("pending", "idle_for", "alive"),
    [(0, 1000.0, True), (5, 10.0, True), (5, 31.0, False)],
)
def test_liveness_tracks_pipeline_progress(pending: int, idle_for: float, alive: bool) -> None:
    state = HealthState(
        frozenset(),
        FakePipeline(last_progress=100.0),
        lambda: pending,
        clock=lambda: 100 + idle_for,
    )
    assert (state.liveness() == []) is alive


@pytest.mark.asyncio
async def test_liveness_reports_ended_tasks() -> None:
    async def boom() -> None:
        raise RuntimeError("source failed")

    task = asyncio.create_task(boom())
    await asyncio.gather(task, return_exceptions=True)
    state = HealthState(tasks={"source-0": task})
    assert state.liveness() == ["task source-0 ended"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (":45000", BindAddress(None, 45000)),
        ("127.0.0.1:0", BindAddress("127.0.0.1", 0)),
        ("[::1]:8080", BindAddress("::1", 8080)),
    ],
)
def test_bind_addresses(text: str, expected: BindAddress) -> None:
    assert parse_bind_address(text) == expected


@pytest.mark.parametrize("text", ["45000", ":http", ":70000", ""])
def test_bad_bind_addresses(text: str) -> None:
    with pytest.raises(AddressError):
        parse_bind_address(text)


def test_grpc_targets() -> None:
    assert BindAddress(None, 1).grpc_target == "[::]:1"
    assert BindAddress("::1", 2).grpc_target == "[::1]:2"
    assert BindAddress("127.0.0.1", 3).grpc_target == "127.0.0.1:3"


@pytest.mark.asyncio
async def test_http_endpoints() -> None:
    state = HealthState(frozenset({Kind.POD}), FakePipeline())
    metrics = CollectorMetrics(CollectorRegistry())
    metrics.server_subscribers.set(100)
    probes = await start_http(probes_app(state), "127.0.0.1:0")
    exposition = await start_http(metrics_app(metrics.registry), "127.0.0.1:0")
    try:
        async with aiohttp.ClientSession() as session:
            base = f"http://127.0.0.1:{probes.port}"
            async with session.get(f"{base}/readyz") as response:
                assert (response.status, await response.text()) == (
                    503,
                    "not synced: Pod\ngRPC server not serving\n",
                )
            state.serving = True
            state.pipeline.synced.add(Kind.POD)  # type: ignore[union-attr]
            async with session.get(f"{base}/readyz") as response:
                assert response.status == 200
            async with session.get(f"{base}/healthz") as response:
                assert (response.status, await response.text()) == (200, "ok\n")
            async with session.get(f"http://127.0.0.1:{exposition.port}/metrics") as response:
                text = await response.text()
                assert response.content_type == "text/plain"
                assert "\nmeta_collector_server_subscribers 100\n" in text
                assert 'meta_collector_subscriber_queue_depth_bucket{le="+Inf"} 0\n' in text
    finally:
        await probes.stop()
        await exposition.stop()
