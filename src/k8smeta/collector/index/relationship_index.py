"""The relationship index: every trimmed object by UID, plus the lookups refs need.

Pure and synchronous. `apply` records which pods and objects a change may affect; the views
re-evaluate exactly those (docs/collector-contract.md, "Refs", "Relevance").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from k8smeta.collector.index.relations import (
    FOLLOWED_OWNER_KINDS,
    SERVED_OWNER_KINDS,
    PodRelations,
    followed_parent,
    selector_matches,
)
from k8smeta.collector.model import (
    DEPENDENCY_ORDER,
    Change,
    ChangeType,
    Kind,
    KubeObject,
    NodeName,
    Uid,
)
from k8smeta.wire.limits import MAX_ENTRIES

_RANK = {kind: rank for rank, kind in enumerate(DEPENDENCY_ORDER)}


@dataclass(slots=True)
class Affected:
    """What a batch touched: pods to re-evaluate, objects whose own content may have changed,
    node names whose Node object may have changed, and the (newcomer, holder) pairs skipped
    because the UID was held by another kind."""

    pods: set[Uid] = field(default_factory=set)
    objects: set[Uid] = field(default_factory=set)
    nodes: set[NodeName] = field(default_factory=set)
    conflicts: list[tuple[KubeObject, KubeObject]] = field(default_factory=list)


def _add(table: dict[str, set[Uid]], key: str, uid: Uid) -> None:
    table.setdefault(key, set()).add(uid)


def _discard(table: dict[str, set[Uid]], key: str, uid: Uid) -> None:
    members = table.get(key)
    if members is not None:
        members.discard(uid)
        if not members:
            del table[key]


class RelationshipIndex:
    """Pods by node/namespace/controller owner, ReplicaSets and Jobs by owner, Services by
    namespace, Namespaces and Nodes by name."""

    def __init__(self) -> None:
        self._objects: dict[Uid, KubeObject] = {}
        self._pods_by_node: dict[str, set[Uid]] = {}
        self._pods_by_namespace: dict[str, set[Uid]] = {}
        self._pods_by_owner: dict[str, set[Uid]] = {}
        # ReplicaSets and Jobs (FOLLOWED_OWNER_KINDS) by their controller owner's UID.
        self._followed_by_owner: dict[str, set[Uid]] = {}
        self._services_by_namespace: dict[str, set[Uid]] = {}
        # Namespaces and Nodes by name, in order of arrival: the last one is the name's UID
        # (two can share a name while the old one's deletion is still pending).
        self._names: dict[Kind, dict[str, dict[Uid, None]]] = {
            Kind.NAMESPACE: {},
            Kind.NODE: {},
        }
        self._counts: Counter[Kind] = Counter()
        # Objects whose UID another kind holds, by UID and kind (see `apply`).
        self._claimants: dict[Uid, dict[Kind, KubeObject]] = {}

    def get(self, uid: Uid) -> KubeObject | None:
        return self._objects.get(uid)

    def count(self, kind: Kind) -> int:
        return self._counts[kind]

    def pods_on_node(self, node: NodeName) -> Iterable[Uid]:
        return tuple(self._pods_by_node.get(node, ()))

    def namespace_uid(self, name: str) -> Uid | None:
        return self._named(Kind.NAMESPACE, name)

    def node_uid(self, name: NodeName) -> Uid | None:
        """The UID of the Node object named `name`, if known."""
        return self._named(Kind.NODE, name)

    def _named(self, kind: Kind, name: str) -> Uid | None:
        uids = self._names[kind].get(name)
        return next(reversed(uids)) if uids else None

    def apply(self, change: Change, affected: Affected) -> None:
        """Apply one change (MODIFIED of an unknown UID adds, DELETED of one is ignored).

        Objects of several kinds may claim one UID. It is held by the claimant first in
        dependency order (`model.DEPENDENCY_ORDER`: a Namespace before a Pod), whatever the
        order of arrival, so that the index ends where a fresh start on the same objects
        begins; the others are kept aside, reported in `affected.conflicts` (each ADDED or
        MODIFIED of theirs, and a holder that steps aside), and one of them takes the UID
        when its holder is deleted. A DELETED of a claimant never touches the holder.
        """
        obj = change.obj
        holder = self._objects.get(obj.uid)
        if holder is not None and holder.kind is not obj.kind:
            self._contend(change, holder, affected)
        elif change.type is not ChangeType.DELETED:
            self._replace(holder, obj, affected)
        elif holder is not None:
            self._replace(holder, None, affected)
            self._promote(obj.uid, affected)

    def _contend(self, change: Change, holder: KubeObject, affected: Affected) -> None:
        """A change of a claimant of another kind than the UID's holder."""
        obj, uid = change.obj, change.obj.uid
        claimants = self._claimants.setdefault(uid, {})
        if change.type is ChangeType.DELETED:
            claimants.pop(obj.kind, None)
        elif _RANK[obj.kind] > _RANK[holder.kind]:
            claimants[obj.kind] = obj
            affected.conflicts.append((obj, holder))
        else:  # the newcomer comes first: the holder steps aside
            claimants[holder.kind] = holder
            self._replace(holder, None, affected)
            self._replace(None, obj, affected)
            affected.conflicts.append((holder, obj))
        if not claimants:
            del self._claimants[uid]

    def _promote(self, uid: Uid, affected: Affected) -> None:
        """The holder of `uid` left: its first claimant, if any, takes the UID."""
        claimants = self._claimants.pop(uid, None)
        if not claimants:
            return
        first = min(claimants, key=_RANK.__getitem__)
        self._replace(None, claimants.pop(first), affected)
        if claimants:
            self._claimants[uid] = claimants

    def _replace(self, old: KubeObject | None, new: KubeObject | None, out: Affected) -> None:
        """Put `new` where `old` was (same UID and kind; either may be None)."""
        obj = new if new is not None else old
        assert obj is not None
        if obj.kind in self._names:
            self._rename(old, new, out)
        if old is not None:
            self._unlink(old)
        if new is not None:
            self._objects[obj.uid] = new
            self._link(new)
        else:
            del self._objects[obj.uid]
        if obj.kind is not Kind.POD:
            out.objects.add(obj.uid)
        self._affect_pods(old, new, out)

    def _link(self, obj: KubeObject) -> None:
        uid, meta = obj.uid, obj.meta
        self._counts[obj.kind] += 1
        if obj.kind is Kind.POD:
            if obj.node_name:
                _add(self._pods_by_node, obj.node_name, uid)
            _add(self._pods_by_namespace, meta.namespace, uid)
            owner = meta.controller()
            if owner is not None:
                _add(self._pods_by_owner, owner.uid, uid)
        elif obj.kind is Kind.SERVICE:
            _add(self._services_by_namespace, meta.namespace, uid)
        elif obj.kind in FOLLOWED_OWNER_KINDS:
            owner = followed_parent(obj)
            if owner is not None:
                _add(self._followed_by_owner, owner.uid, uid)

    def _unlink(self, obj: KubeObject) -> None:
        uid, meta = obj.uid, obj.meta
        self._counts[obj.kind] -= 1
        if obj.kind is Kind.POD:
            _discard(self._pods_by_node, obj.node_name, uid)
            _discard(self._pods_by_namespace, meta.namespace, uid)
            owner = meta.controller()
            if owner is not None:
                _discard(self._pods_by_owner, owner.uid, uid)
        elif obj.kind is Kind.SERVICE:
            _discard(self._services_by_namespace, meta.namespace, uid)
        elif obj.kind in FOLLOWED_OWNER_KINDS:
            owner = followed_parent(obj)
            if owner is not None:
                _discard(self._followed_by_owner, owner.uid, uid)

    def _affect_pods(self, old: KubeObject | None, new: KubeObject | None, out: Affected) -> None:
        """Pods whose refs or needs may change: only on arrival, departure or relinking."""
        obj = new if new is not None else old
        assert obj is not None
        if obj.kind is Kind.POD:
            out.pods.add(obj.uid)
        elif old is not None and new is not None and not _relinks(old, new):
            return
        elif obj.kind in self._names:
            return  # see _rename
        elif obj.kind is Kind.SERVICE:
            self._affect_selected(old, out)
            self._affect_selected(new, out)
        else:
            out.pods.update(self._pods_by_owner.get(obj.uid, ()))
            for followed in self._followed_by_owner.get(obj.uid, ()):
                out.pods.update(self._pods_by_owner.get(followed, ()))

    def _rename(self, old: KubeObject | None, new: KubeObject | None, out: Affected) -> None:
        """Keep namespaces and nodes by name. The pods of a namespace name whose UID
        changes are affected; a node name is affected whenever its Node object changes."""
        obj = new if new is not None else old
        assert obj is not None
        kind = obj.kind
        by_name = self._names[kind]
        names = {obj.meta.name for obj in (old, new) if obj is not None}
        before = {name: self._named(kind, name) for name in names}
        if old is not None and (new is None or new.meta.name != old.meta.name):
            members = by_name[old.meta.name]
            del members[old.uid]
            if not members:
                del by_name[old.meta.name]
        if new is not None and (old is None or new.meta.name != old.meta.name):
            by_name.setdefault(new.meta.name, {})[new.uid] = None
        if kind is Kind.NODE:
            out.nodes.update(NodeName(name) for name in names)
            return
        for name in names:
            if self._named(kind, name) != before[name]:
                out.pods.update(self._pods_by_namespace.get(name, ()))

    def _affect_selected(self, service: KubeObject | None, out: Affected) -> None:
        if service is None or not service.selector:
            return
        for pod_uid in self._pods_by_namespace.get(service.meta.namespace, ()):
            pod = self._objects[pod_uid]
            if selector_matches(service.selector, pod.meta.labels):
                out.pods.add(pod_uid)

    def relations(self, pod_uid: Uid) -> PodRelations | None:
        """A scheduled pod whose namespace is known: its node, refs and needs; else None."""
        pod = self._objects.get(pod_uid)
        if pod is None or pod.kind is not Kind.POD or not pod.node_name:
            return None
        namespace_uid = self.namespace_uid(pod.meta.namespace)
        if namespace_uid is None:
            return None
        refs: dict[str, tuple[Uid, ...]] = {}
        needs = {namespace_uid}
        owner = pod.meta.controller()
        if owner is not None:
            refs[owner.kind] = (owner.uid,)
            known = self._known_owner(owner.kind, owner.uid)
            if known is not None:
                needs.add(owner.uid)
                self._follow(known, refs, needs)
        refs[Kind.NAMESPACE.value] = (namespace_uid,)
        selecting = sorted(self._services_selecting(pod))
        services = tuple(selecting[:MAX_ENTRIES])  # the plugin takes no longer refs list
        refs[Kind.SERVICE.value] = services
        needs.update(services)
        return PodRelations(
            NodeName(pod.node_name),
            tuple(sorted(refs.items())),
            frozenset(needs),
            len(selecting) - len(services),
        )

    def _follow(self, owner: KubeObject, refs: dict[str, tuple[Uid, ...]], needs: set[Uid]) -> None:
        """One level up from a pod's known owner, no deeper, and only along a real
        relationship: a ReplicaSet's Deployment is named in the pod's refs; a Job's CronJob
        only in the Job's own. A ReplicaSet owned by another ReplicaSet (or anything else)
        stops the walk: the pod's refs keep naming its own ReplicaSet."""
        parent = followed_parent(owner)
        if parent is None:
            return
        if owner.kind is Kind.REPLICA_SET:
            refs[parent.kind] = (parent.uid,)
        if self._known_owner(parent.kind, parent.uid) is not None:
            needs.add(parent.uid)

    def _known_owner(self, kind: str, uid: Uid) -> KubeObject | None:
        known = self._objects.get(uid)
        if known is None or known.kind not in SERVED_OWNER_KINDS or known.kind.value != kind:
            return None
        return known

    def _services_selecting(self, pod: KubeObject) -> Iterable[Uid]:
        for uid in self._services_by_namespace.get(pod.meta.namespace, ()):
            if selector_matches(self._objects[uid].selector, pod.meta.labels):
                yield uid


def _relinks(old: KubeObject, new: KubeObject) -> bool:
    """Whether a modification changes relationships (not just the object's own message)."""
    if old.kind is Kind.SERVICE:
        return old.selector != new.selector or old.meta.namespace != new.meta.namespace
    return old.meta.controller() != new.meta.controller()
