"""The benchmark cluster: the shape it promises, realistic pods, and a bulk load that stores
what adding the objects one by one stores."""

from __future__ import annotations

from collections import Counter

import orjson
import pytest

from tests.kubeapi import objects
from tests.kubeapi.fixtures import kube_api  # noqa: F401
from tests.kubeapi.scale import ClusterShape, cluster
from tests.kubeapi.standin import KubeApiStandIn
from tests.kubeapi.state import ClusterState

SHAPE = ClusterShape(pods=300, nodes=40, namespaces=5, per_namespace=2)


def test_the_cluster_has_the_promised_shape() -> None:
    items = list(cluster(SHAPE))
    kinds = Counter(item["kind"] for item in items)
    assert kinds == {
        "Namespace": 6,
        "Deployment": 10,
        "ReplicaSet": 10,
        "Service": 10,
        "DaemonSet": 2,
        "Pod": 300,
    }
    uids = {item["metadata"]["uid"] for item in items}
    assert len(uids) == len(items)
    pods = [item for item in items if item["kind"] == "Pod"]
    assert len({p["spec"]["nodeName"] for p in pods}) == SHAPE.nodes
    assert len({p["status"]["podIP"] for p in pods}) == len(pods)
    for pod in pods:  # every owner is in the cluster, before its pods
        (ref,) = pod["metadata"]["ownerReferences"]
        assert ref["uid"] in uids
        assert pod["metadata"]["labels"]
        assert pod["metadata"]["generateName"] == ref["name"] + "-"


def test_pods_are_as_large_and_complete_as_the_builders_make_them() -> None:
    pod = next(item for item in cluster(SHAPE) if item["kind"] == "Pod")
    built = objects.pod("x", "kube-system", owner=objects.daemon_set("a", uid="u"), uid="u")
    assert set(pod) == set(built)
    assert set(pod["metadata"]) == set(built["metadata"])
    assert set(pod["spec"]) == set(built["spec"])
    assert set(pod["status"]) == set(built["status"])
    assert 5000 < len(orjson.dumps(pod)) < 7000


@pytest.mark.asyncio
async def test_a_bulk_load_stores_what_adding_one_by_one_stores(kube_api: KubeApiStandIn) -> None:  # noqa: F811
    items = list(cluster(SHAPE))
    added = ClusterState()
    for item in items:
        added.add(item)
    assert kube_api.state.load(items) == len(items)
    assert kube_api.state.rv == added.rv
    for resource, stored in added.objects.items():
        assert kube_api.state.objects[resource] == stored  # uids, resourceVersions and all
    assert len(kube_api.state.history) == len(items)
