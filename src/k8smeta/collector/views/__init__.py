"""Pure per-node views: what node N must hold, and the Create/Update/Delete diffs.

Owns: the views of subscribed nodes, one serialized body per held object (two for a pod
with details: with and without them), event order, and the size limits of a served object
(`wire.limits`, shared with the plugin).
May import: `k8smeta.collector.model`, `k8smeta.collector.index`, `k8smeta.wire.limits`
(no asyncio, grpc, generated wire code; serialization comes in through the `Encoder`
protocol).
"""

from k8smeta.collector.views.messages import (
    CREATE_RANK,
    DELETE_RANK,
    Audience,
    Encoder,
    Reason,
    WireEvent,
)
from k8smeta.collector.views.size import MAX_EVENT_BYTES, Fitted, Oversize, SizeLimit
from k8smeta.collector.views.viewset import NodeView, ViewSet

__all__ = [
    "CREATE_RANK",
    "DELETE_RANK",
    "MAX_EVENT_BYTES",
    "Audience",
    "Encoder",
    "Fitted",
    "NodeView",
    "Oversize",
    "Reason",
    "SizeLimit",
    "ViewSet",
    "WireEvent",
]
