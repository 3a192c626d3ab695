"""The views of the subscribed nodes: what each must hold, and the events that keep it so.

A node holds the visible pods scheduled on it plus, reference-counted, the known objects
those pods need, and its own Node object when known ("Relevance" in
docs/collector-contract.md). Messages are global (a pod's refs do not depend on the node),
so every held object has one current body; a node that held it before a batch and still
does gets an Update when the body changed, a node that starts holding it a Create, a node
that stops holding it a Delete ("Stream"). Only affected pods and objects are touched.

Everything held is keyed by (kind, UID), not UID alone: when the index hands a UID from one
kind to another (a claimant taking it from a deleted holder), the old object and the new
one are two entries for the length of the batch, and leave and arrive independently.

A pod with details has a second body with them: its Creates and Updates come in two
audiences (`Audience`), and a change of the details alone is an Update for the subscribers
that asked for them only ("Pod details").
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from k8smeta.collector.index import Affected, PodRelations, RelationshipIndex, object_refs
from k8smeta.collector.model import Kind, NodeName, Uid
from k8smeta.collector.views.messages import (
    CREATE_RANK,
    DELETE_RANK,
    Audience,
    Encoder,
    Reason,
    WireEvent,
)

Key = tuple[Kind, Uid]


@dataclass(slots=True)
class _Held:
    """An object held by at least one view, with its current body and cached frames."""

    kind: Kind
    uid: Uid
    body: bytes
    detail: bytes | None = None  # the body with the pod's details; None: none
    holders: set[NodeName] = field(default_factory=set)
    create: tuple[WireEvent, ...] = ()
    plain_update: WireEvent | None = None
    detailed_update: WireEvent | None = None

    @property
    def detailed(self) -> bytes:
        """What the subscribers asking for details are served."""
        return self.body if self.detail is None else self.detail


@dataclass(slots=True)
class NodeView:
    """Pods of one node (with what each needs), reference counts of the needed objects, and
    the UID of the node's own Node object (counted like a need)."""

    pods: dict[Uid, frozenset[Key]] = field(default_factory=dict)
    counts: dict[Key, int] = field(default_factory=dict)
    node: Key | None = None

    def holds(self, key: Key) -> bool:
        return key in self.counts or (key[0] is Kind.POD and key[1] in self.pods)


@dataclass(slots=True)
class _Pass:
    """Bookkeeping of one update: first-touch state per (node, uid), bodies before changes."""

    touched: dict[NodeName, dict[Key, bool]] = field(default_factory=dict)
    old_bodies: dict[Key, tuple[bytes, bytes]] = field(default_factory=dict)  # plain, detailed

    def touch(self, node: NodeName, key: Key, view: NodeView) -> None:
        records = self.touched.setdefault(node, {})
        if key not in records:
            records[key] = view.holds(key)


class ViewSet:
    """Node views for the subscribed nodes only, sharing one body per object."""

    def __init__(self, index: RelationshipIndex, encoder: Encoder) -> None:
        self._index = index
        self._encoder = encoder
        self._views: dict[NodeName, NodeView] = {}
        self._held: dict[Key, _Held] = {}
        self._pod_nodes: dict[Uid, NodeName] = {}
        self._refs_trimmed: dict[Uid, int] = {}

    @property
    def encoder(self) -> Encoder:
        return self._encoder

    def __contains__(self, node: object) -> bool:
        return node in self._views

    def take_refs_trimmed(self) -> dict[Uid, int]:
        """Pods placed since the last call whose refs left Services out (the refs limit),
        with how many: for the caller to count and log."""
        trimmed, self._refs_trimmed = self._refs_trimmed, {}
        return trimmed

    def open(self, node: NodeName) -> None:
        """Materialize the view of `node` from the index (no-op if already open)."""
        if node in self._views:
            return
        view = self._views[node] = NodeView()
        for uid in self._index.pods_on_node(node):
            relations = self._index.relations(uid)
            if relations is not None:
                self._place_pod(node, view, uid, relations, None)
        self._place_node(node, view, None)

    def close(self, node: NodeName) -> None:
        """Discard the view of `node` (its last subscriber left)."""
        view = self._views.pop(node, None)
        if view is None:
            return
        for uid in view.pods:
            del self._pod_nodes[uid]
            self._release((Kind.POD, uid), node)
        for key in view.counts:
            self._release(key, node)

    def snapshot(self, node: NodeName) -> list[WireEvent]:
        """Creates of everything `node` holds, in dependency order, by UID within a kind."""
        view = self._views.get(node)
        if view is None:
            return []
        held = [self._held[Kind.POD, uid] for uid in view.pods]
        held.extend(self._held[key] for key in view.counts)
        held.sort(key=lambda h: (CREATE_RANK[h.kind], h.uid))
        return [event for h in held for event in self._create(h)]

    def update(self, affected: Affected) -> dict[NodeName, list[WireEvent]]:
        """Re-evaluate what a batch affected; the events per node, in batch order."""
        state = _Pass()
        for uid in affected.objects:
            self._refresh_object(uid, state)
        for uid in affected.pods:
            self._reevaluate_pod(uid, state)
        for node in affected.nodes:
            view = self._views.get(node)
            if view is not None:
                self._place_node(node, view, state)
        return self._emit(state)

    def _refresh_object(self, uid: Uid, state: _Pass) -> None:
        obj = self._index.get(uid)
        if obj is None or obj.kind is Kind.POD:
            return  # a vanished object leaves the views through the pods that needed it
        held = self._held.get((obj.kind, uid))
        if held is not None:
            self._set_body(held, self._encoder.body(obj, object_refs(obj)), None, state)

    def _set_body(self, held: _Held, body: bytes, detail: bytes | None, state: _Pass) -> None:
        if held.body != body or held.detail != detail:
            state.old_bodies.setdefault((held.kind, held.uid), (held.body, held.detailed))
            held.body = body
            held.detail = detail
            held.create = ()
            held.plain_update = held.detailed_update = None

    def _reevaluate_pod(self, uid: Uid, state: _Pass) -> None:
        old_node = self._pod_nodes.get(uid)
        pod = self._index.get(uid)
        if old_node is None and (pod is None or pod.node_name not in self._views):
            return  # not on a subscribed node before nor after: skip computing refs
        relations = self._index.relations(uid)
        new_node = relations.node if relations and relations.node in self._views else None
        if old_node is not None and old_node != new_node:
            self._remove_pod(old_node, uid, state)
        if new_node is not None and relations is not None:
            self._place_pod(new_node, self._views[new_node], uid, relations, state)

    def _place_pod(
        self,
        node: NodeName,
        view: NodeView,
        uid: Uid,
        relations: PodRelations,
        state: _Pass | None,
    ) -> None:
        pod = self._index.get(uid)
        assert pod is not None
        body = self._encoder.body(pod, relations.refs)
        detail = self._encoder.detailed_body(pod, relations.refs)
        if state is not None:
            state.touch(node, (Kind.POD, uid), view)
            if relations.services_left_out:
                self._refs_trimmed[uid] = relations.services_left_out
        held = self._held.get((Kind.POD, uid))
        if held is None:
            held = self._held[Kind.POD, uid] = _Held(Kind.POD, uid, body, detail)
        elif state is not None:
            self._set_body(held, body, detail, state)
        held.holders.add(node)
        previous = view.pods.get(uid, frozenset())
        needs = self._keys(relations.needs)
        view.pods[uid] = needs
        self._pod_nodes[uid] = node
        for need in needs - previous:
            self._incref(node, view, need, state)
        for need in previous - needs:
            self._decref(node, view, need, state)

    def _keys(self, uids: frozenset[Uid]) -> frozenset[Key]:
        """The (kind, UID) of each needed object (relations name only known objects)."""
        keys = []
        for uid in uids:
            obj = self._index.get(uid)
            assert obj is not None, "relations only name known objects"
            keys.append((obj.kind, uid))
        return frozenset(keys)

    def _place_node(self, node: NodeName, view: NodeView, state: _Pass | None) -> None:
        """Hold the Node object named `node` (the one known last), or none."""
        uid = self._index.node_uid(node)
        key = None if uid is None else (Kind.NODE, uid)
        if key == view.node:
            return
        if view.node is not None:
            self._decref(node, view, view.node, state)
        view.node = key
        if key is not None:
            self._incref(node, view, key, state)

    def _remove_pod(self, node: NodeName, uid: Uid, state: _Pass) -> None:
        view = self._views[node]
        state.touch(node, (Kind.POD, uid), view)
        needs = view.pods.pop(uid)
        del self._pod_nodes[uid]
        self._release((Kind.POD, uid), node)
        for need in needs:
            self._decref(node, view, need, state)

    def _incref(self, node: NodeName, view: NodeView, key: Key, state: _Pass | None) -> None:
        held = self._held.get(key)
        if held is None:
            obj = self._index.get(key[1])
            assert obj is not None, "relations only name known objects"
            assert obj.kind is key[0], "a need is placed with its current kind"
            body = self._encoder.body(obj, object_refs(obj))
            held = self._held[key] = _Held(obj.kind, key[1], body)
        if state is not None:
            state.touch(node, key, view)
        count = view.counts.get(key, 0)
        view.counts[key] = count + 1
        if count == 0:
            held.holders.add(node)

    def _decref(self, node: NodeName, view: NodeView, key: Key, state: _Pass | None) -> None:
        if state is not None:
            state.touch(node, key, view)
        count = view.counts[key] - 1
        if count:
            view.counts[key] = count
        else:
            del view.counts[key]
            self._release(key, node)

    def _release(self, key: Key, node: NodeName) -> None:
        held = self._held[key]
        held.holders.discard(node)
        if not held.holders:
            del self._held[key]

    def _emit(self, state: _Pass) -> dict[NodeName, list[WireEvent]]:
        updates: dict[NodeName, list[tuple[_Held, tuple[WireEvent, ...]]]] = defaultdict(list)
        for key, (old_plain, old_detailed) in state.old_bodies.items():
            held = self._held.get(key)
            if held is None:
                continue
            changed = self._updates(held, held.body != old_plain, held.detailed != old_detailed)
            if not changed:
                continue
            for node in held.holders:
                was_held = state.touched.get(node, {}).get(key)
                if was_held is None or was_held:
                    updates[node].append((held, changed))
        deletes: dict[Key, WireEvent] = {}
        out: dict[NodeName, list[WireEvent]] = {}
        for node in state.touched.keys() | updates.keys():
            events = self._node_events(node, state.touched.get(node, {}), updates[node], deletes)
            if events:
                out[node] = events
        return out

    def _node_events(
        self,
        node: NodeName,
        touched: dict[Key, bool],
        updates: list[tuple[_Held, tuple[WireEvent, ...]]],
        deletes: dict[Key, WireEvent],
    ) -> list[WireEvent]:
        view = self._views[node]
        gone: list[Key] = []
        ordered = [(CREATE_RANK[h.kind], h.uid, events) for h, events in updates]
        for key, was_held in touched.items():
            now_held = view.holds(key)
            if was_held and not now_held:
                gone.append(key)
            elif now_held and not was_held:
                ordered.append((CREATE_RANK[key[0]], key[1], self._create(self._held[key])))
        gone.sort(key=lambda key: (DELETE_RANK[key[0]], key[1]))
        ordered.sort(key=lambda item: (item[0], item[1]))
        events = [self._delete(kind, uid, deletes) for kind, uid in gone]
        events.extend(event for _rank, _uid, group in ordered for event in group)
        return events

    def _event(self, held: _Held, reason: Reason, body: bytes, audience: Audience) -> WireEvent:
        data = self._encoder.framed(reason, body)
        return WireEvent(reason, held.kind, held.uid, data, audience)

    def _create(self, held: _Held) -> tuple[WireEvent, ...]:
        """One Create for everyone, or one per audience for a pod with details."""
        if not held.create:
            if held.detail is None:
                held.create = (self._event(held, Reason.CREATE, held.body, Audience.ALL),)
            else:
                held.create = (
                    self._event(held, Reason.CREATE, held.body, Audience.PLAIN),
                    self._event(held, Reason.CREATE, held.detail, Audience.DETAILED),
                )
        return held.create

    def _updates(self, held: _Held, plain: bool, detailed: bool) -> tuple[WireEvent, ...]:
        """The Updates of the audiences whose bytes changed (one for both when equal)."""
        if plain and detailed and held.detail is None:
            if held.plain_update is None or held.plain_update.audience is not Audience.ALL:
                held.plain_update = self._event(held, Reason.UPDATE, held.body, Audience.ALL)
            return (held.plain_update,)
        events: list[WireEvent] = []
        if plain:
            if held.plain_update is None:
                held.plain_update = self._event(held, Reason.UPDATE, held.body, Audience.PLAIN)
            events.append(held.plain_update)
        if detailed:
            if held.detailed_update is None:
                held.detailed_update = self._event(
                    held, Reason.UPDATE, held.detailed, Audience.DETAILED
                )
            events.append(held.detailed_update)
        return tuple(events)

    def _delete(self, kind: Kind, uid: Uid, cache: dict[Key, WireEvent]) -> WireEvent:
        event = cache.get((kind, uid))
        if event is None:
            data = self._encoder.delete(kind, uid)
            event = cache[(kind, uid)] = WireEvent(Reason.DELETE, kind, uid, data)
        return event
