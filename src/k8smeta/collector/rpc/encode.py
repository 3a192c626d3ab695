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

from k8smeta.collector.model import (
    NO_DETAILS,
    Container,
    ContainerType,
    Kind,
    KubeObject,
    PodDetails,
    Uid,
)
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


_LISTS = (
    (ContainerType.CONTAINER, "containers", "containerStatuses"),
    (ContainerType.INIT, "initContainers", "initContainerStatuses"),
    (ContainerType.EPHEMERAL, "ephemeralContainers", "ephemeralContainerStatuses"),
)


def _spec_entry(container: Container) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": container.name}
    if container.image:
        entry["image"] = container.image
    if container.privileged is not None:
        entry["securityContext"] = {"privileged": container.privileged}
    return entry


def _status_entry(container: Container) -> dict[str, Any]:
    entry = {"name": container.name}
    if container.container_id:
        entry["containerID"] = container.container_id
    if container.image_id:
        entry["imageID"] = container.image_id
    return entry


def detail_documents(details: PodDetails) -> tuple[dict[str, Any], dict[str, Any]]:
    """A pod's details as Kubernetes writes them: the `spec` document, and what the
    `status` document holds beyond `podIP` (docs/collector-contract.md, "Pod details")."""
    spec: dict[str, Any] = {}
    status: dict[str, Any] = {}
    if details.service_account:
        spec["serviceAccountName"] = details.service_account
    if details.host_network:
        spec["hostNetwork"] = True
    if details.host_pid:
        spec["hostPID"] = True
    if details.pod_ips:
        status["podIPs"] = [{"ip": ip} for ip in details.pod_ips]
    if details.qos_class:
        status["qosClass"] = details.qos_class
    for ctype, spec_key, status_key in _LISTS:
        members = [c for c in details.containers if c.type is ctype]
        if members:
            spec[spec_key] = [_spec_entry(c) for c in members]
            statuses = [_status_entry(c) for c in members if c.container_id or c.image_id]
            if statuses:
                status[status_key] = statuses
    return spec, status


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
        return self._serialized(event, refs)

    def detailed_body(self, obj: KubeObject, refs: Refs | None) -> bytes | None:
        """`body` with the pod's details (`spec`, more `status`) for the subscribers that
        ask for them; None when `obj` has none (they get `body`)."""
        details = obj.details
        if details is NO_DETAILS or details == NO_DETAILS:
            return None
        spec, status = detail_documents(details)
        status.update(status_document(obj))
        event = metadata_pb2.Event(
            uid=obj.uid,
            kind=obj.kind.value,
            meta=go_json(meta_document(obj)),
            spec=go_json(spec),
            status=go_json(status),
        )
        return self._serialized(event, refs)

    @staticmethod
    def _serialized(event: metadata_pb2.Event, refs: Refs | None) -> bytes:
        if refs:
            resources = event.refs.resources
            for kind, uids in refs:
                resources[kind].list.extend(uids)
        return event.SerializeToString(deterministic=True)

    def payload_size(self, obj: KubeObject, refs: Refs | None, *, detailed: bool = False) -> int:
        """The size of the plugin's async payload of a Create/Update of `obj` (with its
        details when `detailed` and it has some)."""
        meta = go_json(meta_document(obj))
        spec: str | None = None
        status = go_json(status_document(obj)) if obj.kind is Kind.POD else None
        details = obj.details
        if detailed and details is not NO_DETAILS and details != NO_DETAILS:
            spec_doc, status_doc = detail_documents(details)
            status_doc.update(status_document(obj))
            spec, status = go_json(spec_doc), go_json(status_doc)
        return limits.payload_bytes(obj.uid, obj.kind.value, meta, status, refs or None, spec=spec)

    def framed(self, reason: str, body: bytes) -> bytes:
        """A whole Event: `reason` followed by a body from `body()`."""
        return metadata_pb2.Event(reason=reason).SerializeToString() + body

    def delete(self, kind: Kind, uid: Uid) -> bytes:
        return metadata_pb2.Event(reason=DELETE, uid=uid, kind=kind.value).SerializeToString()

    def sync(self) -> bytes:
        return metadata_pb2.Event(reason=SYNC).SerializeToString()
