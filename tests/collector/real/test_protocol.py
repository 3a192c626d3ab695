"""The hard parts of the list/watch protocol against the real API server: a watch that
outlives etcd's compaction, the API server restarted and etcd paused under open watches,
continue tokens that expire, bookmarks, a ClusterRole without the newer kinds, and an object
deleted and recreated under the same name."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import pytest
from kubernetes_asyncio.client.exceptions import ApiException

from tests.collector.real import scenario as s
from tests.collector.real.streams import POLICY, Recorder, Serving, collector_on
from tests.kubeapi.real.admin import Admin, Mutate, Obj, running
from tests.kubeapi.real.cluster import ControlPlane
from tests.kubeapi.real.proxy import CuttableProxy

pytestmark = [pytest.mark.real_apiserver, pytest.mark.timeout(300), pytest.mark.asyncio]
L = s.line
OLD_RULES = [  # the ClusterRole of a collector release that knew only upstream's kinds
    {"apiGroups": [""], "verbs": ["get", "list", "watch"],
     "resources": ["pods", "namespaces", "services", "replicationcontrollers"]},
    {"apiGroups": ["apps"], "verbs": ["get", "list", "watch"],
     "resources": ["deployments", "replicasets", "daemonsets"]},
]  # fmt: skip


def metric(serving: Serving, name: str, **labels: str) -> float:
    value = serving.metrics.registry.get_sample_value(name, labels)
    return 0.0 if value is None else float(value)


def relabel(key: str, value: str) -> Mutate:
    return lambda obj: obj["metadata"].setdefault("labels", {}).__setitem__(key, value)


async def pod_on(admin: Admin, ns: str, name: str, node: str, **labels: str) -> Obj:
    body = s.pod(name, ns, node, labels or {"app": name})
    return await admin.create({**body, "status": running("10.20.0.1")})


async def test_watch_outlived_by_compaction_relists_and_loses_nothing(
    control_plane: ControlPlane, admin: Admin
) -> None:
    """Cut off from the API, the collector misses changes; etcd is compacted past its
    resourceVersion and the API server restarted (its watch cache would otherwise serve the
    old version); back on line its watches get 410 Gone, it relists, and each node gets
    exactly what changed meanwhile."""
    a, ns = s.unique("node-gone"), s.unique("gone")
    await admin.node(a)
    namespace = await admin.namespace(ns)
    namespace["kind"] = "Namespace"
    kept = await pod_on(admin, ns, "kept", a)
    dropped = await pod_on(admin, ns, "dropped", a)
    async with CuttableProxy(control_plane.port) as proxy:
        kubeconfig = control_plane.service_account_kubeconfig(port=proxy.port)
        async with collector_on(kubeconfig) as serving:
            rec = Recorder(serving.channel, [a])
            first = (await rec.synced())[a]
            assert set(first) == {f"Create Node /{a}", L("Create", namespace),
                                  L("Create", kept), L("Create", dropped)}  # fmt: skip
            proxy.sever()
            await admin.delete("Pod", ns, "dropped", grace=0)
            added = await pod_on(admin, ns, "added", a)
            await admin.update("Pod", ns, "kept", lambda o: o["metadata"]["labels"].update(v="2"))
            for index in range(20):  # history beyond the watch cache's recent window
                await admin.update("Namespace", "", ns, relabel("n", str(index)))
            revision = control_plane.compact()
            # the watch cache still holds the missed events (a resumed watch would get them):
            # a restart makes it start over at the current revision, past the compaction
            await asyncio.to_thread(control_plane.restart_apiserver)
            proxy.restore()
            await admin.until(lambda: _relisted(serving), timeout=60)
            assert await rec.step() == {
                a: {L("Delete", dropped), L("Create", added), L("Update", kept),
                    L("Update", namespace)},
            }  # fmt: skip
            assert metric(serving, "meta_collector_relists_total", kind="Pod", reason="gone") >= 1
            assert revision > 0
            await rec.close()


async def _relisted(serving: Serving) -> bool:
    return metric(serving, "meta_collector_relists_total", kind="Pod", reason="gone") >= 1


async def test_api_server_restarted_mid_watch(control_plane: ControlPlane, admin: Admin) -> None:
    """The watches break when the API server stops; after its restart the collector watches
    on from where it was: the changes made after it arrive once, nothing is re-sent."""
    a, ns = s.unique("node-restart"), s.unique("restart")
    await admin.node(a)
    await admin.namespace(ns)
    before = await pod_on(admin, ns, "before", a)
    async with collector_on(control_plane.service_account_kubeconfig()) as serving:
        rec = Recorder(serving.channel, [a])
        assert L("Create", before) in (await rec.synced())[a]
        await asyncio.to_thread(control_plane.restart_apiserver)
        await admin.until(lambda: _restarted(serving), timeout=60)
        after = await pod_on(admin, ns, "after", a)
        await admin.delete("Pod", ns, "before", grace=0)
        assert await rec.step(period=3.0) == {
            a: {L("Create", after), L("Update", after), L("Delete", before)}
        }
        await rec.close()


async def _restarted(serving: Serving) -> bool:
    return metric(serving, "meta_collector_watch_restarts_total", kind="Pod") >= 1


async def test_etcd_paused_under_open_watches(control_plane: ControlPlane, admin: Admin) -> None:
    a, ns = s.unique("node-pause"), s.unique("pause")
    await admin.node(a)
    await admin.namespace(ns)
    async with collector_on(control_plane.service_account_kubeconfig()) as serving:
        rec = Recorder(serving.channel, [a])
        await rec.synced()
        with control_plane.etcd_paused():
            await asyncio.sleep(5)
        created = await pod_on(admin, ns, "after-pause", a)
        lines = await rec.step()
        assert L("Create", created) in lines[a]
        assert serving.collector.failed_task() is None
        await rec.close()


async def test_continue_token_after_compaction(control_plane: ControlPlane, admin: Admin) -> None:
    """A continue token older than etcd's compaction: the API server continues the list from
    its watch cache while it holds that snapshot (so compaction alone expires nothing);
    once it no longer does (here: restarted), the token is refused with 410 Gone, reason
    Expired, and a list started anew succeeds."""
    a, ns = s.unique("node-token"), s.unique("token")
    await admin.node(a)
    await admin.namespace(ns)
    for index in range(3):
        await pod_on(admin, ns, f"p{index}", a)
    path = f"/api/v1/namespaces/{ns}/pods"
    page = await admin.call("GET", path, query=[("limit", 1)])
    token = page["metadata"]["continue"]
    assert token
    await pod_on(admin, ns, "later", a)
    control_plane.compact()
    served = await admin.call("GET", path, query=[("limit", 1), ("continue", token)])
    assert len(served["items"]) == 1
    await asyncio.to_thread(control_plane.restart_apiserver)
    with pytest.raises(ApiException) as refused:
        await admin.call("GET", path, query=[("limit", 1), ("continue", token)])
    assert refused.value.status == 410
    assert json.loads(refused.value.body or "{}")["reason"] == "Expired"
    assert len(await admin.pods(ns)) == 4


async def test_bookmarks_keep_watches_current(control_plane: ControlPlane, admin: Admin) -> None:
    """With short watch timeouts the server sends BOOKMARKs; the collector re-watches from
    them without relisting."""
    a, ns = s.unique("node-bookmark"), s.unique("bookmark")
    await admin.node(a)
    await admin.namespace(ns)
    # the watch cache sends a bookmark once it has seen an event of the kind and knows of a
    # revision past the watch's (etcd's progress notifications, every 5 s)
    first = await pod_on(admin, ns, "first", a)
    policy = dataclasses.replace(POLICY, watch_timeout=(5, 6))  # one 2 s before the end
    async with collector_on(control_plane.service_account_kubeconfig(), policy=policy) as serving:
        rec = Recorder(serving.channel, [a])
        assert L("Create", first) in (await rec.synced())[a]

        async def bookmarked() -> bool:
            got = metric(serving, "meta_collector_watch_events_total", kind="Pod", type="BOOKMARK")
            return (
                got >= 1 and metric(serving, "meta_collector_watch_restarts_total", kind="Pod") >= 2
            )

        other = s.unique("other")
        await admin.create({"kind": "Namespace", "metadata": {"name": other}})  # a newer revision
        await admin.until(bookmarked, timeout=60)
        created = await pod_on(admin, ns, "after-bookmark", a)
        got = await rec.step()
        assert got == {a: {L("Create", created), L("Update", created)}}
        relists = metric(serving, "meta_collector_relists_total", kind="Pod", reason="gone")
        assert relists == 0
        await rec.close()


async def test_role_without_the_new_kinds(control_plane: ControlPlane, admin: Admin) -> None:
    """A ClusterRole of upstream's kinds only: the API answers 403 for StatefulSets, Jobs,
    CronJobs and Nodes; the collector is ready anyway and serves the pods; once the role is
    granted them, they fill in."""
    a, ns = s.unique("node-rbac"), s.unique("rbac")
    account = s.unique("old-collector")
    control_plane.add_role(account, OLD_RULES)
    await admin.node(a)
    await admin.namespace(ns)
    sts = await admin.create(s.stateful_set("db", ns, 1))
    (db0,) = await admin.schedule(ns, "app=db", 1, lambda _: a)
    kubeconfig = control_plane.service_account_kubeconfig(account)
    async with collector_on(kubeconfig) as serving:
        rec = Recorder(serving.channel, [a])
        lines = set((await rec.synced())[a])
        assert L("Create", db0, "Pod") in lines
        assert not {line for line in lines if " StatefulSet " in line or " Node " in line}
        grant = {"apiGroups": ["apps", "batch", ""], "verbs": ["get", "list", "watch"],
                 "resources": ["statefulsets", "jobs", "cronjobs", "nodes"]}  # fmt: skip
        rules = [*OLD_RULES, grant]
        await admin.update("ClusterRole", "", account, lambda o: o.update(rules=rules))
        await admin.until(lambda: _has(rec, a, L("Create", sts)), timeout=150)
        assert f"Create Node /{a}" in set(rec.streams[a].lines)
        await rec.close()


async def _has(rec: Recorder, node: str, line: str) -> bool:
    return line in rec.streams[node].lines


async def test_deleted_and_recreated_under_the_same_name(
    control_plane: ControlPlane, admin: Admin
) -> None:
    a, ns = s.unique("node-again"), s.unique("again")
    await admin.node(a)
    await admin.namespace(ns)
    async with collector_on(control_plane.service_account_kubeconfig()) as serving:
        rec = Recorder(serving.channel, [a])
        await rec.synced()
        svc = await admin.create(s.service("web", ns, {"app": "web"}))
        first = await pod_on(admin, ns, "web", a, app="web")
        assert await rec.step() == {
            a: {f"Create Namespace /{ns}", L("Create", svc), L("Create", first), L("Update", first)}
        }
        await admin.delete("Pod", ns, "web", grace=0)
        await admin.delete("Service", ns, "web")
        await admin.until(lambda: _gone(admin, "Pod", ns, "web"))
        again = await pod_on(admin, ns, "web", a, app="web")
        svc_again = await admin.create(s.service("web", ns, {"app": "web"}))
        assert again["metadata"]["uid"] != first["metadata"]["uid"]
        await rec.quiet()
        events = rec.streams[a].events[-8:]
        uids = {e.uid for e in events}
        assert {first["metadata"]["uid"], again["metadata"]["uid"]} <= uids
        assert svc_again["metadata"]["uid"] in uids
        final = {e.uid: e.reason for e in rec.streams[a].events}
        assert final[first["metadata"]["uid"]] == "Delete"
        assert final[svc["metadata"]["uid"]] == "Delete"
        assert final[again["metadata"]["uid"]] in {"Create", "Update"}
        assert final[svc_again["metadata"]["uid"]] in {"Create", "Update"}
        await rec.close()


async def _gone(admin: Admin, kind: str, namespace: str, name: str) -> bool:
    return await admin.get(kind, namespace, name) is None
