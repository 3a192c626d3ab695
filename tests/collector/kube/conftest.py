"""Fixtures: a running API stand-in, a real kubernetes_asyncio client for it, a queue."""

from __future__ import annotations

import asyncio
import random

import pytest
from kubernetes_asyncio.client import ApiClient
from prometheus_client import CollectorRegistry

from k8smeta.collector.kube.policy import ReflectorPolicy
from k8smeta.collector.model import Batch, BatchQueue
from k8smeta.collector.ops.metrics import CollectorMetrics
from tests.kubeapi.fixtures import kube_api, kube_client  # noqa: F401
from tests.kubeapi.standin import KubeApiStandIn

# Short delays so that retries and re-watches are fast in tests; the timeouts stay long.
FAST = ReflectorPolicy(page_limit=3, backoff_initial=0.01, backoff_max=0.05, rng=random.Random(7))


@pytest.fixture
def api(kube_api: KubeApiStandIn) -> KubeApiStandIn:  # noqa: F811 (pytest injects it)
    """The stand-in's own fixture, under the short name these tests use."""
    return kube_api


@pytest.fixture
def client(kube_client: ApiClient) -> ApiClient:  # noqa: F811 (pytest injects it)
    return kube_client


@pytest.fixture
def metrics() -> CollectorMetrics:
    return CollectorMetrics(CollectorRegistry())


@pytest.fixture
def queue() -> BatchQueue:
    return asyncio.Queue()


async def next_batch(queue: BatchQueue, timeout: float = 15.0) -> Batch:
    """The next batch, or a test failure after `timeout` seconds."""
    async with asyncio.timeout(timeout):
        return await queue.get()
