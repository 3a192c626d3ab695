"""Pytest fixtures for the stand-in; import them into a conftest to use them.

from tests.kubeapi.fixtures import kube_api, kube_client  # noqa: F401
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from kubernetes_asyncio.client import ApiClient

from tests.kubeapi.standin import KubeApiStandIn


@pytest_asyncio.fixture
async def kube_api() -> AsyncIterator[KubeApiStandIn]:
    """A running stand-in (token `test-token`), stopped after the test."""
    async with KubeApiStandIn() as stand_in:
        yield stand_in


@pytest_asyncio.fixture
async def kube_client(kube_api: KubeApiStandIn) -> AsyncIterator[ApiClient]:
    """A real kubernetes_asyncio ApiClient for `kube_api`, closed after the test."""
    client = kube_api.client()
    try:
        yield client
    finally:
        await client.close()
