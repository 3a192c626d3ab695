"""A Watch request's selector -> what the subscriber gets (docs/collector-contract.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from k8smeta.collector.model import Kind, NodeName
from k8smeta.wire.vocabulary import DETAILS_KEY, SYNC_KEY

#: The opt-in keys (value "true"): Sync markers, pods with their details.
_OPT_INS = frozenset((SYNC_KEY, DETAILS_KEY))
# Upstream k8smeta <= 0.4.1 asks for "ReplicaController"; we serve it RCs.
_ALIASES = {"ReplicaController": Kind.REPLICATION_CONTROLLER}
_KINDS = {kind.value: kind for kind in Kind}


@dataclass(frozen=True, slots=True)
class Selection:
    """The node, the selected kinds, the Sync and pod-details opt-ins, and the keys that
    were ignored."""

    node: NodeName
    kinds: frozenset[Kind]
    sync: bool
    unknown_keys: tuple[str, ...] = ()
    details: bool = False

    @property
    def wants_objects(self) -> bool:
        """Whether any resource event can reach this subscriber (`""` matches no pod)."""
        return bool(self.node) and bool(self.kinds)


def parse_selection(node_name: str, resource_kinds: Mapping[str, str]) -> Selection:
    """Kind keys select (values ignored); `k8smeta/sync: "true"` opts in to `Sync`,
    `k8smeta/pod-details: "true"` to pods with their details."""
    kinds: set[Kind] = set()
    unknown: list[str] = []
    for key in sorted(resource_kinds):
        kind = _KINDS.get(key) or _ALIASES.get(key)
        if kind is not None:
            kinds.add(kind)
        elif key not in _OPT_INS:
            unknown.append(key)
    sync = resource_kinds.get(SYNC_KEY) == "true"
    details = resource_kinds.get(DETAILS_KEY) == "true"
    return Selection(NodeName(node_name), frozenset(kinds), sync, tuple(unknown), details)
