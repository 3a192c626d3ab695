"""Pure relationship index.

Owns: pods by node/namespace/controller owner, ReplicaSets by owner, Services by namespace,
namespace name -> UID; a pod's refs (spec §6) and the objects its node needs (spec §7).
May import: `k8smeta.collector.model` only (no asyncio, grpc, wire).
"""

from k8smeta.collector.index.relations import (
    SERVED_OWNER_KINDS,
    PodRelations,
    Refs,
    selector_matches,
)
from k8smeta.collector.index.store import Affected, RelationshipIndex

__all__ = [
    "SERVED_OWNER_KINDS",
    "Affected",
    "PodRelations",
    "Refs",
    "RelationshipIndex",
    "selector_matches",
]
