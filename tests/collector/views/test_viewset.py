"""Per-node views: snapshots and the Create/Update/Delete diffs of
docs/collector-contract.md ("Stream", "Relevance")."""

from __future__ import annotations

import pytest

from k8smeta.collector.index import Affected, RelationshipIndex
from k8smeta.collector.model import Change, Kind, KubeObject, NodeName
from k8smeta.collector.rpc.encode import EventEncoder
from k8smeta.collector.views import ViewSet, WireEvent
from k8smeta.wire import metadata_pb2
from tests.collector.index.objects import (
    added,
    deleted,
    modified,
    namespace,
    node,
    pod,
    ref,
    service,
    workload,
)

A, B = NodeName("node-a"), NodeName("node-b")
NS = namespace("default", "ns-1")
NS2 = namespace("other", "ns-2")
DEP = workload(Kind.DEPLOYMENT, "web", "dep-1")
DEP2 = workload(Kind.DEPLOYMENT, "web2", "dep-2")
RS = workload(Kind.REPLICA_SET, "web-1", "rs-1", owner=ref(Kind.DEPLOYMENT, "web", "dep-1"))
RC = workload(Kind.REPLICATION_CONTROLLER, "old", "rc-1")
DS = workload(Kind.DAEMON_SET, "agent", "ds-1")
SVC = service("web", "svc-1", selector={"app": "web"})
SVC2 = service("web2", "svc-2", selector={"app": "web"})
WEB = {"app": "web"}
ADOPTED = workload(Kind.REPLICA_SET, "web-1", "rs-1", owner=ref(Kind.DEPLOYMENT, "web2", "dep-2"))


def web_pod(uid: str, node: str = "node-a", **kwargs: object) -> KubeObject:
    owner = ref(Kind.REPLICA_SET, "web-1", "rs-1")
    return pod(uid, uid, node=node, owner=owner, labels=WEB, **kwargs)  # type: ignore[arg-type]


P1 = web_pod("p-1")
P2 = web_pod("p-2", node="node-b")
DS_POD = pod("agent-a", "p-ds", owner=ref(Kind.DAEMON_SET, "agent", "ds-1"))
RC_POD = pod("old-a", "p-rc", owner=ref(Kind.REPLICATION_CONTROLLER, "old", "rc-1"))
CLUSTER = [NS, DEP, RS, RC, DS, SVC, P1, P2, DS_POD, RC_POD]


def short(event: WireEvent) -> str:
    message = metadata_pb2.Event.FromString(event.data)
    assert (message.reason, message.uid) == (event.reason.value, event.uid)
    return f"{message.reason} {message.kind} {message.uid}"


def setup(
    objects: list[KubeObject], nodes: tuple[NodeName, ...]
) -> tuple[ViewSet, RelationshipIndex]:
    index = RelationshipIndex()
    for change in added(*objects):
        index.apply(change, Affected())
    views = ViewSet(index, EventEncoder())
    for name in nodes:
        views.open(name)
    return views, index


def apply(
    views: ViewSet, index: RelationshipIndex, changes: tuple[Change, ...]
) -> dict[str, list[str]]:
    affected = Affected()
    for change in changes:
        index.apply(change, affected)
    return {node: [short(e) for e in events] for node, events in views.update(affected).items()}


def test_snapshot_in_dependency_order_by_uid() -> None:
    views, _ = setup([*CLUSTER, SVC2, web_pod("p-0")], (A, B))
    assert [short(e) for e in views.snapshot(A)] == [
        "Create Namespace ns-1",
        "Create Deployment dep-1",
        "Create ReplicaSet rs-1",
        "Create ReplicationController rc-1",
        "Create DaemonSet ds-1",
        "Create Service svc-1",
        "Create Service svc-2",
        "Create Pod p-0",
        "Create Pod p-1",
        "Create Pod p-ds",
        "Create Pod p-rc",
    ]
    assert [short(e) for e in views.snapshot(B)] == [
        "Create Namespace ns-1",
        "Create Deployment dep-1",
        "Create ReplicaSet rs-1",
        "Create Service svc-1",
        "Create Service svc-2",
        "Create Pod p-2",
    ]


NODE_A = node("node-a", "node-1", {"zone": "z1"})
STS = workload(Kind.STATEFUL_SET, "db", "sts-1")
CRON = workload(Kind.CRON_JOB, "nightly", "cj-1")
TO_CRON = ref(Kind.CRON_JOB, "nightly", "cj-1")
JOB = workload(Kind.JOB, "nightly-1", "job-1", owner=TO_CRON)
ORPHAN_JOB = workload(Kind.JOB, "nightly-1", "job-1")
STS_A = pod("db-0", "p-sts-a", owner=ref(Kind.STATEFUL_SET, "db", "sts-1"))
STS_B = pod("db-1", "p-sts-b", node="node-b", owner=ref(Kind.STATEFUL_SET, "db", "sts-1"))
JOB_A = pod("nightly-1-x", "p-job", owner=ref(Kind.JOB, "nightly-1", "job-1"))
WORKLOADS = [NS, NODE_A, STS, CRON, JOB, STS_A, STS_B, JOB_A]

MOVED_OWNER = ["Delete Deployment dep-1", "Create Deployment dep-2"]
CASES = [
    pytest.param(CLUSTER, modified(web_pod("p-1", ip="10.0.0.1")), {"node-a": ["Update Pod p-1"]},
                 id="pod ip assigned"),
    pytest.param(CLUSTER, modified(web_pod("p-1")), {}, id="no change, no event"),
    pytest.param(CLUSTER, modified(workload(Kind.DEPLOYMENT, "web", "dep-1")), {},
                 id="owner modified without message change"),
    pytest.param(CLUSTER, modified(namespace("default", "ns-1", {"team": "x"})),
                 {"node-a": ["Update Namespace ns-1"], "node-b": ["Update Namespace ns-1"]},
                 id="namespace labels: every holder"),
    pytest.param(CLUSTER, deleted(P2),
                 {"node-b": ["Delete Pod p-2", "Delete Service svc-1", "Delete ReplicaSet rs-1",
                             "Delete Deployment dep-1", "Delete Namespace ns-1"]},
                 id="last pod of node b: deletes in order"),
    pytest.param([NS, DEP, RS, SVC, P2], deleted(P2),
                 {"node-b": ["Delete Pod p-2", "Delete Service svc-1", "Delete ReplicaSet rs-1",
                             "Delete Deployment dep-1", "Delete Namespace ns-1"]},
                 id="last pod anywhere: deletes still sent"),
    pytest.param(CLUSTER, deleted(DS_POD, RC_POD),
                 {"node-a": ["Delete Pod p-ds", "Delete Pod p-rc", "Delete DaemonSet ds-1",
                             "Delete ReplicationController rc-1"]},
                 id="owners leave with their pods"),
    pytest.param([NS, DEP, RS, SVC, P1], modified(web_pod("p-1", node="node-b")),
                 {"node-a": ["Delete Pod p-1", "Delete Service svc-1", "Delete ReplicaSet rs-1",
                             "Delete Deployment dep-1", "Delete Namespace ns-1"],
                  "node-b": ["Create Namespace ns-1", "Create Deployment dep-1",
                             "Create ReplicaSet rs-1", "Create Service svc-1", "Create Pod p-1"]},
                 id="pod moves node"),
    pytest.param([NS, P1], added(DEP, RS),
                 {"node-a": ["Create Deployment dep-1", "Create ReplicaSet rs-1",
                             "Update Pod p-1"]},
                 id="replica set after pod"),
    pytest.param(CLUSTER, modified(ADOPTED) + added(DEP2),
                 {"node-a": [*MOVED_OWNER, "Update Pod p-1"],
                  "node-b": [*MOVED_OWNER, "Update Pod p-2"]},
                 id="replica set adopted (its meta has no owners: no RS update)"),
    pytest.param(CLUSTER, modified(service("web", "svc-1", selector={"app": "db"})),
                 {"node-a": ["Delete Service svc-1", "Update Pod p-1"],
                  "node-b": ["Delete Service svc-1", "Update Pod p-2"]},
                 id="selector stops matching"),
    pytest.param(CLUSTER, added(SVC2),
                 {"node-a": ["Create Service svc-2", "Update Pod p-1"],
                  "node-b": ["Create Service svc-2", "Update Pod p-2"]},
                 id="second service selects"),
    pytest.param(CLUSTER, added(service("none", "svc-0")), {}, id="selectorless never sent"),
    pytest.param([DEP, RS, P1], added(NS),
                 {"node-a": ["Create Namespace ns-1", "Create Deployment dep-1",
                             "Create ReplicaSet rs-1", "Create Pod p-1"]},
                 id="namespace after pod"),
    pytest.param([NS, P1], deleted(P1) + added(web_pod("p-1b") ),
                 {"node-a": ["Delete Pod p-1", "Create Pod p-1b"]},
                 id="uid reuse: delete old, create new"),
    pytest.param([NS, P1], deleted(NS),
                 {"node-a": ["Delete Pod p-1", "Delete Namespace ns-1"]},
                 id="namespace deleted: pod withheld"),
    pytest.param([NS, NS2, P1], added(pod("x", "p-x", namespace="other", node="node-c")), {},
                 id="unsubscribed node: nothing"),
    pytest.param([NS, pod("u", "p-u", node="")], modified(pod("u", "p-u", node="node-a")),
                 {"node-a": ["Create Namespace ns-1", "Create Pod p-u"]},
                 id="unscheduled pod scheduled"),
    pytest.param(WORKLOADS, deleted(STS_B),
                 {"node-b": ["Delete Pod p-sts-b", "Delete StatefulSet sts-1",
                             "Delete Namespace ns-1"]},
                 id="statefulset: only its nodes"),
    pytest.param(WORKLOADS, deleted(JOB_A),
                 {"node-a": ["Delete Pod p-job", "Delete Job job-1", "Delete CronJob cj-1"]},
                 id="cronjob leaves with its job's last pod"),
    pytest.param(WORKLOADS, modified(ORPHAN_JOB),
                 {"node-a": ["Delete CronJob cj-1", "Update Job job-1"]},
                 id="job orphaned: update with its refs, cronjob leaves"),
    pytest.param([NS, NODE_A, ORPHAN_JOB, JOB_A], added(CRON) + modified(JOB),
                 {"node-a": ["Create CronJob cj-1", "Update Job job-1"]},
                 id="job adopted"),
    pytest.param([NS, NODE_A, CRON, JOB_A], added(JOB),
                 {"node-a": ["Create CronJob cj-1", "Create Job job-1"]},
                 id="job after its pod (pod refs unchanged: no update)"),
    pytest.param(WORKLOADS, modified(node("node-a", "node-1", {"zone": "z2"})),
                 {"node-a": ["Update Node node-1"]}, id="node labels: its node only"),
    pytest.param(WORKLOADS, deleted(NODE_A), {"node-a": ["Delete Node node-1"]},
                 id="node deleted"),
    pytest.param([NS], added(NODE_A), {"node-a": ["Create Node node-1"]}, id="node, no pods"),
    pytest.param(WORKLOADS, deleted(NODE_A) + added(node("node-a", "node-2")),
                 {"node-a": ["Delete Node node-1", "Create Node node-2"]},
                 id="node recreated"),
    pytest.param(WORKLOADS, added(node("node-c", "node-3")), {}, id="another node: nothing"),
]  # fmt: skip


@pytest.mark.parametrize(("objects", "changes", "expected"), CASES)
def test_batch_events(
    objects: list[KubeObject], changes: tuple[Change, ...], expected: dict[str, list[str]]
) -> None:
    views, index = setup(objects, (A, B))
    assert apply(views, index, changes) == expected


def test_update_carries_the_full_new_message() -> None:
    views, index = setup([NS, P1], (A,))
    affected = Affected()
    index.apply(modified(web_pod("p-1", ip="10.0.0.9"))[0], affected)
    (event,) = views.update(affected)[A]
    message = metadata_pb2.Event.FromString(event.data)
    assert message.status == '{"podIP":"10.0.0.9"}'
    assert message.meta.startswith('{"labels":{"app":"web"},"name":"p-1"')
    assert dict(message.refs.resources)["Namespace"].list == ["ns-1"]


def test_snapshot_of_the_new_kinds() -> None:
    views, _ = setup(WORKLOADS, (A, B))
    assert [short(e) for e in views.snapshot(A)] == [
        "Create Namespace ns-1",
        "Create Node node-1",
        "Create StatefulSet sts-1",
        "Create CronJob cj-1",
        "Create Job job-1",
        "Create Pod p-job",
        "Create Pod p-sts-a",
    ]
    assert [short(e) for e in views.snapshot(B)] == [
        "Create Namespace ns-1",
        "Create StatefulSet sts-1",
        "Create Pod p-sts-b",
    ]


def test_job_refs_name_its_cronjob_and_node_meta_has_no_namespace() -> None:
    views, _ = setup(WORKLOADS, (A,))
    messages = {str(e.uid): metadata_pb2.Event.FromString(e.data) for e in views.snapshot(A)}
    job = messages["job-1"]
    assert {k: list(v.list) for k, v in job.refs.resources.items()} == {"CronJob": ["cj-1"]}
    assert job.meta == '{"name":"nightly-1","namespace":"default","uid":"job-1"}'
    assert not job.HasField("status")
    assert not messages["cj-1"].HasField("refs")
    assert messages["node-1"].meta == '{"labels":{"zone":"z1"},"name":"node-a","uid":"node-1"}'
    pod_refs = {k: list(v.list) for k, v in messages["p-job"].refs.resources.items()}
    assert pod_refs == {"Job": ["job-1"], "Namespace": ["ns-1"], "Service": []}


def test_closing_views_releases_everything_and_shares_messages() -> None:
    views, _ = setup(CLUSTER, (A, B))
    first_a, first_b = views.snapshot(A)[0], views.snapshot(B)[0]
    assert first_a is first_b  # one serialized Create shared by both nodes
    views.close(A)
    assert A not in views
    assert views.snapshot(B)[0] is first_b  # still held for node b
    views.close(B)
    views.open(A)
    assert views.snapshot(A)[0] is not first_a  # nothing was held any more: serialized anew


def test_reopened_view_starts_from_the_current_state() -> None:
    views, index = setup([NS, P1], (A,))
    views.close(A)
    assert apply(views, index, deleted(P1)) == {}
    views.open(A)
    assert [short(e) for e in views.snapshot(A)] == []
