"""Odd owner chains over the live path: the API stand-in -> collector -> a real gRPC client.

A pod's refs name its direct owner of each kind; the walk up follows only Deployment ->
ReplicaSet and CronJob -> Job, one level, and stops (docs/collector-contract.md, "Refs").
"""

from __future__ import annotations

import pytest

from k8smeta.wire import metadata_pb2
from tests.collector.e2e.live import live_collector
from tests.kubeapi import objects
from tests.kubeapi.standin import KubeApiStandIn

NS = objects.namespace("shop", uid="ns-shop")


def refs(event: metadata_pb2.Event) -> dict[str, list[str]]:
    return {kind: list(uids.list) for kind, uids in event.refs.resources.items()}


def chain(length: int) -> list[objects.Obj]:
    """rs-1 controlled by rs-2 ... controlled by rs-<length>, the top one by a Deployment."""
    top: objects.Obj = objects.deployment("web", "shop", uid="dep-web")
    made = [top]
    for number in range(length, 0, -1):
        top = objects.replica_set(f"web-{number}", "shop", owner=top, uid=f"rs-{number}")
        made.append(top)
    return made


@pytest.mark.parametrize("length", [2, 2000])
@pytest.mark.asyncio
async def test_a_replica_set_under_replica_sets_is_the_pods_replica_set(length: int) -> None:
    owners = chain(length)
    async with KubeApiStandIn() as api:
        for obj in [NS, *owners, objects.pod("web-x", "shop", owner=owners[-1], uid="p-web")]:
            api.add(obj)
        async with live_collector(api) as live:
            events = await live.snapshot("node-a")
    by_uid = {event.uid: event for event in events}
    assert refs(by_uid["p-web"]) == {
        "Namespace": ["ns-shop"],
        "ReplicaSet": ["rs-1"],
        "Service": [],
    }
    # The node holds the pod's own ReplicaSet only: nothing above it is followed.
    assert sorted((e.kind, e.uid) for e in events) == [
        ("Namespace", "ns-shop"),
        ("Pod", "p-web"),
        ("ReplicaSet", "rs-1"),
    ]


@pytest.mark.asyncio
async def test_a_cycle_of_replica_sets_and_a_job_under_a_job_stop_at_once() -> None:
    async with KubeApiStandIn() as api:
        api.add(NS)
        rs_a = objects.replica_set("a", "shop", uid="rs-a")
        rs_b = objects.replica_set("b", "shop", owner=rs_a, uid="rs-b")
        rs_a["metadata"]["ownerReferences"] = [objects.owner_ref(rs_b)]
        cron = objects.workload("CronJob", "nightly", "shop", uid="cj-1")
        top_job = objects.workload("Job", "top", "shop", owner=cron, uid="job-top")
        job = objects.workload("Job", "inner", "shop", owner=top_job, uid="job-inner")
        for obj in [rs_a, rs_b, cron, top_job, job]:
            api.add(obj)
        api.add(objects.pod("x", "shop", owner=rs_a, uid="p-rs"))
        api.add(objects.pod("y", "shop", owner=job, uid="p-job"))
        async with live_collector(api) as live:
            events = await live.snapshot("node-a")
    by_uid = {event.uid: event for event in events}
    assert refs(by_uid["p-rs"]) == {"Namespace": ["ns-shop"], "ReplicaSet": ["rs-a"], "Service": []}
    assert refs(by_uid["p-job"]) == {"Job": ["job-inner"], "Namespace": ["ns-shop"], "Service": []}
    assert not by_uid["job-inner"].HasField("refs")  # a Job's refs name a CronJob only
    assert {e.uid for e in events} == {"ns-shop", "rs-a", "job-inner", "p-rs", "p-job"}
