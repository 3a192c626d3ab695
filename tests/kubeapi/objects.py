"""Builders of realistic full Kubernetes objects (as the API serves them) for tests.

Pods carry what real ones carry and the collector must drop: annotations, managedFields,
containers, volumes, a full status. UIDs and resourceVersions are left to the stand-in
unless given.
"""

from __future__ import annotations

import copy
import functools
import hashlib
from typing import Any

Obj = dict[str, Any]
CREATED = "2026-01-02T03:04:05Z"


def owner_ref(owner: Obj, *, controller: bool = True) -> Obj:
    """A controller ownerReference to `owner` (which must have its uid)."""
    meta = owner["metadata"]
    return {
        "apiVersion": owner.get("apiVersion", "v1"),
        "kind": owner["kind"],
        "name": meta["name"],
        "uid": meta["uid"],
        "controller": controller,
        "blockOwnerDeletion": True,
    }


def _meta(name: str, namespace: str | None, labels: dict[str, str] | None, uid: str | None) -> Obj:
    meta: Obj = {"name": name, "creationTimestamp": CREATED, "generation": 1}
    if namespace is not None:
        meta["namespace"] = namespace
    if labels:
        meta["labels"] = dict(labels)
    if uid is not None:
        meta["uid"] = uid
    meta["annotations"] = {
        "kubectl.kubernetes.io/last-applied-configuration": '{"apiVersion":"v1","kind":"X"}',
    }
    meta["managedFields"] = [_managed_field("kube-controller-manager", "Update")]
    return meta


def _managed_field(manager: str, operation: str) -> Obj:
    return {
        "manager": manager,
        "operation": operation,
        "apiVersion": "v1",
        "time": CREATED,
        "fieldsType": "FieldsV1",
        "fieldsV1": {
            "f:metadata": {"f:labels": {".": {}, "f:app": {}}, "f:ownerReferences": {".": {}}},
            "f:spec": {"f:containers": {'k:{"name":"app"}': {".": {}, "f:image": {}}}},
        },
    }


def namespace(name: str, *, labels: dict[str, str] | None = None, uid: str | None = None) -> Obj:
    all_labels = {"kubernetes.io/metadata.name": name, **(labels or {})}
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": _meta(name, None, all_labels, uid),
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


def pod(
    name: str,
    namespace: str = "default",
    *,
    node: str = "node-a",
    ip: str = "10.16.0.10",
    labels: dict[str, str] | None = None,
    owner: Obj | None = None,
    uid: str | None = None,
    annotations: dict[str, str] | None = None,
) -> Obj:
    """A running pod of about 6 KB, like a real one (`annotations` added to kubectl's)."""
    meta = _meta(name, namespace, labels if labels is not None else {"app": "web"}, uid)
    meta["annotations"].update(annotations or {})
    if owner is not None:
        meta["ownerReferences"] = [owner_ref(owner)]
        meta["generateName"] = owner["metadata"]["name"] + "-"
    meta["managedFields"].append(_managed_field("kubelet", "Update"))
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": _pod_spec(node),
        "status": _pod_status(ip, node, uid or name),
    }


def container_id(pod: str, container: str) -> str:
    """The runtime ID (64 hex digits) the stand-in gives `container` of pod `pod` (UID or
    name): distinct per pod and container, stable across runs."""
    return hashlib.sha256(f"{pod}/{container}".encode()).hexdigest()


def _container(name: str) -> Obj:
    return {
        "name": name,
        "image": f"registry.example.com/team/{name}:1.2.3",
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
        "env": [{"name": f"ENV_{i}", "value": f"value-{i}"} for i in range(24)],
        "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}, "requests": {"cpu": "10m"}},
        "volumeMounts": [
            {
                "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                "name": "token",
                "readOnly": True,
            },
        ],
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }


def _pod_spec(node: str) -> Obj:
    spec: Obj = {
        "containers": [_container("app"), _container("sidecar")],
        "dnsPolicy": "ClusterFirst",
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "serviceAccountName": "default",
        "terminationGracePeriodSeconds": 30,
        "tolerations": [
            {
                "effect": "NoExecute",
                "key": "node.kubernetes.io/not-ready",
                "operator": "Exists",
                "tolerationSeconds": 300,
            },
        ],
        "volumes": [{"name": "token", "projected": {"defaultMode": 420, "sources": []}}],
    }
    if node:
        spec["nodeName"] = node
    return spec


def _pod_status(ip: str, node: str, pod: str) -> Obj:
    status: Obj = {
        "phase": "Running" if node else "Pending",
        "qosClass": "Burstable",
        "conditions": [
            {"type": t, "status": "True", "lastProbeTime": None, "lastTransitionTime": CREATED}
            for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
        ],
        "containerStatuses": [
            {
                "name": n,
                "ready": True,
                "restartCount": 0,
                "started": True,
                "image": f"registry.example.com/team/{n}:1.2.3",
                "imageID": "registry.example.com/team/app@sha256:" + "0" * 64,
                "containerID": "containerd://" + container_id(pod, n),
                "state": {"running": {"startedAt": CREATED}},
            }
            for n in ("app", "sidecar")
        ],
        "startTime": CREATED,
    }
    if ip:
        status.update(podIP=ip, podIPs=[{"ip": ip}], hostIP="192.168.0.2")
    return status


def service(
    name: str,
    namespace: str = "default",
    *,
    selector: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    uid: str | None = None,
) -> Obj:
    spec: Obj = {
        "type": "ClusterIP",
        "clusterIP": "10.96.0.10",
        "ports": [{"port": 80, "protocol": "TCP", "targetPort": 8080}],
    }
    if selector is not None:
        spec["selector"] = dict(selector)
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(name, namespace, labels, uid),
        "spec": spec,
        "status": {"loadBalancer": {}},
    }


_API_VERSIONS = {
    "Deployment": "apps/v1",
    "ReplicaSet": "apps/v1",
    "DaemonSet": "apps/v1",
    "StatefulSet": "apps/v1",
    "ReplicationController": "v1",
    "Job": "batch/v1",
    "CronJob": "batch/v1",
}


def workload(
    kind: str,
    name: str,
    namespace: str = "default",
    *,
    owner: Obj | None = None,
    labels: dict[str, str] | None = None,
    uid: str | None = None,
) -> Obj:
    """A controller of pods of any of those kinds (a Job owned by its CronJob, say)."""
    meta = _meta(name, namespace, labels if labels is not None else {"app": name}, uid)
    if owner is not None:
        meta["ownerReferences"] = [owner_ref(owner)]
    return {
        "apiVersion": _API_VERSIONS[kind],
        "kind": kind,
        "metadata": meta,
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": _pod_spec("")},
        },
        "status": {"replicas": 2, "readyReplicas": 2, "observedGeneration": 1},
    }


def node(name: str, *, labels: dict[str, str] | None = None, uid: str | None = None) -> Obj:
    """A Node with its well-known labels (cluster-scoped, a big status like a real one)."""
    all_labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", **(labels or {})}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": _meta(name, None, all_labels, uid),
        "spec": {"podCIDR": "10.16.0.0/24", "providerID": f"kind://docker/kind/{name}"},
        "status": {
            "addresses": [{"type": "InternalIP", "address": "172.18.0.2"}],
            "capacity": {"cpu": "8", "memory": "32Gi", "pods": "110"},
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
            "nodeInfo": {"kubeletVersion": "v1.31.0", "osImage": "Debian GNU/Linux 12"},
        },
    }


deployment = functools.partial(workload, "Deployment")
replica_set = functools.partial(workload, "ReplicaSet")
daemon_set = functools.partial(workload, "DaemonSet")
replication_controller = functools.partial(workload, "ReplicationController")


def with_status_churn(obj: Obj, generation: int) -> Obj:
    """A copy changed only where the collector does not look (status, annotations)."""
    changed = copy.deepcopy(obj)
    changed.setdefault("status", {})["observedGeneration"] = generation
    changed["metadata"].setdefault("annotations", {})["churn"] = str(generation)
    return changed
