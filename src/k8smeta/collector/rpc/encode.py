"""Trimmed objects -> serialized `metadata.Event` messages
(docs/collector-contract.md, "Wire", "Encoding").

Each message is serialized once; a Create and an Update of the same content share the body
(every field but `reason`). Protobuf fields may be concatenated in any order and the canonical
serialization writes them by number, so `reason` (field 1) + body equals the serialization of
the whole message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from k8smeta.collector.model import Kind, KubeObject, Uid
from k8smeta.collector.rpc.gojson import go_json
from k8smeta.wire import limits, metadata_pb2
from k8smeta.wire.vocabulary import DELETE, SYNC

Refs = Sequence[tuple[str, Sequence[Uid]]]


def meta_document(obj: KubeObject) -> dict[str, Any]:
    """The `meta` map upstream marshals (Go `omitempty` on every key)."""
    meta = obj.meta
    document: dict[str, Any] = {}
    if meta.annotations:  # only a pod's, and only the keys `--pod-annotations` keeps
        document["annotations"] = dict(meta.annotations)
    if meta.generate_name:
        document["generateName"] = meta.generate_name
    if meta.labels:
        document["labels"] = dict(meta.labels)
    if meta.name:
        document["name"] = meta.name
    if meta.namespace and obj.kind is not Kind.NAMESPACE:
        document["namespace"] = meta.namespace
    if meta.uid:
        document["uid"] = meta.uid
    return document


def status_document(obj: KubeObject) -> dict[str, Any]:
    """A pod's `status`: `{"podIP": ...}`, or `{}` while it has no IP."""
    return {"podIP": obj.pod_ip} if obj.pod_ip else {}


class EventEncoder:
    """Builds serialized Events; stateless, shared by the views and the broker."""

    def body(self, obj: KubeObject, refs: Refs | None) -> bytes:
        """Every field of a Create/Update but `reason`; `refs` for pods (always) and Jobs
        (owned by a CronJob), absent when None."""
        event = metadata_pb2.Event(
            uid=obj.uid, kind=obj.kind.value, meta=go_json(meta_document(obj))
        )
        if obj.kind is Kind.POD:
            event.status = go_json(status_document(obj))
        if refs:
            resources = event.refs.resources
            for kind, uids in refs:
                resources[kind].list.extend(uids)
        return event.SerializeToString(deterministic=True)

    def payload_size(self, obj: KubeObject, refs: Refs | None) -> int:
        """The size of the plugin's async payload of a Create/Update of `obj`."""
        status = go_json(status_document(obj)) if obj.kind is Kind.POD else None
        meta = go_json(meta_document(obj))
        return limits.payload_bytes(obj.uid, obj.kind.value, meta, status, refs or None)

    def framed(self, reason: str, body: bytes) -> bytes:
        """A whole Event: `reason` followed by a body from `body()`."""
        return metadata_pb2.Event(reason=reason).SerializeToString() + body

    def delete(self, kind: Kind, uid: Uid) -> bytes:
        return metadata_pb2.Event(reason=DELETE, uid=uid, kind=kind.value).SerializeToString()

    def sync(self) -> bytes:
        return metadata_pb2.Event(reason=SYNC).SerializeToString()
