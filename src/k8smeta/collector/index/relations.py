"""A pod's `refs` and the objects its node must hold because of it.

The rules: docs/collector-contract.md, "Refs" and "Relevance".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from k8smeta.collector.model import Kind, NodeName, Uid

# Kinds that reach a node because a pod in its view is owned (directly or via a
# ReplicaSet) by them. Other owner kinds (StatefulSet, Job, CRDs...) appear in refs only.
SERVED_OWNER_KINDS = frozenset(
    {Kind.DEPLOYMENT, Kind.REPLICA_SET, Kind.REPLICATION_CONTROLLER, Kind.DAEMON_SET}
)

Refs = tuple[tuple[str, tuple[Uid, ...]], ...]


@dataclass(frozen=True, slots=True)
class PodRelations:
    """Where a visible pod lives, its refs (sorted by kind) and the known objects it needs."""

    node: NodeName
    refs: Refs
    needs: frozenset[Uid]


def selector_matches(selector: Mapping[str, str] | None, labels: Mapping[str, str]) -> bool:
    """A non-empty selector whose every pair is present in `labels`."""
    if not selector:
        return False
    return all(labels.get(key) == value for key, value in selector.items())
