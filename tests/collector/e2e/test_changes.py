"""Scenarios #4-#9, #11-#14, #16: live changes as exact per-node sequences.

The scenarios are numbered as in docs/collector-contract.md."""

from __future__ import annotations

import dataclasses

import pytest

from k8smeta.collector.model import Change, Kind, KubeObject
from tests.collector.e2e.cluster import (
    CLUSTER,
    DEP_WEB,
    DS_AGENT,
    NS_DEFAULT,
    POD_A1,
    POD_A2,
    POD_A3,
    POD_B1,
    POD_B2,
    POD_UNSCHEDULED,
    RS_WEB,
    SVC_NGINX,
    SVC_WEB,
    TO_RS,
    WEB_LABELS,
)
from tests.collector.e2e.harness import live_streams
from tests.collector.index.objects import (
    added,
    deleted,
    modified,
    namespace,
    pod,
    ref,
    service,
    workload,
)


def with_meta(obj: KubeObject, **changes: object) -> KubeObject:
    return dataclasses.replace(obj, meta=dataclasses.replace(obj.meta, **changes))  # type: ignore[arg-type]


def moved(obj: KubeObject, node: str) -> KubeObject:
    return dataclasses.replace(obj, node_name=node)


A1_GONE = [
    "Delete Pod pod-a1",
    "Delete Service svc-web",
    "Delete ReplicaSet rs-web",
    "Delete Deployment dep-web",
]
DEP_NEW = workload(Kind.DEPLOYMENT, "web2", "dep-new")
RS_ADOPTED = with_meta(RS_WEB, owner_references=(ref(Kind.DEPLOYMENT, "web2", "dep-new"),))
NEW_NS = namespace("late", "ns-late")
POD_LATE = pod("late-a", "pod-late", namespace="late", ip="10.9.9.9")
POD_NEW_RS = pod("x", "pod-x", labels=WEB_LABELS, owner=ref(Kind.REPLICA_SET, "web-6", "rs-6"))
RS_6 = workload(Kind.REPLICA_SET, "web-6", "rs-6", owner=ref(Kind.DEPLOYMENT, "web", "dep-web"))
SVC_SECOND = service("web-alt", "svc-alt", selector={"pod-template-hash": "5d"})

NS_UPDATE = "Update Namespace ns-default"
ADOPTION = ["Delete Deployment dep-web", "Create Deployment dep-new"]
SCENARIOS = [
    pytest.param([modified(with_meta(POD_A1, labels={**WEB_LABELS, "v": "2"}))],
                 {"node-a": ["Update Pod pod-a1"], "node-b": []}, id="4 pod label change"),
    pytest.param([modified(dataclasses.replace(POD_B2, pod_ip="10.0.1.2"))],
                 {"node-a": [], "node-b": ["Update Pod pod-b2"]}, id="4 pod ip assigned"),
    pytest.param([modified(DEP_WEB), modified(POD_A1), modified(DS_AGENT)],
                 {"node-a": [], "node-b": []}, id="4 no message change, nothing"),
    pytest.param([modified(with_meta(NS_DEFAULT, labels={"team": "x"}))],
                 {"node-a": [NS_UPDATE], "node-b": [NS_UPDATE]},
                 id="4 namespace label change reaches every holder"),
    pytest.param([deleted(POD_A1)], {"node-a": A1_GONE, "node-b": []}, id="5 pod deleted"),
    pytest.param([deleted(POD_A1, POD_A2)],
                 {"node-a": ["Delete Pod pod-a1", "Delete Pod pod-a2", "Delete Service svc-nginx",
                             "Delete Service svc-web", "Delete ReplicationController rc-nginx",
                             "Delete ReplicaSet rs-web", "Delete Deployment dep-web",
                             "Delete Namespace ns-default"], "node-b": []},
                 id="6 last pod of a namespace leaves a while b keeps one"),
    pytest.param([deleted(POD_B1)],
                 {"node-a": [], "node-b": ["Delete Pod pod-b1", "Delete Service svc-web",
                                           "Delete ReplicaSet rs-web", "Delete Deployment dep-web",
                                           "Delete Namespace ns-default"]},
                 id="7 deletes also when b was the last"),
    pytest.param([modified(moved(POD_A1, "node-b"))],
                 {"node-a": A1_GONE, "node-b": ["Create Pod pod-a1"]}, id="8 pod moves a to b"),
    pytest.param([modified(moved(POD_UNSCHEDULED, "node-a"))],
                 {"node-a": ["Create Pod pod-u"], "node-b": []}, id="8 pod scheduled"),
    pytest.param([deleted(POD_A3), added(moved(with_meta(POD_A3, uid="pod-a3b"), "node-b"))],
                 {"node-a": ["Delete Pod pod-a3", "Delete DaemonSet ds-agent",
                             "Delete Namespace ns-kube"],
                  "node-b": ["Create Pod pod-a3b"]},
                 id="8 recreated elsewhere"),
    pytest.param([added(POD_NEW_RS), added(RS_6)],
                 {"node-a": ["Create Pod pod-x", "Create ReplicaSet rs-6", "Update Pod pod-x"],
                  "node-b": []},
                 id="9 replica set after its pod"),
    pytest.param([added(DEP_NEW), modified(RS_ADOPTED)],
                 {"node-a": [*ADOPTION, "Update Pod pod-a1"],
                  "node-b": [*ADOPTION, "Update Pod pod-b1"]},
                 id="9 replica set adopted"),
    pytest.param([added(pod("sts-0", "pod-sts", owner=ref("StatefulSet", "db", "sts-1")))],
                 {"node-a": ["Create Pod pod-sts"], "node-b": []}, id="11 stateful set pod"),
    pytest.param([deleted(POD_B2)],
                 {"node-a": [], "node-b": ["Delete Pod pod-b2", "Delete DaemonSet ds-agent",
                                           "Delete Namespace ns-kube"]},
                 id="11 daemon set leaves the node without its pod"),
    pytest.param([modified(dataclasses.replace(SVC_NGINX, selector={"app": "web"}))],
                 {"node-a": ["Update Pod pod-a1", "Update Pod pod-a2"],
                  "node-b": ["Create Service svc-nginx", "Update Pod pod-b1"]},
                 id="12 selector moves from nginx to web pods"),
    pytest.param([modified(dataclasses.replace(SVC_WEB, selector={"app": "none"}))],
                 {"node-a": ["Delete Service svc-web", "Update Pod pod-a1"],
                  "node-b": ["Delete Service svc-web", "Update Pod pod-b1"]},
                 id="12 selector stops matching"),
    pytest.param([added(service("bare", "svc-bare"))], {"node-a": [], "node-b": []},
                 id="12 selectorless service never sent"),
    pytest.param([added(SVC_SECOND), deleted(SVC_SECOND)],
                 {"node-a": ["Create Service svc-alt", "Update Pod pod-a1",
                             "Delete Service svc-alt", "Update Pod pod-a1"],
                  "node-b": ["Create Service svc-alt", "Update Pod pod-b1",
                             "Delete Service svc-alt", "Update Pod pod-b1"]},
                 id="13 two services select the same pod"),
    pytest.param([added(POD_LATE), added(NEW_NS)],
                 {"node-a": ["Create Namespace ns-late", "Create Pod pod-late"], "node-b": []},
                 id="14 namespace after pod"),
    pytest.param([deleted(POD_A2) + added(with_meta(POD_A2, uid="pod-a2-new"))],
                 {"node-a": ["Delete Pod pod-a2", "Create Pod pod-a2-new"], "node-b": []},
                 id="16 uid reuse in one batch"),
    pytest.param([deleted(POD_A2), added(with_meta(POD_A2, uid="pod-a2-new"))],
                 {"node-a": ["Delete Pod pod-a2", "Delete Service svc-nginx",
                             "Delete ReplicationController rc-nginx",
                             "Create ReplicationController rc-nginx", "Create Service svc-nginx",
                             "Create Pod pod-a2-new"], "node-b": []},
                 id="16 uid reuse across batches"),
]  # fmt: skip


@pytest.mark.asyncio
@pytest.mark.parametrize(("batches", "expected"), SCENARIOS)
async def test_live_changes(
    batches: list[tuple[Change, ...]], expected: dict[str, list[str]]
) -> None:
    assert await live_streams(CLUSTER, batches) == expected


@pytest.mark.asyncio
async def test_9_owner_chain_refs_after_late_replica_set() -> None:
    """The pod Update adds the ReplicaSet and (known) Deployment to refs."""
    from google.protobuf import json_format

    from tests.collector.e2e.harness import running

    async with running(CLUSTER) as h:
        client = await h.watch("node-a", ["Pod"], sync=True).registered()
        await client.until_sync()
        await h.emit(added(POD_NEW_RS))
        await h.emit(added(RS_6))
        created, updated = await client.take(2)
    assert json_format.MessageToDict(created.refs)["resources"] == {
        "Namespace": {"list": ["ns-default"]},
        "ReplicaSet": {"list": ["rs-6"]},
        "Service": {"list": ["svc-web"]},
    }
    assert json_format.MessageToDict(updated.refs)["resources"] == {
        "Deployment": {"list": ["dep-web"]},
        "Namespace": {"list": ["ns-default"]},
        "ReplicaSet": {"list": ["rs-6"]},
        "Service": {"list": ["svc-web"]},
    }
    assert updated.meta == created.meta
    assert TO_RS.uid == "rs-web"
