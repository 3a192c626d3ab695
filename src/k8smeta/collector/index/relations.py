"""A pod's `refs` and the objects its node must hold because of it.

The rules: docs/collector-contract.md, "Refs" and "Relevance".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from k8smeta.collector.model import Kind, KubeObject, NodeName, Uid

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
# The owners of a pod whose own controller owner a node holds too: a ReplicaSet's (named
# in the pod's refs, normally a Deployment) and a Job's (a CronJob, named in the Job's refs).
FOLLOWED_OWNER_KINDS = frozenset({Kind.REPLICA_SET, Kind.JOB})

Refs = tuple[tuple[str, tuple[Uid, ...]], ...]


def object_refs(obj: KubeObject) -> Refs | None:
    """The refs of an object other than a pod: a Job's CronJob (its controller owner)."""
    if obj.kind is not Kind.JOB:
        return None
    owner = obj.meta.controller()
    if owner is None or owner.kind != Kind.CRON_JOB.value:
        return None
    return ((owner.kind, (owner.uid,)),)


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
