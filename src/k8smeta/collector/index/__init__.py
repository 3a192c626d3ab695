"""Pure relationship index.

Owns: pods by node/namespace/controller owner, ReplicaSets and Jobs by owner, Services by
namespace, namespace and node name -> UID; a pod's refs and the objects its node needs
(docs/collector-contract.md, "Refs" and "Relevance").
May import: `k8smeta.collector.model` and the shared limits (`k8smeta.wire.limits`) only
(no asyncio, grpc, generated wire code).
"""

from k8smeta.collector.index.relations import (
    FOLLOWED_OWNER_KINDS,
    SERVED_OWNER_KINDS,
    PodRelations,
    Refs,
    object_refs,
    selector_matches,
)
from k8smeta.collector.index.relationship_index import Affected, RelationshipIndex

__all__ = [
    "FOLLOWED_OWNER_KINDS",
    "SERVED_OWNER_KINDS",
    "Affected",
    "PodRelations",
    "Refs",
    "RelationshipIndex",
    "object_refs",
    "selector_matches",
]
