"""Parity: one scenario script, run against the API stand-in and against the real API server,
and the streams two nodes receive compared step by step (object identity by kind, namespace
and name; not UIDs or resourceVersions, which each server assigns).

The script creates owner chains itself, as the stand-in has no controllers; on the real
server the controller manager is stopped meanwhile (its controllers would adopt, release,
scale and collect those objects), then started again.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Protocol

import grpc
import pytest
from kubernetes_asyncio.client.exceptions import ApiException
from prometheus_client import CollectorRegistry

from k8smeta.collector.app import Collector
from k8smeta.collector.kube.source import KubeSource
from k8smeta.collector.ops.metrics import CollectorMetrics
from tests.collector.e2e.harness import loopback_config
from tests.collector.real import scenario as s
from tests.collector.real.streams import POLICY, Recorder, Serving, collector_on
from tests.kubeapi import objects
from tests.kubeapi.real.admin import API_VERSION, RESOURCES, Admin, Mutate, Obj, running
from tests.kubeapi.real.cluster import ControlPlane
from tests.kubeapi.standin import KubeApiStandIn

pytestmark = [pytest.mark.real_apiserver, pytest.mark.timeout(300)]
Steps = list[dict[str, set[str]]]


class Target(Protocol):
    async def node(self, name: str, labels: dict[str, str]) -> Obj: ...

    async def namespace(self, name: str, labels: dict[str, str]) -> Obj: ...

    async def create(self, obj: Obj) -> Obj: ...

    async def update(self, kind: str, namespace: str, name: str, mutate: Mutate) -> None: ...

    async def delete(self, kind: str, namespace: str, name: str) -> None: ...


class StandInTarget:
    def __init__(self, api: KubeApiStandIn) -> None:
        self.api = api

    async def node(self, name: str, labels: dict[str, str]) -> Obj:
        return self.api.add(objects.node(name, labels=labels))

    async def namespace(self, name: str, labels: dict[str, str]) -> Obj:
        return self.api.add(objects.namespace(name, labels=labels))

    async def create(self, obj: Obj) -> Obj:
        """As on the real server: a pod is created, then its status written."""
        body = copy.deepcopy(obj)
        body.setdefault("apiVersion", API_VERSION[RESOURCES[body["kind"]][0]])
        status = body.pop("status", None)
        created = self.api.add(body)
        if status is not None:
            meta = created["metadata"]
            created = self.api.update(
                created["kind"], meta["namespace"], meta["name"], lambda o: o.update(status=status)
            )
        return created

    async def update(self, kind: str, namespace: str, name: str, mutate: Mutate) -> None:
        self.api.update(kind, namespace, name, mutate)

    async def delete(self, kind: str, namespace: str, name: str) -> None:
        self.api.delete(kind, namespace, name)


class RealTarget:
    def __init__(self, admin: Admin) -> None:
        self.admin = admin

    async def node(self, name: str, labels: dict[str, str]) -> Obj:
        return await self.admin.node(name, labels)

    async def namespace(self, name: str, labels: dict[str, str]) -> Obj:
        """With its `default` ServiceAccount made here: the controller manager is stopped."""
        created = await self.admin.create(
            {"kind": "Namespace", "metadata": {"name": name, "labels": labels}}
        )
        account = {"kind": "ServiceAccount", "metadata": {"name": "default", "namespace": name}}
        with contextlib.suppress(ApiException):  # 409: made by a controller after all
            await self.admin.create(account)
        return created

    async def create(self, obj: Obj) -> Obj:
        return await self.admin.create(obj)

    async def update(self, kind: str, namespace: str, name: str, mutate: Mutate) -> None:
        await self.admin.update(kind, namespace, name, mutate)

    async def delete(self, kind: str, namespace: str, name: str) -> None:
        await self.admin.delete(kind, namespace, name, grace=0 if kind == "Pod" else None)


def owned(body: Obj, owner: Obj) -> Obj:
    body["metadata"]["ownerReferences"] = [s.owner_ref(owner)]
    return body


def labelled(key: str, value: str) -> Mutate:
    return lambda obj: obj["metadata"].setdefault("labels", {}).__setitem__(key, value)


def selecting(selector: dict[str, str]) -> Mutate:
    return lambda obj: obj["spec"].__setitem__("selector", selector)


async def script(
    target: Target, rec: Recorder, ns: str, a: str, b: str, *, step: Callable[[], Awaitable[None]]
) -> Steps:
    """The scenario; after each step, what each node received (distinct lines)."""
    steps: Steps = []

    async def done() -> None:
        await step()
        steps.append(await rec.step())

    await target.node(a, {"zone": "z1"})
    await target.node(b, {"zone": "z2"})
    await done()
    await target.namespace(ns, {"team": "store"})
    web = await target.create(s.deployment("web", ns, 2, {"tier": "front"}))
    rs = await target.create(owned(s.replica_set("web-5d", ns), web))
    await target.create(s.service("web", ns, {"app": "web"}))
    await target.create(s.service("bare", ns, None))
    for name, node in (("web-5d-a", a), ("web-5d-b", b)):
        pod = owned(s.pod(name, ns, node, {"app": "web"}), rs)
        await target.create({**pod, "status": running("10.1.0.1")})
    rc = await target.create(s.replication_controller("nginx", ns, 1))
    await target.create(
        {**owned(s.pod("nginx-a", ns, a, {"app": "nginx"}), rc), "status": running("10.1.0.2")}
    )
    ds = await target.create(s.daemon_set("agent", ns, {"zone": "z1"}))
    for name, node in (("agent-a", a), ("agent-b", b)):
        await target.create(owned(s.pod(name, ns, node, {"app": "agent"}), ds))
    sts = await target.create(s.stateful_set("db", ns, 1))
    await target.create(owned(s.pod("db-0", ns, b, {"app": "db"}), sts))
    cron = await target.create(s.cron_job("nightly", ns))
    job = await target.create(s.job("nightly-1", ns, owner=cron))
    await target.create(owned(s.pod("nightly-1-x", ns, a, {"app": "nightly-1"}), job))
    annotated = s.pod("solo", ns, a, {"app": "solo"}, {"example.com/team": "t"})
    await target.create({**annotated, "status": running("10.1.0.3")})
    await done()

    await target.update("Pod", ns, "web-5d-a", labelled("v", "2"))
    await done()
    await target.update("Namespace", "", ns, labelled("v", "2"))
    await done()
    await target.update("Deployment", ns, "web", labelled("v", "2"))
    await done()
    await target.update("Node", "", a, labelled("zone", "z3"))
    await done()
    await target.update("Service", ns, "web", selecting({"app": "nginx"}))
    await done()
    await target.update("Service", ns, "bare", selecting({"app": "solo"}))
    await done()
    await target.delete("Pod", ns, "solo")
    await target.create(s.pod("solo", ns, b, {"app": "solo"}))
    await done()
    await target.delete("ReplicaSet", ns, "web-5d")
    await done()
    for name in ("web-5d-a", "nginx-a", "agent-a", "nightly-1-x"):
        await target.delete("Pod", ns, name)
        await done()
    await target.delete("Node", "", b)
    await done()
    return steps


@contextlib.asynccontextmanager
async def collector_over_stand_in(api: KubeApiStandIn) -> AsyncIterator[Serving]:
    client = api.client()
    metrics = CollectorMetrics(CollectorRegistry())
    source = KubeSource(client, metrics, policy=POLICY)
    collector = Collector(loopback_config(), [source], metrics)
    await collector.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{collector.grpc_port}")
    try:
        await asyncio.wait_for(collector.pipeline.all_synced.wait(), 30)
        yield Serving(collector, channel, metrics, source)
    finally:
        await collector.stop()
        await channel.close(None)
        await client.close()


async def over_stand_in(ns: str, a: str, b: str) -> Steps:
    async with KubeApiStandIn() as api, collector_over_stand_in(api) as serving:
        rec = Recorder(serving.channel, [a, b])
        await rec.synced()

        async def idle() -> None:
            await serving.collector.wait_idle()

        steps = await script(StandInTarget(api), rec, ns, a, b, step=idle)
        await rec.close()
        return steps


async def over_real(plane: ControlPlane, admin: Admin, ns: str, a: str, b: str) -> Steps:
    kcm = plane.components["kube-controller-manager"]
    kcm.stop()
    try:
        async with collector_on(plane.service_account_kubeconfig()) as serving:
            rec = Recorder(serving.channel, [a, b])
            await rec.synced()
            target = RealTarget(admin)

            async def nothing() -> None:
                return None

            steps = await script(target, rec, ns, a, b, step=nothing)
            await rec.close()
            return steps
    finally:
        kcm.start()
        await admin.delete("Namespace", "", ns)
        await admin.delete("Node", "", a)


@pytest.mark.asyncio
async def test_stand_in_and_real_server_send_the_same_streams(
    control_plane: ControlPlane, admin: Admin
) -> None:
    ns, a, b = s.unique("parity"), s.unique("node-pa"), s.unique("node-pb")
    real = await over_real(control_plane, admin, ns, a, b)
    stand_in = await over_stand_in(ns, a, b)
    differences = [
        (index, node, sorted(real[index][node] - stand_in[index][node]),
         sorted(stand_in[index][node] - real[index][node]))
        for index in range(max(len(real), len(stand_in)))
        for node in (a, b)
        if real[index][node] != stand_in[index][node]
    ]  # fmt: skip
    assert not differences, "\n".join(
        f"step {i} {node}: only real {r}, only stand-in {si}" for i, node, r, si in differences
    )
    assert real[1][a]  # the script did reach the nodes
