"""The one size limit of a served event, and what is done with an object over it.

`MAX_EVENT_BYTES` (1 MiB) is the largest payload the plugin accepts: it converts each
binary `Event` to protobuf JSON, which is never shorter for real objects (every string
gains its key and quotes, escapes only lengthen it), and refuses payloads over 1 MiB. So
nothing over 1 MiB could be used, and it stays well under gRPC's 4 MiB default receive
limit, which would otherwise end the node's whole stream at that message.

An object whose own message is over the limit is served without its labels (nearly always
the culprit) and kept annotations; one still over it is not served at all. A pod whose
message with its details (containers, security context) is over the limit is served
without them first. The bound counts the detailed message, the larger of a pod's two. Last, a Watch
stream never writes an event over the limit (a pod whose refs list thousands of services).
Each is counted and logged at WARN.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass

from k8smeta.collector.index import object_refs
from k8smeta.collector.model import NO_ANNOTATIONS, NO_DETAILS, KubeObject
from k8smeta.collector.views.messages import Encoder

MAX_EVENT_BYTES = 1 << 20
# Bytes one character of a string may take in the message: Go's `\u003c` escape is 6.
_WORST_CHAR = 6
_PER_LABEL = 8  # quotes, colon and comma around a label pair
_FIXED = 1024  # field tags, lengths, keys of the meta/spec/status documents
_PER_CONTAINER = 16  # a container's keys, in _PER_LABEL units: spec and status entries


class Oversize(enum.StrEnum):
    """What was done with an object too large to serve as it is (a metric label)."""

    DETAILS_DROPPED = "details_dropped"
    LABELS_DROPPED = "labels_dropped"
    SKIPPED = "skipped"
    NOT_SENT = "not_sent"  # an event still over the limit (a pod with its refs): left out


@dataclass(frozen=True, slots=True)
class Fitted:
    """The object to serve (None: none), the action taken, and the message size found."""

    obj: KubeObject | None
    action: Oversize | None = None
    size: int = 0


def message_bound(obj: KubeObject) -> int:
    """A cheap bound of the size of `obj`'s message (without refs)."""
    meta = obj.meta
    chars = 2 * len(meta.uid) + len(meta.name) + len(meta.namespace) + len(meta.generate_name)
    chars += len(obj.pod_ip) + sum(len(key) + len(value) for key, value in meta.labels.items())
    pairs = len(meta.labels)
    if meta.annotations:  # pods, with --pod-annotations only
        chars += sum(len(key) + len(value) for key, value in meta.annotations.items())
        pairs += len(meta.annotations)
    details = obj.details
    if details is not NO_DETAILS:  # pods: their detailed message
        chars += len(details.service_account) + len(details.qos_class) + len(obj.pod_ip)
        chars += sum(len(ip) for ip in details.pod_ips)
        pairs += len(details.pod_ips) + _PER_CONTAINER * len(details.containers)
        for c in details.containers:
            chars += 2 * len(c.name) + len(c.image) + len(c.container_id) + len(c.image_id)
    return _WORST_CHAR * chars + _PER_LABEL * pairs + _FIXED


class SizeLimit:
    """Fits objects to `limit` bytes of message; only large ones are actually encoded."""

    def __init__(self, encoder: Encoder, limit: int = MAX_EVENT_BYTES) -> None:
        self._encoder = encoder
        self.limit = limit

    def fit(self, obj: KubeObject) -> Fitted:
        if message_bound(obj) <= self.limit:
            return Fitted(obj)
        refs = object_refs(obj)
        size = len(self._encoder.detailed_body(obj, refs) or self._encoder.body(obj, refs))
        if size <= self.limit:
            return Fitted(obj)
        if obj.details != NO_DETAILS:
            plain = dataclasses.replace(obj, details=NO_DETAILS)
            if len(self._encoder.body(plain, refs)) <= self.limit:
                return Fitted(plain, Oversize.DETAILS_DROPPED, size)
        bare = dataclasses.replace(obj.meta, labels={}, annotations=NO_ANNOTATIONS)
        stripped = dataclasses.replace(obj, meta=bare, details=NO_DETAILS)
        if len(self._encoder.body(stripped, object_refs(obj))) <= self.limit:
            return Fitted(stripped, Oversize.LABELS_DROPPED, size)
        return Fitted(None, Oversize.SKIPPED, size)
