"""A benchmark-sized cluster of realistic full objects: 150,000 pods of ~5.4 KB by default.

Same shape as the collector benchmark's: `nodes` nodes; `namespaces` namespaces with
`per_namespace` Deployments, each with one ReplicaSet and one Service selecting its pods; two
DaemonSets in kube-system with a pod on every node; the remaining pods spread over the
ReplicaSets and nodes. Every object is built by `objects`' builders' rules, but the parts that
are the same in every pod of this cluster (containers, managedFields, annotations, status
conditions) are one shared dict each, so 150,000 pods fit in a few hundred MiB and build in
seconds; the JSON served is the same as if each were built on its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from tests.kubeapi import objects
from tests.kubeapi.objects import Obj


@dataclass(frozen=True, slots=True)
class ClusterShape:
    pods: int = 150_000
    nodes: int = 5_000
    namespaces: int = 500
    per_namespace: int = 6


def cluster(shape: ClusterShape) -> Iterator[Obj]:
    """Every object, owners before what they own."""
    system = objects.namespace("kube-system", uid=_uid())
    yield system
    replica_sets: list[Obj] = []
    for n in range(shape.namespaces):
        name = f"team-{n:03d}"
        yield objects.namespace(name, labels={"team": name}, uid=_uid())
        for d in range(shape.per_namespace):
            app = {"app": f"svc-{d}", "team": name}
            deployment = objects.deployment(f"svc-{d}", name, labels=app, uid=_uid())
            rs_labels = {**app, "pod-template-hash": f"{d:05d}abcd"}
            rs_name = f"svc-{d}-{d:05d}abcd"
            rs = objects.replica_set(rs_name, name, owner=deployment, labels=rs_labels, uid=_uid())
            yield deployment
            yield rs
            yield objects.service(f"svc-{d}", name, selector=app, labels=app, uid=_uid())
            replica_sets.append(rs)
    pods = _PodFactory()
    daemon_sets = [
        objects.daemon_set(ds, "kube-system", labels={"k8s-app": ds}, uid=_uid())
        for ds in ("kube-proxy", "node-agent")
    ]
    yield from daemon_sets
    number = 0
    for ds in daemon_sets:
        for node in range(shape.nodes):
            yield pods.pod(ds, f"{ds['metadata']['name']}-{node:05d}", node, number)
            number += 1
    for i in range(shape.pods - number):
        rs = replica_sets[i % len(replica_sets)]
        node = (i * 7919) % shape.nodes
        yield pods.pod(rs, f"{rs['metadata']['name']}-{i:06d}", node, number + i)


class _PodFactory:
    """Pods varied from one `objects.pod` template; parts equal in every pod are shared."""

    def __init__(self) -> None:
        self._template = objects.pod("template", "default", owner=_owner_stub())
        self._refs: dict[str, list[Obj]] = {}

    def pod(self, owner: Obj, name: str, node: int, number: int) -> Obj:
        template = self._template
        owner_meta = owner["metadata"]
        refs = self._refs.get(owner_meta["uid"])
        if refs is None:
            refs = self._refs[owner_meta["uid"]] = [objects.owner_ref(owner)]
        ip = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
        node_name = f"node-{node:05d}"
        meta = {
            **template["metadata"],
            "name": name,
            "namespace": owner_meta["namespace"],
            "uid": _uid(),
            "labels": owner_meta["labels"],
            "generateName": owner_meta["name"] + "-",
            "ownerReferences": refs,
        }
        status = {**template["status"], "podIP": ip, "podIPs": [{"ip": ip}]}
        return {
            **template,
            "metadata": meta,
            "spec": {**template["spec"], "nodeName": node_name},
            "status": status,
        }


def _owner_stub() -> Obj:
    return {"kind": "ReplicaSet", "apiVersion": "apps/v1", "metadata": {"name": "t", "uid": "t"}}


def _uid() -> str:
    return str(uuid.uuid4())
