"""trim: full objects and PartialObjectMetadata -> the wire's fields; odd input -> TrimError."""

from __future__ import annotations

import re
from typing import Any

import pytest

from k8smeta.collector.kube.errors import TrimError
from k8smeta.collector.kube.trim import resource_version, trim, uid_of
from k8smeta.collector.model import (
    Container,
    ContainerType,
    Kind,
    KubeObject,
    ObjectMeta,
    OwnerReference,
    PodDetails,
    Uid,
)
from tests.kubeapi import objects

UID = "5eaeeca9-2277-460b-a4bf-5a0783f6d49f"
RS_UID = "8be7cb9d-f96a-41b5-8fb0-81fda92a663a"


def full_pod() -> dict[str, Any]:
    rs = objects.replica_set("metrics-server-85d6fcf458", "kube-system", uid=RS_UID)
    pod = objects.pod(
        "metrics-server-85d6fcf458-tqkcv",
        "kube-system",
        node="node-1",
        ip="10.16.1.2",
        labels={"k8s-app": "metrics-server"},
        owner=rs,
        uid=UID,
    )
    pod["metadata"]["resourceVersion"] = "42"
    pod["metadata"]["ownerReferences"].append(
        {"apiVersion": "v1", "kind": "Node", "name": "node-1", "uid": "n-1"}
    )
    return pod


EXPECTED_POD = KubeObject(
    Kind.POD,
    ObjectMeta(
        uid=Uid(UID),
        name="metrics-server-85d6fcf458-tqkcv",
        namespace="kube-system",
        generate_name="metrics-server-85d6fcf458-",
        labels={"k8s-app": "metrics-server"},
        owner_references=(
            OwnerReference("ReplicaSet", "metrics-server-85d6fcf458", Uid(RS_UID), True),
            OwnerReference("Node", "node-1", Uid("n-1"), False),
        ),
        resource_version="42",
    ),
    node_name="node-1",
    pod_ip="10.16.1.2",
    details=PodDetails(
        pod_ips=("10.16.1.2",),
        service_account="default",
        qos_class="Burstable",
        containers=tuple(
            Container(
                ContainerType.CONTAINER,
                name,
                f"registry.example.com/team/{name}:1.2.3",
                None,
                "containerd://" + objects.container_id(UID, name),
                "registry.example.com/team/app@sha256:" + "0" * 64,
            )
            for name in ("app", "sidecar")
        ),
    ),
)


def partial(kind: str, **meta: Any) -> dict[str, Any]:
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"uid": "u-1", "name": "n", **meta},
    }


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (Kind.POD, full_pod(), EXPECTED_POD),
        (
            Kind.POD,
            {
                "metadata": {"uid": "u-1", "name": "pending", "namespace": "ns"},
                "spec": {},
                "status": {"phase": "Pending"},
            },
            KubeObject(Kind.POD, ObjectMeta(Uid("u-1"), "pending", "ns")),
        ),
        (
            Kind.NAMESPACE,
            partial("Namespace", labels={"kubernetes.io/metadata.name": "n"}, resourceVersion="7"),
            KubeObject(
                Kind.NAMESPACE,
                ObjectMeta(
                    Uid("u-1"),
                    "n",
                    labels={"kubernetes.io/metadata.name": "n"},
                    resource_version="7",
                ),
            ),
        ),
        (
            Kind.DEPLOYMENT,
            partial("Deployment", namespace="ns", annotations={"a": "b"}, generation=3),
            KubeObject(Kind.DEPLOYMENT, ObjectMeta(Uid("u-1"), "n", "ns")),
        ),
        (
            Kind.SERVICE,
            objects.service("s", "ns", selector={"app": "web"}, uid="u-1"),
            KubeObject(Kind.SERVICE, ObjectMeta(Uid("u-1"), "s", "ns"), selector={"app": "web"}),
        ),
        (
            Kind.SERVICE,
            objects.service("s", "ns", selector={}, uid="u-1"),
            KubeObject(Kind.SERVICE, ObjectMeta(Uid("u-1"), "s", "ns"), selector=None),
        ),
        (
            Kind.SERVICE,
            objects.service("s", "ns", selector=None, uid="u-1"),
            KubeObject(Kind.SERVICE, ObjectMeta(Uid("u-1"), "s", "ns"), selector=None),
        ),
        (
            Kind.REPLICA_SET,
            partial("ReplicaSet", labels=None, ownerReferences=None, generateName=None),
            KubeObject(Kind.REPLICA_SET, ObjectMeta(Uid("u-1"), "n")),
        ),
    ],
    ids=[
        "full-pod",
        "pending-pod",
        "namespace",
        "deployment",
        "service",
        "service-empty-selector",
        "service-no-selector",
        "nulls",
    ],
)
def test_trim_keeps_only_the_wire_fields(kind: Kind, raw: Any, expected: KubeObject) -> None:
    got = trim(kind, raw)
    assert got == expected
    assert got.meta.resource_version == expected.meta.resource_version


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ([], "not an object"),
        ({"metadata": None}, "metadata missing"),
        ({"metadata": {"name": "x"}}, "metadata.uid"),
        ({"metadata": {"uid": 5}}, "metadata.uid"),
        ({"metadata": {"uid": "u", "name": ["x"]}}, "metadata.name"),
        ({"metadata": {"uid": "u", "labels": {"a": 1}}}, "metadata.labels['a']"),
        ({"metadata": {"uid": "u", "labels": "a=b"}}, "metadata.labels"),
        ({"metadata": {"uid": "u", "ownerReferences": {}}}, "ownerReferences"),
        ({"metadata": {"uid": "u", "ownerReferences": [{"kind": "X"}]}}, "lacks"),
        ({"metadata": {"uid": "u", "ownerReferences": ["x"]}}, "not an object"),
        (
            {
                "metadata": {
                    "uid": "u",
                    "ownerReferences": [
                        {"kind": "X", "name": "x", "uid": "1", "controller": "yes"}
                    ],
                }
            },
            "controller",
        ),
        ({"metadata": {"uid": "u"}, "spec": []}, "spec"),
        ({"metadata": {"uid": "u"}, "spec": {"nodeName": 3}}, "spec.nodeName"),
        ({"metadata": {"uid": "u"}, "status": {"podIP": {}}}, "status.podIP"),
    ],
)
def test_odd_objects_raise_trim_error(raw: Any, error: str) -> None:
    with pytest.raises(TrimError, match=re.escape(error)):
        trim(Kind.POD, raw)


def test_odd_service_selector_raises() -> None:
    with pytest.raises(TrimError, match=re.escape("spec.selector")):
        trim(Kind.SERVICE, {"metadata": {"uid": "u"}, "spec": {"selector": ["app"]}})


@pytest.mark.parametrize(
    ("raw", "rv"),
    [
        ({"type": "BOOKMARK", "metadata": {"resourceVersion": "12"}}, "12"),
        ({"metadata": {"resourceVersion": 12}}, ""),
        ({"metadata": None}, ""),
        (None, ""),
    ],
)
def test_resource_version(raw: Any, rv: str) -> None:
    assert resource_version(raw) == rv


@pytest.mark.parametrize(
    ("raw", "uid"),
    [
        ({"metadata": {"uid": "u-1", "labels": {"n": 1}}}, "u-1"),
        ({"metadata": {"uid": ""}}, None),
        ({"metadata": []}, None),
        ("x", None),
    ],
)
def test_uid_of_malformed_objects(raw: Any, uid: str | None) -> None:
    assert uid_of(raw) == uid
