"""The tests' hands on the real API: a cluster admin through kubernetes_asyncio, plus the two
jobs nobody else does here (no scheduler, no kubelet): binding pods to nodes and writing
their status, and confirming the deletion of pods that a graceful delete left terminating."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kubernetes_asyncio.client import ApiClient, Configuration
from kubernetes_asyncio.client.exceptions import ApiException
from kubernetes_asyncio.config import load_kube_config

Obj = dict[str, Any]
Mutate = Callable[[Obj], None]
TIMEOUT = 60.0

# kind -> (API group path, plural, namespaced)
RESOURCES: dict[str, tuple[str, str, bool]] = {
    "Namespace": ("/api/v1", "namespaces", False),
    "Node": ("/api/v1", "nodes", False),
    "Pod": ("/api/v1", "pods", True),
    "Service": ("/api/v1", "services", True),
    "ReplicationController": ("/api/v1", "replicationcontrollers", True),
    "ServiceAccount": ("/api/v1", "serviceaccounts", True),
    "Deployment": ("/apis/apps/v1", "deployments", True),
    "ReplicaSet": ("/apis/apps/v1", "replicasets", True),
    "DaemonSet": ("/apis/apps/v1", "daemonsets", True),
    "StatefulSet": ("/apis/apps/v1", "statefulsets", True),
    "Job": ("/apis/batch/v1", "jobs", True),
    "CronJob": ("/apis/batch/v1", "cronjobs", True),
    "ClusterRole": ("/apis/rbac.authorization.k8s.io/v1", "clusterroles", False),
}
API_VERSION = {"/api/v1": "v1", "/apis/apps/v1": "apps/v1", "/apis/batch/v1": "batch/v1"}


def path_of(kind: str, namespace: str = "", name: str = "") -> str:
    group, plural, namespaced = RESOURCES[kind]
    path = f"{group}/namespaces/{namespace}/{plural}" if namespaced else f"{group}/{plural}"
    return f"{path}/{name}" if name else path


class Admin:
    """Cluster-admin calls with plain JSON bodies (`kubernetes_asyncio`'s ApiClient)."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    @classmethod
    async def load(cls, kubeconfig: Path) -> Admin:
        config = Configuration()
        await load_kube_config(str(kubeconfig), client_configuration=config)
        return cls(ApiClient(config))

    async def close(self) -> None:
        await self.client.close()

    async def call(
        self,
        method: str,
        path: str,
        body: object = None,
        query: list[tuple[str, Any]] | None = None,
        content_type: str = "application/json",
    ) -> Any:
        return await self.client.call_api(
            path, method, query_params=query or [], body=body,
            header_params={"Content-Type": content_type, "Accept": "application/json"},
            response_types_map={200: "object", 201: "object", 202: "object"},
            auth_settings=["BearerToken"], _return_http_data_only=True,
        )  # fmt: skip

    async def create(self, obj: Obj) -> Obj:
        """Creates `obj` (its uid, resourceVersion and status are the server's); a Pod's
        `status`, if given, is then written through the status subresource."""
        body = copy.deepcopy(obj)
        meta = body["metadata"]
        for key in ("uid", "resourceVersion", "creationTimestamp", "managedFields", "generation"):
            meta.pop(key, None)
        status = body.pop("status", None)
        group = RESOURCES[body["kind"]][0]
        body.setdefault("apiVersion", API_VERSION[group])
        created: Obj = await self.call(
            "POST", path_of(body["kind"], meta.get("namespace", "")), body
        )
        if status and body["kind"] == "Pod":
            created = await self.set_status(created, status)
        return created

    async def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        try:
            found: Obj = await self.call("GET", path_of(kind, namespace, name))
            return found
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise

    async def items(self, kind: str, namespace: str = "", **query: str) -> list[Obj]:
        group, plural, namespaced = RESOURCES[kind]
        path = path_of(kind, namespace) if namespace or not namespaced else f"{group}/{plural}"
        answer = await self.call("GET", path, query=list(query.items()))
        items: list[Obj] = answer["items"]
        return items

    async def update(self, kind: str, namespace: str, name: str, mutate: Mutate) -> Obj:
        """Read, mutate, replace; retried on a conflict with a controller's write."""
        for _ in range(20):
            obj = await self.get(kind, namespace, name)
            assert obj is not None, f"{kind} {namespace}/{name} is gone"
            mutate(obj)
            try:
                replaced: Obj = await self.call("PUT", path_of(kind, namespace, name), obj)
                return replaced
            except ApiException as exc:
                if exc.status != 409:
                    raise
        raise AssertionError(f"{kind} {namespace}/{name}: conflicts on every try")

    async def set_status(self, pod: Obj, status: Obj) -> Obj:
        """What the kubelet does: the pod's status, through the status subresource."""
        meta = pod["metadata"]
        path = path_of("Pod", meta["namespace"], meta["name"]) + "/status"
        patch = {"status": status}
        result: Obj = await self.call(
            "PATCH", path, patch, content_type="application/merge-patch+json"
        )
        return result

    async def delete(
        self,
        kind: str,
        namespace: str,
        name: str,
        *,
        grace: int | None = None,
        propagation: str = "Background",
    ) -> None:
        body: Obj = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": propagation}
        if grace is not None:
            body["gracePeriodSeconds"] = grace
        try:
            await self.call("DELETE", path_of(kind, namespace, name), body)
        except ApiException as exc:
            if exc.status != 404:
                raise

    async def bind(self, pod: Obj, node: str) -> None:
        """What the scheduler does: a Binding of the pod to `node`."""
        meta = pod["metadata"]
        path = path_of("Pod", meta["namespace"], meta["name"]) + "/binding"
        body = {"apiVersion": "v1", "kind": "Binding",
                "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
                "target": {"apiVersion": "v1", "kind": "Node", "name": node}}  # fmt: skip
        await self.call("POST", path, body)

    async def node(self, name: str, labels: dict[str, str] | None = None) -> Obj:
        """A Node as a kubelet registers it: Ready, no taints left by admission."""
        created = await self.create({
            "kind": "Node", "metadata": {"name": name, "labels": {
                "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", **(labels or {})}},
        })  # fmt: skip

        def untaint(obj: Obj) -> None:
            obj["spec"].pop("taints", None)

        await self.update("Node", "", name, untaint)
        status = {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                  "message": "ready", "lastHeartbeatTime": None}]}  # fmt: skip
        path = path_of("Node", "", name) + "/status"
        await self.call(
            "PATCH", path, {"status": status}, content_type="application/merge-patch+json"
        )
        return created

    async def namespace(self, name: str, labels: dict[str, str] | None = None) -> Obj:
        """A Namespace, once the controller manager has made its `default` ServiceAccount
        (admission refuses pods before)."""
        meta: Obj = {"name": name, "labels": labels or {}}
        created = await self.create({"kind": "Namespace", "metadata": meta})
        await self.until(lambda: self.get("ServiceAccount", name, "default"))
        return created

    async def until(self, probe: Callable[[], Any], timeout: float = TIMEOUT) -> Any:
        """Polls the coroutine `probe()` until it returns something truthy."""
        async with asyncio.timeout(timeout):
            while True:
                found = await probe()
                if found:
                    return found
                await asyncio.sleep(0.1)

    async def pods(self, namespace: str, **query: str) -> list[Obj]:
        return await self.items("Pod", namespace, **query)

    async def schedule(
        self, namespace: str, selector: str, count: int, place: Callable[[Obj], str]
    ) -> list[Obj]:
        """Waits for `count` pods of `selector` in `namespace` (made by controllers), binds
        each unbound one to `place(pod)` and marks it Running and Ready with a pod IP (in
        name order); the pods, bound."""

        async def all_there() -> list[Obj] | None:
            found = await self.pods(namespace, labelSelector=selector)
            pods = [p for p in found if "deletionTimestamp" not in p["metadata"]]
            return pods if len(pods) >= count else None

        pods: list[Obj] = await self.until(all_there)
        done = []
        for index, pod in enumerate(sorted(pods, key=lambda p: p["metadata"]["name"])):
            if pod["spec"].get("nodeName"):
                done.append(pod)
                continue
            await self.bind(pod, place(pod))
            bound = await self.get("Pod", namespace, pod["metadata"]["name"])
            assert bound is not None
            done.append(await self.set_status(bound, running(f"10.{index // 250}.{index % 250}.7")))
        return done

    async def confirm_deletions(self, namespace: str, timeout: float = TIMEOUT) -> None:
        """What the kubelet does after a graceful delete: deletes the terminating pods of
        `namespace` with grace 0, until none is left."""
        async with asyncio.timeout(timeout):
            while True:
                pods = [
                    p for p in await self.pods(namespace) if "deletionTimestamp" in p["metadata"]
                ]
                if not pods:
                    return
                for pod in pods:
                    await self.delete("Pod", namespace, pod["metadata"]["name"], grace=0)
                await asyncio.sleep(0.1)


def running(ip: str) -> Obj:
    now = "2026-01-02T03:04:05Z"
    return {
        "phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}], "hostIP": "192.168.7.1",
        "startTime": now,
        "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": now},
                       {"type": "ContainersReady", "status": "True", "lastTransitionTime": now}],
    }  # fmt: skip
