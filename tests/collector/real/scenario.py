"""Bodies of workload objects for the real API: what a user applies (the controllers make the
rest), each test under its own node names and namespace so tests never see each other."""

from __future__ import annotations

import itertools
from typing import Any

Obj = dict[str, Any]
_COUNTER = itertools.count(1)


def unique(prefix: str) -> str:
    """A name no other test of the session uses."""
    return f"{prefix}-{next(_COUNTER)}"


def pod_spec(node: str = "") -> Obj:
    # grace 0: a graceful delete completes at once, as no kubelet confirms it here
    spec: Obj = {"containers": [{"name": "app", "image": "registry.example.com/app:1"}],
                 "terminationGracePeriodSeconds": 0}  # fmt: skip
    if node:
        spec["nodeName"] = node
    return spec


def template(labels: dict[str, str], **spec: Any) -> Obj:
    return {"metadata": {"labels": labels}, "spec": {**pod_spec(), **spec}}


def meta(name: str, namespace: str, labels: dict[str, str] | None = None) -> Obj:
    return {"name": name, "namespace": namespace, "labels": labels or {}}


def deployment(name: str, namespace: str, replicas: int, labels: dict[str, str]) -> Obj:
    return {"kind": "Deployment", "metadata": meta(name, namespace, labels),
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": template({"app": name})}}  # fmt: skip


def replica_set(name: str, namespace: str, replicas: int = 0) -> Obj:
    labels = {"app": name}
    return {"kind": "ReplicaSet", "metadata": meta(name, namespace, labels),
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": template(labels)}}  # fmt: skip


def replication_controller(name: str, namespace: str, replicas: int) -> Obj:
    return {"kind": "ReplicationController", "metadata": meta(name, namespace, {"app": name}),
            "spec": {"replicas": replicas, "selector": {"app": name},
                     "template": template({"app": name})}}  # fmt: skip


def daemon_set(name: str, namespace: str, node_label: dict[str, str]) -> Obj:
    return {"kind": "DaemonSet", "metadata": meta(name, namespace, {"app": name}),
            "spec": {"selector": {"matchLabels": {"app": name}},
                     "template": template({"app": name}, nodeSelector=node_label)}}  # fmt: skip


def stateful_set(name: str, namespace: str, replicas: int) -> Obj:
    return {"kind": "StatefulSet", "metadata": meta(name, namespace, {"app": name}),
            "spec": {"replicas": replicas, "serviceName": name,
                     "selector": {"matchLabels": {"app": name}},
                     "template": template({"app": name})}}  # fmt: skip


def cron_job(name: str, namespace: str) -> Obj:
    job_template = {"spec": {"template": template({"app": name}, restartPolicy="Never")}}
    return {"kind": "CronJob", "metadata": meta(name, namespace, {"app": name}),
            "spec": {"schedule": "0 0 1 1 *", "suspend": True,
                     "jobTemplate": job_template}}  # fmt: skip


def job(name: str, namespace: str, owner: Obj | None = None) -> Obj:
    body: Obj = {"kind": "Job", "metadata": meta(name, namespace, {"app": name}),
                 "spec": {"template": template({"app": name}, restartPolicy="Never")}}  # fmt: skip
    if owner is not None:
        body["metadata"]["ownerReferences"] = [owner_ref(owner)]
    return body


def service(name: str, namespace: str, selector: dict[str, str] | None) -> Obj:
    spec: Obj = {"ports": [{"port": 80, "targetPort": 8080}]}
    if selector is not None:
        spec["selector"] = selector
    return {"kind": "Service", "metadata": meta(name, namespace), "spec": spec}


def pod(name: str, namespace: str, node: str, labels: dict[str, str],
        annotations: dict[str, str] | None = None) -> Obj:  # fmt: skip
    body: Obj = {"kind": "Pod", "metadata": meta(name, namespace, labels), "spec": pod_spec(node)}
    if annotations:
        body["metadata"]["annotations"] = annotations
    return body


def owner_ref(owner: Obj) -> Obj:
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"],
            "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"],
            "controller": True, "blockOwnerDeletion": True}  # fmt: skip


def name_of(obj: Obj) -> str:
    return f"{obj['metadata'].get('namespace', '')}/{obj['metadata']['name']}"


def line(reason: str, obj: Obj, kind: str = "") -> str:
    """`Reason Kind namespace/name`, as streams.NodeStream writes it (list items carry no
    kind: pass it)."""
    return f"{reason} {kind or obj['kind']} {name_of(obj)}"


def affinity_node(pod: Obj) -> str:
    """The node a DaemonSet pod's required node affinity names (the scheduler's answer)."""
    terms = pod["spec"]["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ]
    (field,) = terms["nodeSelectorTerms"][0]["matchFields"]
    node: str = field["values"][0]
    return node
