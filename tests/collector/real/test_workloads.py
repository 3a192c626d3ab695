"""Every kind against the real API server, with owner chains made by the controller manager:
created, relabelled, moved, cascaded away. Two nodes' Watch streams, step by step.

The collector runs with the token of deploy/'s ServiceAccount; objects are made as the
admin; the test binds pods and writes their status (no scheduler, no kubelet).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.collector.real import scenario as s
from tests.collector.real.streams import Recorder, collector_on
from tests.kubeapi.real.admin import Admin, running
from tests.kubeapi.real.cluster import ControlPlane

pytestmark = [pytest.mark.real_apiserver, pytest.mark.timeout(600)]
Obj = dict[str, Any]


def refs(event: Any) -> dict[str, list[str]]:
    return {kind: sorted(uids.list) for kind, uids in event.refs.resources.items()}


def uid(obj: Obj) -> str:
    value: str = obj["metadata"]["uid"]
    return value


@pytest.mark.asyncio
async def test_workloads_made_by_the_controllers(control_plane: ControlPlane, admin: Admin) -> None:
    a, b, ns = s.unique("node-a"), s.unique("node-b"), s.unique("shop")
    L = s.line  # noqa: N806
    async with collector_on(control_plane.service_account_kubeconfig()) as serving:
        rec = Recorder(serving.channel, [a, b])
        assert await rec.synced() == {a: [], b: []}

        # Nodes register (labelled for this test's DaemonSet).
        node_label = {"k8smeta.test/set": ns}
        await admin.node(a, node_label)
        await admin.node(b, node_label)
        assert await rec.step() == {a: {f"Create Node /{a}"}, b: {f"Create Node /{b}"}}

        # A Deployment of 2 and its Service: the controllers make the ReplicaSet and pods.
        namespace = await admin.namespace(ns, {"team": "store"})
        namespace["kind"] = "Namespace"
        web = await admin.create(s.deployment("web", ns, 2, {"tier": "front"}))
        svc = await admin.create(s.service("web", ns, {"app": "web"}))
        places = iter([a, b])
        pa, pb = await admin.schedule(ns, "app=web", 2, lambda _: next(places))
        (rs,) = await admin.items("ReplicaSet", ns)
        rs["kind"] = "ReplicaSet"
        shared = {L("Create", namespace), L("Create", web), L("Create", rs), L("Create", svc)}
        assert await rec.step() == {
            a: shared | {L("Create", pa, "Pod"), L("Update", pa, "Pod")},
            b: shared | {L("Create", pb, "Pod"), L("Update", pb, "Pod")},
        }
        last_a = [e for e in rec.streams[a].events if e.uid == uid(pa)][-1]
        assert refs(last_a) == {
            "Deployment": [uid(web)], "Namespace": [uid(namespace)],
            "ReplicaSet": [uid(rs)], "Service": [uid(svc)],
        }  # fmt: skip
        assert json.loads(last_a.status)["podIP"] == pa["status"]["podIP"]

        # Labels change on a Deployment, a Namespace, a pod.
        await admin.update("Deployment", ns, "web", lambda o: o["metadata"]["labels"].update(v="2"))
        both = {L("Update", web)}
        assert await rec.step() == {a: both, b: both}
        await admin.update("Namespace", "", ns, lambda o: o["metadata"]["labels"].update(v="2"))
        both = {L("Update", namespace)}
        assert await rec.step() == {a: both, b: both}
        await admin.update("Pod", ns, pa["metadata"]["name"],
                           lambda o: o["metadata"]["labels"].update(extra="1"))  # fmt: skip
        assert await rec.step() == {a: {L("Update", pa, "Pod")}, b: set()}

        # A pod of no owner, bound directly, moves from a to b (delete + create, same name).
        solo = s.pod("solo", ns, a, {"app": "solo"}, {"example.com/team": "t"})
        created = await admin.create({**solo, "status": running("10.9.0.1")})
        assert await rec.step() == {a: {L("Create", created), L("Update", created)}, b: set()}
        await admin.delete("Pod", ns, "solo", grace=0)
        await admin.until(lambda: _gone(admin, "Pod", ns, "solo"))
        moved = await admin.create(
            {**s.pod("solo", ns, b, {"app": "solo"}), "status": running("10.9.0.2")}
        )
        assert uid(moved) != uid(created)
        assert await rec.step() == {
            a: {L("Delete", created)},
            b: {L("Create", moved), L("Update", moved)},
        }

        # A CronJob's Job (owned as the CronJob controller would own it); its pod on a.
        cron = await admin.create(s.cron_job("nightly", ns))
        job = await admin.create(s.job("nightly-1", ns, owner=cron))
        (job_pod,) = await admin.schedule(ns, "app=nightly-1", 1, lambda _: a)
        assert await rec.step() == {
            a: {L("Create", cron), L("Create", job), L("Create", job_pod, "Pod"),
                L("Update", job_pod, "Pod")},
            b: set(),
        }  # fmt: skip
        assert refs(rec.streams[a].events[-1])["Job"] == [uid(job)]

        # A DaemonSet: one pod per node of its selector.
        ds = await admin.create(s.daemon_set("agent", ns, node_label))
        agents = await admin.schedule(ns, "app=agent", 2, s.affinity_node)
        on = {s.affinity_node(p): p for p in agents}
        assert await rec.step() == {
            node: {L("Create", ds), L("Create", on[node], "Pod"), L("Update", on[node], "Pod")}
            for node in (a, b)
        }

        # A StatefulSet's pod on b; a ReplicationController's pod on a.
        sts = await admin.create(s.stateful_set("db", ns, 1))
        (db0,) = await admin.schedule(ns, "app=db", 1, lambda _: b)
        assert db0["metadata"]["name"] == "db-0"
        rc = await admin.create(s.replication_controller("nginx", ns, 1))
        (nginx,) = await admin.schedule(ns, "app=nginx", 1, lambda _: a)
        assert await rec.step() == {
            a: {L("Create", rc), L("Create", nginx, "Pod"), L("Update", nginx, "Pod")},
            b: {L("Create", sts), L("Create", db0, "Pod"), L("Update", db0, "Pod")},
        }

        # Cascading delete: the garbage collector deletes the ReplicaSet, then its pods.
        await admin.delete("Deployment", ns, "web")
        await admin.confirm_deletions(ns)
        await admin.until(lambda: _none_left(admin, ns, "app=web"))
        # Background propagation: the Deployment goes first, so each pod's refs lose it (an
        # Update) before the garbage collector deletes the ReplicaSet and the pods.
        gone = {L("Delete", web), L("Delete", rs), L("Delete", svc)}
        assert await rec.step() == {
            a: gone | {L("Update", pa, "Pod"), L("Delete", pa, "Pod")},
            b: gone | {L("Update", pb, "Pod"), L("Delete", pb, "Pod")},
        }

        # The namespace goes: the namespace controller deletes everything in it.
        await admin.delete("Namespace", "", ns)
        await admin.until(lambda: _gone(admin, "Namespace", "", ns), timeout=120)
        assert await rec.step() == {
            a: {L("Delete", job_pod, "Pod"), L("Delete", job), L("Delete", cron),
                L("Delete", on[a], "Pod"), L("Delete", ds), L("Delete", nginx, "Pod"),
                L("Delete", rc), L("Delete", namespace)},
            b: {L("Delete", moved), L("Delete", on[b], "Pod"), L("Delete", ds),
                L("Delete", db0, "Pod"), L("Delete", sts), L("Delete", namespace)},
        }  # fmt: skip

        await admin.delete("Node", "", a)
        assert await rec.step() == {a: {f"Delete Node /{a}"}, b: set()}
        await rec.close()


async def _gone(admin: Admin, kind: str, namespace: str, name: str) -> bool:
    return await admin.get(kind, namespace, name) is None


async def _none_left(admin: Admin, namespace: str, selector: str) -> bool:
    return not await admin.pods(namespace, labelSelector=selector) and not await admin.items(
        "ReplicaSet", namespace
    )
