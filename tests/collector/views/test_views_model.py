"""Property: the incremental events of a node view replay into exactly the node's view.

For random batches of changes over a small universe (UID reuse, moves, owners arriving late,
selectors changing, namespaces vanishing), a client applying each node's events in order
must (a) never see a Create of something it holds, an Update or Delete of something it does
not, an Update that changes nothing, or a pod before its namespace, and (b) end every batch
holding exactly what a freshly opened view of that node holds, byte for byte.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from k8smeta.collector.index import Affected, RelationshipIndex
from k8smeta.collector.model import (
    Change,
    ChangeType,
    Kind,
    KubeObject,
    NodeName,
    OwnerReference,
)
from k8smeta.collector.rpc.encode import EventEncoder
from k8smeta.collector.views import ViewSet, WireEvent
from k8smeta.wire import metadata_pb2
from tests.collector.index.objects import namespace, pod, ref, service, workload

NODES = (NodeName("n1"), NodeName("n2"))
LABELS = st.sampled_from([{}, {"app": "x"}, {"app": "y"}, {"app": "x", "tier": "t"}])
NAMESPACES = st.sampled_from(["a", "b"])
OWNERS = st.sampled_from([
    None,
    ref(Kind.REPLICA_SET, "r1", "r1"),
    ref(Kind.REPLICA_SET, "r2", "r2"),
    ref(Kind.DAEMON_SET, "ds1", "ds1"),
    ref(Kind.REPLICATION_CONTROLLER, "rc1", "rc1"),
    ref("StatefulSet", "sts", "sts1"),
])  # fmt: skip


def _pod(
    *, uid: str, ns: str, node: str, labels: dict[str, str], owner: OwnerReference | None, ip: str
) -> KubeObject:
    return pod(uid, uid, namespace=ns, node=node, labels=labels, owner=owner, ip=ip)


def _replica_set(uid: str, owner: OwnerReference | None, labels: dict[str, str]) -> KubeObject:
    return workload(Kind.REPLICA_SET, uid, uid, namespace="a", labels=labels, owner=owner)


def _service(
    uid: str, ns: str, selector: dict[str, str] | None, labels: dict[str, str]
) -> KubeObject:
    return service(uid, uid, namespace=ns, selector=selector, labels=labels)


DEPLOYMENT_OWNERS = st.sampled_from(
    [None, ref(Kind.DEPLOYMENT, "d1", "d1"), ref(Kind.DEPLOYMENT, "d2", "d2")]
)
OBJECTS = st.one_of(
    st.builds(lambda name, n, labels: namespace(name, f"ns-{name}-{n}", labels),
              NAMESPACES, st.sampled_from([1, 2]), LABELS),
    st.builds(_pod, uid=st.sampled_from(["p1", "p2", "p3", "p4"]), ns=NAMESPACES,
              node=st.sampled_from(["n1", "n2", "n3", ""]), labels=LABELS, owner=OWNERS,
              ip=st.sampled_from(["", "10.1"])),
    st.builds(_replica_set, st.sampled_from(["r1", "r2"]), DEPLOYMENT_OWNERS, LABELS),
    st.builds(lambda uid, labels: workload(Kind.DEPLOYMENT, uid, uid, namespace="a", labels=labels),
              st.sampled_from(["d1", "d2"]), LABELS),
    st.builds(lambda labels: workload(Kind.DAEMON_SET, "ds1", "ds1", labels=labels), LABELS),
    st.builds(lambda ns: workload(Kind.REPLICATION_CONTROLLER, "rc1", "rc1", namespace=ns),
              NAMESPACES),
    st.builds(_service, st.sampled_from(["s1", "s2"]), NAMESPACES,
              st.sampled_from([None, {}, {"app": "x"}, {"app": "y"}]), LABELS),
)  # fmt: skip
# Namespaces exist from the start, so that most generated pods are visible at once.
PRELUDE = [Change(ChangeType.ADDED, namespace(name, f"ns-{name}-1")) for name in ("a", "b")]
CHANGES = st.builds(Change, st.sampled_from(list(ChangeType)), OBJECTS)
BATCHES = st.lists(st.lists(CHANGES, min_size=1, max_size=3), min_size=1, max_size=20)


def content(event: WireEvent) -> bytes:
    message = metadata_pb2.Event.FromString(event.data)
    message.ClearField("reason")
    return message.SerializeToString(deterministic=True)


@dataclass
class Replica:
    """What a client holds after applying a node's events."""

    held: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    def apply(self, event: WireEvent) -> None:
        uid, kind = event.uid, event.kind.value if event.kind else ""
        message = metadata_pb2.Event.FromString(event.data)
        if event.reason == "Create":
            assert uid not in self.held, f"second Create of {uid}"
            self.held[uid] = (kind, content(event))
        elif event.reason == "Update":
            assert uid in self.held, f"Update of {uid} never created"
            assert self.held[uid][1] != content(event), f"Update of {uid} changes nothing"
            self.held[uid] = (kind, content(event))
        else:
            assert event.reason == "Delete"
            assert self.held.pop(uid, None) is not None, f"Delete of {uid} not held"
        if kind == "Pod" and event.reason != "Delete":
            (namespace_uid,) = message.refs.resources["Namespace"].list
            assert namespace_uid in self.held, f"pod {uid} before its namespace"


def fresh_view(index: RelationshipIndex, node: NodeName) -> dict[str, tuple[str, bytes]]:
    views = ViewSet(index, EventEncoder())
    views.open(node)
    snapshot = views.snapshot(node)
    return {e.uid: (e.kind.value if e.kind else "", content(e)) for e in snapshot}


@settings(max_examples=400, deadline=None)
@given(BATCHES, st.sets(st.integers(0, 20), max_size=4))
def test_incremental_events_replay_into_the_view(
    batches: list[list[Change]], resubscribe_after: set[int]
) -> None:
    index = RelationshipIndex()
    views = ViewSet(index, EventEncoder())
    replicas = {node: Replica() for node in NODES}
    for node in NODES:
        views.open(node)
    for number, changes in enumerate([PRELUDE, *batches]):
        affected = Affected()
        for change in changes:
            index.apply(change, affected)
        for node, events in views.update(affected).items():
            assert node in replicas, f"events for unsubscribed node {node}"
            for event in events:
                replicas[node].apply(event)
        if number in resubscribe_after:  # n2's last subscriber leaves, a new one arrives
            views.close(NODES[1])
            views.open(NODES[1])
            replicas[NODES[1]] = Replica()
            for event in views.snapshot(NODES[1]):
                replicas[NODES[1]].apply(event)
        for node in NODES:
            assert replicas[node].held == fresh_view(index, node)
            assert {e.uid for e in views.snapshot(node)} == set(replicas[node].held)


# A universe where UIDs clash across kinds (a pod with a namespace's UID, a service with a
# ReplicaSet's, a ReplicaSet with a pod's...) but names do not: one namespace per name, so
# that only the UID rule decides what a fresh collector serves, whatever the arrival order.
CLASH_NAMESPACES = st.sampled_from(["a", "b", "c"])
UID_OF_NAMESPACE = {"a": "ns-a-1", "b": "ns-b-1", "c": "p1"}
CLASHING = st.one_of(
    st.builds(lambda name, labels: namespace(name, UID_OF_NAMESPACE[name], labels),
              CLASH_NAMESPACES, LABELS),
    st.builds(_pod, uid=st.sampled_from(["p1", "p2", "p3", "ns-a-1", "r1", "s1", "d1"]),
              ns=CLASH_NAMESPACES, node=st.sampled_from(["n1", "n2", ""]), labels=LABELS,
              owner=OWNERS, ip=st.sampled_from(["", "10.1"])),
    st.builds(_replica_set, st.sampled_from(["r1", "r2", "p2", "s2"]), DEPLOYMENT_OWNERS, LABELS),
    st.builds(lambda uid, labels: workload(Kind.DEPLOYMENT, uid, uid, namespace="a", labels=labels),
              st.sampled_from(["d1", "d2", "s1", "p3"]), LABELS),
    st.builds(lambda labels: workload(Kind.DAEMON_SET, "ds1", "ds1", labels=labels), LABELS),
    st.builds(_service, st.sampled_from(["s1", "s2", "r1", "ds1", "ns-b-1"]), CLASH_NAMESPACES,
              st.sampled_from([None, {"app": "x"}, {"app": "y"}]), LABELS),
)  # fmt: skip
CLASH_PRELUDE = [Change(ChangeType.ADDED, namespace(n, UID_OF_NAMESPACE[n])) for n in ("a", "b")]
CLASHING_CHANGES = st.builds(Change, st.sampled_from(list(ChangeType)), CLASHING)
CLASHING_BATCHES = st.lists(
    st.lists(CLASHING_CHANGES, min_size=1, max_size=3), min_size=1, max_size=20
)
Cluster = dict[tuple[Kind, str], KubeObject]


def record(cluster: Cluster, change: Change) -> None:
    """The objects as the API holds them (one per kind and UID), as the sources see it."""
    key = (change.obj.kind, change.obj.uid)
    if change.type is ChangeType.DELETED:
        cluster.pop(key, None)
    else:
        cluster[key] = change.obj


@settings(max_examples=400, deadline=None)
@given(CLASHING_BATCHES, st.randoms(use_true_random=False))
def test_duplicate_uids_converge_to_a_fresh_collector(
    batches: list[list[Change]], rng: random.Random
) -> None:
    """With UIDs claimed by several kinds, every node's replica ends every batch holding what
    a fresh collector (a new index fed the same objects in any order) serves."""
    index = RelationshipIndex()
    views = ViewSet(index, EventEncoder())
    replicas = {node: Replica() for node in NODES}
    cluster: Cluster = {}
    for node in NODES:
        views.open(node)
    for changes in [CLASH_PRELUDE, *batches]:
        affected = Affected()
        for change in changes:
            index.apply(change, affected)
            record(cluster, change)
        for node, events in views.update(affected).items():
            for event in events:
                replicas[node].apply(event)
        arrival = list(cluster.values())
        rng.shuffle(arrival)
        fresh = RelationshipIndex()
        for obj in arrival:
            fresh.apply(Change(ChangeType.ADDED, obj), Affected())
        for node in NODES:
            assert replicas[node].held == fresh_view(fresh, node)
