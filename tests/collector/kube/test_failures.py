"""Failures are logged with the resource and retried with backoff; the reflector never ends."""

from __future__ import annotations

import pytest
from kubernetes_asyncio.client import ApiClient

from k8smeta.collector.kube.config import api_client_for
from k8smeta.collector.kube.kinds import KINDS
from k8smeta.collector.kube.reflector import Reflector
from k8smeta.collector.kube.transport import Transport
from k8smeta.collector.model import BatchQueue, Kind
from k8smeta.collector.ops.metrics import CollectorMetrics
from tests.collector.kube.conftest import FAST, next_batch
from tests.collector.kube.running import error_log, running
from tests.kubeapi import objects
from tests.kubeapi.standin import KubeApiStandIn


def reflector(client: ApiClient, metrics: CollectorMetrics) -> Reflector:
    return Reflector(KINDS[Kind.POD], Transport(client), metrics, FAST)


def sample(metrics: CollectorMetrics, metric: str, **labels: str) -> float:
    value = metrics.registry.get_sample_value(f"meta_collector_{metric}", labels)
    return 0.0 if value is None else value


@pytest.mark.asyncio
async def test_unauthorized_is_logged_and_retried_until_the_token_is_fixed(
    api: KubeApiStandIn, client: ApiClient, metrics: CollectorMetrics, queue: BatchQueue
) -> None:
    api.add(objects.pod("web"))
    api.token = "rotated"  # the client still sends the old one
    with error_log() as errors:
        async with running(reflector(client, metrics), queue):
            await errors.wait(2)
            api.token = "test-token"
            batch = await next_batch(queue)
    assert batch.synced is Kind.POD
    assert len(batch.changes) == 1
    assert all("list pods failed: HTTP 401: Unauthorized" in m for m in errors.messages)
    statuses = [r.status for r in api.requests_for("pods", watch=False)]
    assert statuses[:2] == [401, 401]
    assert statuses[-1] == 0
    assert sample(metrics, "relists_total", kind="Pod", reason="error") == len(statuses) - 1


@pytest.mark.parametrize("status", [500, 503, 403])
@pytest.mark.asyncio
async def test_list_errors_are_retried(
    api: KubeApiStandIn,
    client: ApiClient,
    metrics: CollectorMetrics,
    queue: BatchQueue,
    status: int,
) -> None:
    api.fail_next(3, status, "pods")
    with error_log() as errors:
        async with running(reflector(client, metrics), queue):
            batch = await next_batch(queue)
    assert batch.synced is Kind.POD
    assert len(errors.messages) == 3
    assert f"HTTP {status}" in errors.messages[0]
    assert sample(metrics, "relists_total", kind="Pod", reason="error") == 3
    assert sample(metrics, "relists_total", kind="Pod", reason="initial") == 1


@pytest.mark.asyncio
async def test_watch_errors_rewatch_from_the_same_version_without_relist(
    api: KubeApiStandIn, client: ApiClient, metrics: CollectorMetrics, queue: BatchQueue
) -> None:
    with error_log() as errors:
        async with running(reflector(client, metrics), queue):
            await next_batch(queue)
            await api.wait_for(lambda: api.watchers("pods") == 1)
            api.fail_next(2, 500, "pods")
            api.close_watches("pods")
            await errors.wait(2)
            api.add(objects.pod("web"))
            added = await next_batch(queue)
    assert added.changes[0].obj.meta.name == "web"
    watches = api.requests_for("pods", watch=True)
    assert [r.status for r in watches] == [0, 500, 500, 0]
    assert len({r.query["resourceVersion"] for r in watches}) == 1
    assert len(api.requests_for("pods", watch=False)) == 1
    assert "watch pods failed: HTTP 500" in errors.messages[0]
    assert sample(metrics, "watch_restarts_total", kind="Pod") == 3


@pytest.mark.asyncio
async def test_connection_refused_is_retried_and_never_ends_the_reflector(
    metrics: CollectorMetrics, queue: BatchQueue
) -> None:
    async with KubeApiStandIn() as gone:
        url = gone.url  # the port is closed once the stand-in stops
    client = api_client_for(url, "test-token")
    try:
        with error_log() as errors:
            async with running(reflector(client, metrics), queue) as task:
                await errors.wait(3)
                assert not task.done()
    finally:
        await client.close()
    # connection refused (aiohttp's ClientConnectorError), named with the resource
    assert all(m.startswith("list pods failed: ") for m in errors.messages)
    assert "ClientConnectorError" in errors.messages[0]
    assert queue.empty()


@pytest.mark.asyncio
async def test_a_kind_beyond_upstreams_that_rbac_forbids_does_not_hold_readiness(
    api: KubeApiStandIn,
    client: ApiClient,
    metrics: CollectorMetrics,
    queue: BatchQueue,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A ClusterRole from before StatefulSets were served: the kind counts as synced
    (empty) at the first 403, with one WARN naming the rule; the lists go on and serve the
    objects once the rule is granted."""
    api.add(objects.workload("StatefulSet", "redis", uid="sts-1"))
    api.fail_next(3, 403, "statefulsets")
    source = Reflector(KINDS[Kind.STATEFUL_SET], Transport(client), metrics, FAST)
    with error_log() as errors, caplog.at_level("WARNING", logger="k8smeta.collector.kube"):
        async with running(source, queue):
            empty = await next_batch(queue)
            served = await next_batch(queue)
    assert (empty.synced, empty.changes) == (Kind.STATEFUL_SET, ())
    assert served.synced is None
    assert [c.obj.uid for c in served.changes] == ["sts-1"]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [
        "list statefulsets forbidden: the collector's ClusterRole lacks get/list/watch on "
        "statefulsets; StatefulSet metadata is not served until it is granted "
        "(deploy/collector/rbac.yaml)"
    ]
    assert len(errors.messages) == 3  # each refused list is still an ERROR with its status
