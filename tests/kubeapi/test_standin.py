"""The stand-in speaks the Kubernetes protocol: checked with raw HTTP and with
kubernetes_asyncio's own typed API and Watch."""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson
import pytest
from kubernetes_asyncio import client as k8s
from kubernetes_asyncio import watch

from k8smeta.collector.kube.kinds import METADATA_LIST, METADATA_WATCH
from tests.kubeapi import objects
from tests.kubeapi.fixtures import kube_api, kube_client  # noqa: F401
from tests.kubeapi.standin import KubeApiStandIn


async def get(
    api: KubeApiStandIn, path: str, accept: str = "application/json", token: str = "test-token"
) -> tuple[int, Any]:
    headers = {"Accept": accept, "Authorization": f"Bearer {token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(api.url + path, headers=headers) as response,
    ):
        return response.status, orjson.loads(await response.read())


@pytest.mark.asyncio
async def test_auth_list_shapes_and_metadata_only(kube_api: KubeApiStandIn) -> None:  # noqa: F811
    ns = kube_api.add(objects.namespace("shop"))
    status, body = await get(kube_api, "/api/v1/namespaces", token="nope")
    assert (status, body["kind"], body["code"]) == (401, "Status", 401)
    status, body = await get(kube_api, "/api/v1/namespaces")
    assert (status, body["kind"], body["apiVersion"]) == (200, "NamespaceList", "v1")
    assert "kind" not in body["items"][0]
    assert body["items"][0]["spec"] == {"finalizers": ["kubernetes"]}
    assert body["metadata"]["resourceVersion"] == str(kube_api.state.rv)
    status, body = await get(kube_api, "/api/v1/namespaces", METADATA_LIST)
    assert (body["kind"], body["apiVersion"]) == ("PartialObjectMetadataList", "meta.k8s.io/v1")
    assert body["items"] == [
        {
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": ns["metadata"],
        }
    ]
    status, body = await get(kube_api, "/apis/apps/v1/pods")
    assert status == 404


@pytest.mark.asyncio
async def test_watch_stream_lines(kube_api: KubeApiStandIn) -> None:  # noqa: F811
    rv = kube_api.state.rv
    kube_api.add(objects.deployment("web"))
    kube_api.update("Deployment", "default", "web", lambda d: d["status"].update(replicas=3))
    kube_api.delete("Deployment", "default", "web")
    path = f"/apis/apps/v1/deployments?watch=1&resourceVersion={rv}&timeoutSeconds=60"
    headers = {"Accept": METADATA_WATCH, "Authorization": "Bearer test-token"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(kube_api.url + path, headers=headers) as response,
    ):
        lines = [orjson.loads(await response.content.readline()) for _ in range(3)]
    assert [e["type"] for e in lines] == ["ADDED", "MODIFIED", "DELETED"]
    assert {e["object"]["kind"] for e in lines} == {"PartialObjectMetadata"}
    versions = [int(e["object"]["metadata"]["resourceVersion"]) for e in lines]
    assert versions == sorted(versions)
    assert versions[-1] == kube_api.state.rv


@pytest.mark.asyncio
async def test_typed_client_and_watch_run_unchanged(
    kube_api: KubeApiStandIn,  # noqa: F811
    kube_client: k8s.ApiClient,  # noqa: F811
) -> None:
    for name in ("a", "b", "c"):
        kube_api.add(objects.pod(name, ip="10.0.0.7"))
    core = k8s.CoreV1Api(kube_client)
    first = await core.list_pod_for_all_namespaces(limit=2)
    rest = await core.list_pod_for_all_namespaces(limit=2, _continue=first.metadata._continue)
    names = [p.metadata.name for p in (*first.items, *rest.items)]
    assert names == ["a", "b", "c"]
    assert first.items[0].status.pod_ip == "10.0.0.7"
    kube_api.delete("Pod", "default", "b")
    kube_api.compact()
    stream = watch.Watch().stream(
        core.list_pod_for_all_namespaces, resource_version=rest.metadata.resource_version
    )
    with pytest.raises(k8s.ApiException) as gone:
        async for _ in stream:
            pass
    assert gone.value.status == 410
