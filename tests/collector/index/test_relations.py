"""Refs and needs of a pod (docs/collector-contract.md), and which pods each change affects."""

from __future__ import annotations

import itertools

import pytest

from k8smeta.collector.index import Affected, RelationshipIndex
from k8smeta.collector.model import Change, Kind, KubeObject, NodeName, Uid
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

NS = namespace("default", "ns-1")
DEP = workload(Kind.DEPLOYMENT, "web", "dep-1")
RS = workload(Kind.REPLICA_SET, "web-1", "rs-1", owner=ref(Kind.DEPLOYMENT, "web", "dep-1"))
RC = workload(Kind.REPLICATION_CONTROLLER, "old", "rc-1")
DS = workload(Kind.DAEMON_SET, "agent", "ds-1")
STS = workload(Kind.STATEFUL_SET, "db", "sts-1")
CRON = workload(Kind.CRON_JOB, "nightly", "cj-1")
JOB = workload(Kind.JOB, "nightly-1", "job-1", owner=ref(Kind.CRON_JOB, "nightly", "cj-1"))
TO_JOB = ref(Kind.JOB, "nightly-1", "job-1")
SVC_B = service("b", "svc-b", selector={"app": "web"})
SVC_A = service("a", "svc-a", selector={"app": "web", "tier": "front"})
SVC_NONE = service("none", "svc-none", selector=None)
SVC_EMPTY = service("empty", "svc-empty", selector={})
LABELS = {"app": "web", "tier": "front"}


def build(*objects: KubeObject) -> RelationshipIndex:
    index = RelationshipIndex()
    for change in added(*objects):
        index.apply(change, Affected())
    return index


def refs_of(index: RelationshipIndex, uid: str) -> dict[str, list[str]] | None:
    relations = index.relations(Uid(uid))
    return None if relations is None else {k: list(v) for k, v in relations.refs}


@pytest.mark.parametrize(
    ("objects", "expected_refs", "expected_needs"),
    [
        pytest.param(
            [NS, pod("p", "p-1")],
            {"Namespace": ["ns-1"], "Service": []},
            {"ns-1"},
            id="bare pod",
        ),
        pytest.param(
            [NS, DEP, RS, pod("p", "p-1", owner=ref(Kind.REPLICA_SET, "web-1", "rs-1"))],
            {"Deployment": ["dep-1"], "Namespace": ["ns-1"], "ReplicaSet": ["rs-1"], "Service": []},
            {"ns-1", "rs-1", "dep-1"},
            id="rs and deployment known",
        ),
        pytest.param(
            [NS, RS, pod("p", "p-1", owner=ref(Kind.REPLICA_SET, "web-1", "rs-1"))],
            {"Deployment": ["dep-1"], "Namespace": ["ns-1"], "ReplicaSet": ["rs-1"], "Service": []},
            {"ns-1", "rs-1"},
            id="deployment unknown: in refs, not needed",
        ),
        pytest.param(
            [NS, DEP, pod("p", "p-1", owner=ref(Kind.REPLICA_SET, "web-1", "rs-1"))],
            {"Namespace": ["ns-1"], "ReplicaSet": ["rs-1"], "Service": []},
            {"ns-1"},
            id="rs unknown: no deployment key",
        ),
        pytest.param(
            [NS, RC, pod("p", "p-1", owner=ref(Kind.REPLICATION_CONTROLLER, "old", "rc-1"))],
            {"Namespace": ["ns-1"], "ReplicationController": ["rc-1"], "Service": []},
            {"ns-1", "rc-1"},
            id="replication controller",
        ),
        pytest.param(
            [NS, DS, pod("p", "p-1", owner=ref(Kind.DAEMON_SET, "agent", "ds-1"))],
            {"DaemonSet": ["ds-1"], "Namespace": ["ns-1"], "Service": []},
            {"ns-1", "ds-1"},
            id="daemon set",
        ),
        pytest.param(
            [NS, pod("p", "p-1", owner=ref("StatefulSet", "db", "sts-1"))],
            {"Namespace": ["ns-1"], "Service": [], "StatefulSet": ["sts-1"]},
            {"ns-1"},
            id="stateful set unknown: refs only",
        ),
        pytest.param(
            [NS, STS, pod("p", "p-1", owner=ref(Kind.STATEFUL_SET, "db", "sts-1"))],
            {"Namespace": ["ns-1"], "Service": [], "StatefulSet": ["sts-1"]},
            {"ns-1", "sts-1"},
            id="stateful set known: needed",
        ),
        pytest.param(
            [NS, CRON, JOB, pod("p", "p-1", owner=TO_JOB)],
            {"Job": ["job-1"], "Namespace": ["ns-1"], "Service": []},
            {"ns-1", "job-1", "cj-1"},
            id="job and cronjob known: both needed, refs name the job only",
        ),
        pytest.param(
            [NS, JOB, pod("p", "p-1", owner=TO_JOB)],
            {"Job": ["job-1"], "Namespace": ["ns-1"], "Service": []},
            {"ns-1", "job-1"},
            id="cronjob unknown",
        ),
        pytest.param(
            [NS, CRON, pod("p", "p-1", owner=TO_JOB)],
            {"Job": ["job-1"], "Namespace": ["ns-1"], "Service": []},
            {"ns-1"},
            id="job unknown: no cronjob",
        ),
        pytest.param(
            [NS, CRON, workload(Kind.JOB, "j", "job-1"), pod("p", "p-1", owner=TO_JOB)],
            {"Job": ["job-1"], "Namespace": ["ns-1"], "Service": []},
            {"ns-1", "job-1"},
            id="job without cronjob",
        ),
        pytest.param(
            [
                NS,
                node("node-a", "node-1"),
                pod("p", "p-1", owner=ref(Kind.NODE, "node-a", "node-1")),
            ],
            {"Namespace": ["ns-1"], "Node": ["node-1"], "Service": []},
            {"ns-1"},
            id="static pod: its node in refs, not a need",
        ),
        pytest.param(
            [NS, DS, pod("p", "p-1", owner=ref(Kind.DAEMON_SET, "x", "ds-1", controller=False))],
            {"Namespace": ["ns-1"], "Service": []},
            {"ns-1"},
            id="non-controller owner ignored",
        ),
        pytest.param(
            [NS, SVC_B, SVC_A, SVC_NONE, SVC_EMPTY, pod("p", "p-1", labels=LABELS)],
            {"Namespace": ["ns-1"], "Service": ["svc-a", "svc-b"]},
            {"ns-1", "svc-a", "svc-b"},
            id="services sorted, selectorless never",
        ),
        pytest.param(
            [NS, SVC_A, pod("p", "p-1", labels={"app": "web"})],
            {"Namespace": ["ns-1"], "Service": []},
            {"ns-1"},
            id="partial selector match",
        ),
        pytest.param(
            [
                NS,
                service("other", "svc-o", namespace="kube-system", selector={"app": "web"}),
                pod("p", "p-1", labels=LABELS),
            ],
            {"Namespace": ["ns-1"], "Service": []},
            {"ns-1"},
            id="service of another namespace",
        ),
    ],
)
def test_refs_and_needs(
    objects: list[KubeObject], expected_refs: dict[str, list[str]], expected_needs: set[str]
) -> None:
    index = build(*objects)
    assert refs_of(index, "p-1") == expected_refs
    relations = index.relations(Uid("p-1"))
    assert relations is not None
    assert relations.node == "node-a"
    assert relations.needs == expected_needs


@pytest.mark.parametrize(
    "objects",
    [
        pytest.param([pod("p", "p-1")], id="namespace unknown"),
        pytest.param([NS, pod("p", "p-1", node="")], id="unscheduled"),
        pytest.param([NS], id="absent"),
    ],
)
def test_invisible_pods_have_no_relations(objects: list[KubeObject]) -> None:
    assert build(*objects).relations(Uid("p-1")) is None


OWNED = pod("p", "p-1", owner=ref(Kind.REPLICA_SET, "web-1", "rs-1"), labels=LABELS)
OTHER = pod("q", "p-2", labels={"app": "db"})
BASE = [NS, DEP, RS, SVC_A, OWNED, OTHER]


@pytest.mark.parametrize(
    ("changes", "pods", "objects"),
    [
        pytest.param(added(pod("r", "p-3")), {"p-3"}, set(), id="pod added"),
        pytest.param(deleted(OWNED), {"p-1"}, set(), id="pod deleted"),
        pytest.param(deleted(pod("r", "p-9")), set(), set(), id="unknown delete ignored"),
        pytest.param(
            modified(namespace("default", "ns-1", {"a": "b"})), set(), {"ns-1"}, id="ns labels"
        ),
        pytest.param(deleted(NS), {"p-1", "p-2", "p-j"}, {"ns-1"}, id="ns deleted"),
        pytest.param(deleted(DEP), {"p-1"}, {"dep-1"}, id="deployment deleted"),
        pytest.param(
            modified(workload(Kind.DEPLOYMENT, "web", "dep-1", labels={"x": "y"})),
            set(),
            {"dep-1"},
            id="deployment labels",
        ),
        pytest.param(
            modified(
                workload(Kind.REPLICA_SET, "web-1", "rs-1", owner=ref("Deployment", "n", "d2"))
            ),
            {"p-1"},
            {"rs-1"},
            id="rs adopted",
        ),
        pytest.param(
            modified(service("a", "svc-a", selector={"app": "db"})),
            {"p-1", "p-2"},
            {"svc-a"},
            id="selector change: old and new matches",
        ),
        pytest.param(
            modified(service("a", "svc-a", selector=SVC_A.selector, labels={"l": "1"})),
            set(),
            {"svc-a"},
            id="service labels only",
        ),
        pytest.param(added(service("n", "svc-n")), set(), {"svc-n"}, id="selectorless service"),
        pytest.param(deleted(CRON), {"p-j"}, {"cj-1"}, id="cronjob deleted: its jobs' pods"),
        pytest.param(
            modified(workload(Kind.JOB, "nightly-1", "job-1")),
            {"p-j"},
            {"job-1"},
            id="job orphaned",
        ),
        pytest.param(
            modified(
                workload(
                    Kind.JOB,
                    "nightly-1",
                    "job-1",
                    owner=JOB.meta.owner_references[0],
                    labels={"a": "b"},
                )
            ),
            set(),
            {"job-1"},
            id="job labels",
        ),
        pytest.param(
            modified(node("node-a", "node-1", {"zone": "z"})), set(), {"node-1"}, id="node labels"
        ),
    ],
)
def test_affected(changes: tuple[Change, ...], pods: set[str], objects: set[str]) -> None:
    index = build(*BASE, CRON, JOB, pod("j", "p-j", owner=TO_JOB), node("node-a", "node-1"))
    affected = Affected()
    for change in changes:
        index.apply(change, affected)
    assert affected.pods == pods
    assert affected.objects == objects
    nodes = {"node-a"} if any(change.obj.kind is Kind.NODE for change in changes) else set()
    assert affected.nodes == nodes


def test_nodes_by_name_map_to_the_last_arrived() -> None:
    old, new = node("node-a", "node-1"), node("node-a", "node-2")
    index = build(old, new)
    assert index.node_uid(NodeName("node-a")) == "node-2"
    affected = Affected()
    index.apply(deleted(new)[0], affected)
    assert (index.node_uid(NodeName("node-a")), affected.nodes) == ("node-1", {"node-a"})
    index.apply(deleted(old)[0], Affected())
    assert index.node_uid(NodeName("node-a")) is None
    assert index.namespace_uid("node-a") is None


def test_namespace_uid_reuse_keeps_the_new_mapping() -> None:
    index = build(NS, pod("p", "p-1"))
    index.apply(added(namespace("default", "ns-2"))[0], Affected())
    index.apply(deleted(NS)[0], Affected())
    assert index.namespace_uid("default") == "ns-2"
    assert refs_of(index, "p-1") == {"Namespace": ["ns-2"], "Service": []}


def test_pod_moving_node_is_reindexed() -> None:
    index = build(NS, pod("p", "p-1", node="node-a"))
    index.apply(modified(pod("p", "p-1", node="node-b"))[0], Affected())
    assert list(index.pods_on_node(NodeName("node-a"))) == []
    assert list(index.pods_on_node(NodeName("node-b"))) == ["p-1"]
    assert index.count(Kind.POD) == 1


def test_two_namespaces_sharing_a_name_map_to_the_last_arrived() -> None:
    """A modification of the older one does not take the name back (found by the property)."""
    old, new = namespace("default", "ns-1"), namespace("default", "ns-2")
    index = build(old, new, pod("p", "p-1"))
    affected = Affected()
    index.apply(modified(namespace("default", "ns-1", {"x": "y"}))[0], affected)
    assert (index.namespace_uid("default"), affected.pods) == ("ns-2", set())
    affected = Affected()
    index.apply(deleted(new)[0], affected)
    assert (index.namespace_uid("default"), affected.pods) == ("ns-1", {"p-1"})
    index.apply(deleted(old)[0], Affected())
    assert index.namespace_uid("default") is None


def test_a_uid_goes_to_its_first_claimant_in_dependency_order_whatever_the_arrival() -> None:
    impostor = pod("p", "x-1")
    real = namespace("other", "x-1")
    index = build(NS, impostor)
    affected = Affected()
    index.apply(added(real)[0], affected)  # arrives second, comes first: takes the UID
    assert (index.get(Uid("x-1")), index.namespace_uid("other")) == (real, "x-1")
    assert (index.count(Kind.POD), index.count(Kind.NAMESPACE)) == (0, 2)
    assert affected.conflicts == [(impostor, real)]
    assert affected.pods == {"x-1"}  # the impostor leaves the views
    affected = Affected()
    index.apply(deleted(impostor)[0], affected)  # a claimant's DELETED: the holder stays
    assert (index.get(Uid("x-1")), affected.pods, affected.objects) == (real, set(), set())


def test_a_set_aside_claimant_takes_the_uid_when_its_holder_leaves() -> None:
    real = namespace("shop", "x-1")
    impostor = pod("p", "x-1", namespace="default")
    index = build(NS, real)
    affected = Affected()
    index.apply(added(impostor)[0], affected)
    assert (index.get(Uid("x-1")), affected.conflicts) == (real, [(impostor, real)])
    affected = Affected()
    index.apply(deleted(real)[0], affected)
    assert index.get(Uid("x-1")) == impostor
    assert index.namespace_uid("shop") is None
    assert "x-1" in affected.pods
    assert index.relations(Uid("x-1")) is not None  # now a visible pod of "default"


CLAIMANTS = [
    namespace("shop", "x-1"),
    workload(Kind.DEPLOYMENT, "d", "x-1"),
    service("s", "x-1", selector={"a": "b"}),
    pod("p", "x-1"),
]


@pytest.mark.parametrize("order", list(itertools.permutations(range(len(CLAIMANTS)))))
def test_claimants_end_where_a_fresh_index_begins(order: tuple[int, ...]) -> None:
    index = build(NS)
    for number in order:
        index.apply(added(CLAIMANTS[number])[0], Affected())
    assert index.get(Uid("x-1")) == CLAIMANTS[0]
    for gone, expected in [(0, 1), (2, 1), (1, 3), (3, None)]:
        index.apply(deleted(CLAIMANTS[gone])[0], Affected())
        holder = index.get(Uid("x-1"))
        assert holder == (None if expected is None else CLAIMANTS[expected])
    assert sum(index.count(kind) for kind in Kind) == 1  # NS only


TO_RS = ref(Kind.REPLICA_SET, "web-1", "rs-1")


def replica_set_chain(length: int, *, cycle: bool = False) -> list[KubeObject]:
    """rs-1 controlled by rs-2 ... by rs-<length>; with `cycle`, the top one by rs-1."""
    chain = []
    for number in range(1, length + 1):
        above = number + 1 if number < length else (1 if cycle else None)
        owner = None if above is None else ref(Kind.REPLICA_SET, f"web-{above}", f"rs-{above}")
        chain.append(workload(Kind.REPLICA_SET, f"web-{number}", f"rs-{number}", owner=owner))
    return chain


@pytest.mark.parametrize(
    ("objects", "expected_refs", "expected_needs"),
    [
        pytest.param(
            [NS, *replica_set_chain(2), pod("p", "p-1", owner=TO_RS)],
            {"Namespace": ["ns-1"], "ReplicaSet": ["rs-1"], "Service": []},
            {"ns-1", "rs-1"},
            id="replica set controlled by a replica set",
        ),
        pytest.param(
            [NS, *replica_set_chain(2000), pod("p", "p-1", owner=TO_RS)],
            {"Namespace": ["ns-1"], "ReplicaSet": ["rs-1"], "Service": []},
            {"ns-1", "rs-1"},
            id="2000 replica sets in a chain",
        ),
        pytest.param(
            [NS, *replica_set_chain(3, cycle=True), pod("p", "p-1", owner=TO_RS)],
            {"Namespace": ["ns-1"], "ReplicaSet": ["rs-1"], "Service": []},
            {"ns-1", "rs-1"},
            id="replica sets in a cycle",
        ),
        pytest.param(
            [
                NS,
                workload(Kind.REPLICA_SET, "web-1", "rs-1", owner=TO_RS),
                pod("p", "p-1", owner=TO_RS),
            ],
            {"Namespace": ["ns-1"], "ReplicaSet": ["rs-1"], "Service": []},
            {"ns-1", "rs-1"},
            id="replica set controlling itself",
        ),
        pytest.param(
            [
                NS,
                CRON,
                workload(Kind.REPLICA_SET, "web-1", "rs-1", owner=ref(Kind.CRON_JOB, "n", "cj-1")),
                pod("p", "p-1", owner=TO_RS),
            ],
            {"Namespace": ["ns-1"], "ReplicaSet": ["rs-1"], "Service": []},
            {"ns-1", "rs-1"},
            id="replica set controlled by a cronjob: not followed",
        ),
        pytest.param(
            [
                NS,
                DEP,
                workload(Kind.REPLICA_SET, "web-1", "rs-1", owner=ref("Rollout", "r", "dep-1")),
                pod("p", "p-1", owner=TO_RS),
            ],
            {"Namespace": ["ns-1"], "ReplicaSet": ["rs-1"], "Service": []},
            {"ns-1", "rs-1"},
            id="replica set of a CRD whose UID a deployment holds",
        ),
        pytest.param(
            [
                NS,
                workload(Kind.JOB, "j", "job-1", owner=ref(Kind.JOB, "top", "job-2")),
                workload(Kind.JOB, "top", "job-2", owner=ref(Kind.CRON_JOB, "n", "cj-1")),
                CRON,
                pod("p", "p-1", owner=TO_JOB),
            ],
            {"Job": ["job-1"], "Namespace": ["ns-1"], "Service": []},
            {"ns-1", "job-1"},
            id="job controlled by a job",
        ),
        pytest.param(
            [
                NS,
                workload(Kind.DEPLOYMENT, "web", "dep-1", owner=ref(Kind.DEPLOYMENT, "x", "dep-2")),
                workload(Kind.DEPLOYMENT, "x", "dep-2"),
                RS,
                pod("p", "p-1", owner=TO_RS),
            ],
            {"Deployment": ["dep-1"], "Namespace": ["ns-1"], "ReplicaSet": ["rs-1"], "Service": []},
            {"ns-1", "rs-1", "dep-1"},
            id="deployment controlled by a deployment: no further",
        ),
    ],
)
def test_odd_owner_chains_stop_at_the_direct_owner(
    objects: list[KubeObject], expected_refs: dict[str, list[str]], expected_needs: set[str]
) -> None:
    index = build(*objects)
    assert refs_of(index, "p-1") == expected_refs
    relations = index.relations(Uid("p-1"))
    assert relations is not None
    assert relations.needs == expected_needs


def test_a_job_controlled_by_a_job_has_no_cronjob_refs() -> None:
    from k8smeta.collector.index import object_refs

    job = workload(Kind.JOB, "j", "job-1", owner=ref(Kind.JOB, "top", "job-2"))
    assert object_refs(job) is None
    assert object_refs(JOB) == (("CronJob", ("cj-1",)),)
