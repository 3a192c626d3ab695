"""Builders of trimmed objects and batches, shared by the collector pipeline tests."""

from __future__ import annotations

from collections.abc import Mapping

from k8smeta.collector.model import (
    Batch,
    Change,
    ChangeType,
    Kind,
    KubeObject,
    ObjectMeta,
    OwnerReference,
    Uid,
)


def ref(kind: Kind | str, name: str, uid: str, *, controller: bool = True) -> OwnerReference:
    return OwnerReference(str(kind), name, Uid(uid), controller)


def namespace(name: str, uid: str, labels: Mapping[str, str] | None = None) -> KubeObject:
    meta = ObjectMeta(Uid(uid), name, labels=dict(labels or {}))
    return KubeObject(Kind.NAMESPACE, meta)


def pod(
    name: str,
    uid: str,
    *,
    namespace: str = "default",
    node: str = "node-a",
    labels: Mapping[str, str] | None = None,
    owner: OwnerReference | None = None,
    ip: str = "",
    generate_name: str = "",
) -> KubeObject:
    owners = (owner,) if owner is not None else ()
    meta = ObjectMeta(Uid(uid), name, namespace, generate_name, dict(labels or {}), owners)
    return KubeObject(Kind.POD, meta, node_name=node, pod_ip=ip)


def workload(
    kind: Kind,
    name: str,
    uid: str,
    *,
    namespace: str = "default",
    labels: Mapping[str, str] | None = None,
    owner: OwnerReference | None = None,
) -> KubeObject:
    """A Deployment, ReplicaSet, ReplicationController, DaemonSet, StatefulSet, Job or
    CronJob."""
    owners = (owner,) if owner is not None else ()
    meta = ObjectMeta(Uid(uid), name, namespace, labels=dict(labels or {}), owner_references=owners)
    return KubeObject(kind, meta)


def node(name: str, uid: str, labels: Mapping[str, str] | None = None) -> KubeObject:
    return KubeObject(Kind.NODE, ObjectMeta(Uid(uid), name, labels=dict(labels or {})))


def service(
    name: str,
    uid: str,
    *,
    namespace: str = "default",
    selector: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> KubeObject:
    meta = ObjectMeta(Uid(uid), name, namespace, labels=dict(labels or {}))
    return KubeObject(Kind.SERVICE, meta, selector=None if selector is None else dict(selector))


def added(*objects: KubeObject) -> tuple[Change, ...]:
    return tuple(Change(ChangeType.ADDED, obj) for obj in objects)


def modified(*objects: KubeObject) -> tuple[Change, ...]:
    return tuple(Change(ChangeType.MODIFIED, obj) for obj in objects)


def deleted(*objects: KubeObject) -> tuple[Change, ...]:
    return tuple(Change(ChangeType.DELETED, obj) for obj in objects)


def batch(*changes: Change | tuple[Change, ...], synced: Kind | None = None) -> Batch:
    flat: list[Change] = []
    for item in changes:
        flat.extend(item if isinstance(item, tuple) else (item,))
    return Batch(tuple(flat), synced)
