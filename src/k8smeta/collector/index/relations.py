"""A pod's `refs` and the objects its node must hold because of it.

The rules: docs/collector-contract.md, "Refs" and "Relevance".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from k8smeta.collector.model import Kind, KubeObject, NodeName, OwnerReference, Uid

# Kinds that reach a node because a pod in its view is owned (directly, via a ReplicaSet
# or via a Job) by them. Other owner kinds (Node, CRDs...) appear in refs only.
SERVED_OWNER_KINDS = frozenset(
    {
        Kind.DEPLOYMENT,
        Kind.REPLICA_SET,
        Kind.REPLICATION_CONTROLLER,
        Kind.DAEMON_SET,
        Kind.STATEFUL_SET,
        Kind.JOB,
        Kind.CRON_JOB,
    }
)
# The one level above a pod's owner that is followed, and only these real relationships:
# a ReplicaSet's Deployment (named in the pod's refs) and a Job's CronJob (named in the Job's
# refs). Any other controller of a ReplicaSet or Job (another ReplicaSet, a CRD...) is not
# followed: the walk stops at the pod's direct owner, whatever the chain above it.
FOLLOWED_PARENT: Mapping[Kind, Kind] = {Kind.REPLICA_SET: Kind.DEPLOYMENT, Kind.JOB: Kind.CRON_JOB}
FOLLOWED_OWNER_KINDS = frozenset(FOLLOWED_PARENT)

Refs = tuple[tuple[str, tuple[Uid, ...]], ...]


def followed_parent(obj: KubeObject) -> OwnerReference | None:
    """The controller owner of a ReplicaSet or Job when it is of the kind that really owns
    one (Deployment, CronJob); None otherwise."""
    parent_kind = FOLLOWED_PARENT.get(obj.kind)
    if parent_kind is None:
        return None
    owner = obj.meta.controller()
    return owner if owner is not None and owner.kind == parent_kind.value else None


def object_refs(obj: KubeObject) -> Refs | None:
    """The refs of an object other than a pod: a Job's CronJob (its controller owner)."""
    if obj.kind is not Kind.JOB:
        return None
    owner = followed_parent(obj)
    return None if owner is None else ((owner.kind, (owner.uid,)),)


@dataclass(frozen=True, slots=True)
class PodRelations:
    """Where a visible pod lives, its refs (sorted by kind) and the known objects it needs;
    `services_left_out`: selecting Services beyond the refs limit (`wire.limits`)."""

    node: NodeName
    refs: Refs
    needs: frozenset[Uid]
    services_left_out: int = 0


def selector_matches(selector: Mapping[str, str] | None, labels: Mapping[str, str]) -> bool:
    """A non-empty selector whose every pair is present in `labels`."""
    if not selector:
        return False
    return all(labels.get(key) == value for key, value in selector.items())
