"""The size limits of a served object (`wire.limits`, shared with the plugin), and what is
done with an object over them.

Every string must fit (64 KiB, no NUL), an object may carry 4,096 labels (and kept
annotations), and the plugin's payload (the event's protobuf-JSON form, longer than the
binary message: `meta` is escaped twice) 1 MiB. `MAX_EVENT_BYTES` (1 MiB) also stays well
under gRPC's 4 MiB default receive limit, which would otherwise end the node's whole stream.

An object is first fitted entry by entry: a label or kept annotation whose key or value
does not fit is left out, then all but the first 4,096 in key order; an ownerReference whose
kind or UID does not fit is left out (it would be named in refs), a generateName or pod IP
that does not fit is cleared; an object whose name, namespace or UID does not fit is not
served. Then, if its payload is over the limit, it is served without its kept annotations,
else without its labels too; one still over it is not served at all. A pod whose payload
with its details (containers, security context) is over the limit is served without them
first; the bound counts the detailed payload, the larger of a pod's two (the details'
strings were fitted when the pod was decoded, `kube.containers`). A pod's
refs list at most 4,096 services (the index), and a Watch stream never writes an event over
the limit (a pod whose refs are too large). Each is counted and logged at WARN.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass

from k8smeta.collector.index import object_refs
from k8smeta.collector.model import NO_ANNOTATIONS, NO_DETAILS, KubeObject
from k8smeta.collector.views.messages import Encoder
from k8smeta.wire.limits import MAX_ENTRIES, MAX_PAYLOAD_BYTES, MAX_STRING_BYTES, string_fits

MAX_EVENT_BYTES = MAX_PAYLOAD_BYTES
# Bytes one character of a string may take in the payload: Go's `\u003c` escape is 6, and
# the payload escapes its backslash again.
_WORST_CHAR = 7
_SHORT_CHARS = MAX_STRING_BYTES // 4  # characters: at most MAX_STRING_BYTES whatever the text
_PER_LABEL = 8  # quotes, colon and comma around a label pair
_FIXED = 1024  # field tags, lengths, keys of the meta/spec/status documents
_PER_CONTAINER = 16  # a container's keys, in _PER_LABEL units: spec and status entries


class Oversize(enum.StrEnum):
    """What was done with an object too large to serve as it is (a metric label)."""

    ENTRIES_TRIMMED = "entries_trimmed"  # labels, annotations, owners or fields left out
    DETAILS_DROPPED = "details_dropped"  # a pod served without its containers
    REFS_TRIMMED = "refs_trimmed"  # services beyond 4,096 left out of a pod's refs
    ANNOTATIONS_DROPPED = "annotations_dropped"  # kept annotations left out (a pod's)
    LABELS_DROPPED = "labels_dropped"
    SKIPPED = "skipped"
    NOT_SENT = "not_sent"  # an event still over the limit (a pod with its refs): left out


@dataclass(frozen=True, slots=True)
class Fitted:
    """The object to serve (None: none), the action taken, the payload size found, and what
    was left out (for the WARN line)."""

    obj: KubeObject | None
    action: Oversize | None = None
    size: int = 0
    left_out: tuple[str, ...] = ()


def message_bound(obj: KubeObject) -> int:
    """A cheap bound of the size of `obj`'s message (without refs)."""
    meta = obj.meta
    chars = 2 * len(meta.uid) + len(meta.name) + len(meta.namespace) + len(meta.generate_name)
    chars += len(obj.pod_ip) + sum(len(key) + len(value) for key, value in meta.labels.items())
    pairs = len(meta.labels)
    if meta.annotations:  # pods, with --pod-annotations only
        chars += sum(len(key) + len(value) for key, value in meta.annotations.items())
        pairs += len(meta.annotations)
    return _WORST_CHAR * chars + _PER_LABEL * pairs + _FIXED + details_bound(obj)


def details_bound(obj: KubeObject) -> int:
    """A bound of what a pod's details add to its payload (0 without details)."""
    details = obj.details
    if details is NO_DETAILS:
        return 0
    chars = len(details.service_account) + len(details.qos_class) + len(obj.pod_ip)
    chars += sum(len(ip) for ip in details.pod_ips)
    pairs = len(details.pod_ips) + _PER_CONTAINER * len(details.containers)
    for c in details.containers:
        chars += 2 * len(c.name) + len(c.image) + len(c.container_id) + len(c.image_id)
    return _WORST_CHAR * chars + _PER_LABEL * pairs


def _fit_entries(entries: Mapping[str, str]) -> Mapping[str, str]:
    """The entries whose key and value fit, at most MAX_ENTRIES (the first in key order)."""
    if len(entries) <= MAX_ENTRIES and all(
        string_fits(key) and string_fits(value) for key, value in entries.items()
    ):
        return entries
    kept = {key: value for key, value in entries.items() if string_fits(key) and string_fits(value)}
    if len(kept) > MAX_ENTRIES:
        kept = {key: kept[key] for key in sorted(kept)[:MAX_ENTRIES]}
    return kept


def plain_bound(obj: KubeObject) -> int | None:
    """The common case, cheaply (one join, two scans): None unless the object has few
    entries and all its strings together are short and free of NUL and backslash (so no
    string can be too long or hold what the plugin refuses); then a bound of its payload
    without refs, like `message_bound`."""
    meta = obj.meta
    if len(meta.labels) > MAX_ENTRIES or len(meta.annotations) > MAX_ENTRIES:
        return None
    joined = "".join(
        (
            meta.uid,
            meta.uid,
            meta.name,
            meta.namespace,
            meta.generate_name,
            obj.pod_ip,
            *meta.labels,
            *meta.labels.values(),
            *meta.annotations,
            *meta.annotations.values(),
            *[ref.kind + ref.uid for ref in meta.owner_references],
        )
    )
    if len(joined) > _SHORT_CHARS or "\0" in joined or "\\" in joined:
        return None
    pairs = len(meta.labels) + len(meta.annotations)
    return _WORST_CHAR * len(joined) + _PER_LABEL * pairs + _FIXED + details_bound(obj)


def fit_entries(obj: KubeObject) -> tuple[KubeObject | None, tuple[str, ...]]:
    """`obj` with what does not fit left out (None: its identity does not fit), and what."""
    meta = obj.meta
    if not all(string_fits(text) for text in (meta.uid, meta.name, meta.namespace)):
        return None, ("name, namespace or uid",)
    labels, annotations = _fit_entries(meta.labels), _fit_entries(meta.annotations)
    owners = tuple(
        ref for ref in meta.owner_references if string_fits(ref.kind) and string_fits(ref.uid)
    )
    generate_name = meta.generate_name if string_fits(meta.generate_name) else ""
    pod_ip = obj.pod_ip if string_fits(obj.pod_ip) else ""
    left_out = tuple(
        f"{what}: {before - after} of {before}"
        for what, before, after in (
            ("labels", len(meta.labels), len(labels)),
            ("annotations", len(meta.annotations), len(annotations)),
            ("ownerReferences", len(meta.owner_references), len(owners)),
            ("generateName", len(meta.generate_name), len(generate_name)),
            ("podIP", len(obj.pod_ip), len(pod_ip)),
        )
        if before != after
    )
    if not left_out:
        return obj, ()
    fitted = dataclasses.replace(
        meta,
        labels=labels,
        annotations=annotations,
        owner_references=owners,
        generate_name=generate_name,
    )
    return dataclasses.replace(obj, meta=fitted, pod_ip=pod_ip), left_out


class SizeLimit:
    """Fits objects to the shared limits; only large ones are actually measured."""

    def __init__(self, encoder: Encoder, limit: int = MAX_EVENT_BYTES) -> None:
        self._encoder = encoder
        self.limit = limit

    def fit(self, original: KubeObject) -> Fitted:
        bound = plain_bound(original)
        if bound is not None:
            if bound <= self.limit:
                return Fitted(original)  # nearly every object: one join, two scans
            obj: KubeObject | None = original
            left_out: tuple[str, ...] = ()
        else:
            obj, left_out = fit_entries(original)
        if obj is None:
            return Fitted(None, Oversize.SKIPPED, 0, left_out)
        action = Oversize.ENTRIES_TRIMMED if left_out else None
        if message_bound(obj) <= self.limit:
            return Fitted(obj, action, 0, left_out)
        refs = object_refs(obj)
        size = self._encoder.payload_size(obj, refs, detailed=True)
        if size <= self.limit:
            return Fitted(obj, action, size, left_out)
        if obj.details != NO_DETAILS:
            obj = dataclasses.replace(obj, details=NO_DETAILS)
            if self._encoder.payload_size(obj, refs) <= self.limit:
                return Fitted(obj, Oversize.DETAILS_DROPPED, size, left_out)
        for action, meta in (
            (
                Oversize.ANNOTATIONS_DROPPED,
                dataclasses.replace(obj.meta, annotations=NO_ANNOTATIONS),
            ),
            (
                Oversize.LABELS_DROPPED,
                dataclasses.replace(obj.meta, labels={}, annotations=NO_ANNOTATIONS),
            ),
        ):
            if action is Oversize.ANNOTATIONS_DROPPED and not obj.meta.annotations:
                continue
            stripped = dataclasses.replace(obj, meta=meta)
            if self._encoder.payload_size(stripped, object_refs(obj)) <= self.limit:
                return Fitted(stripped, action, size, left_out)
        return Fitted(None, Oversize.SKIPPED, size, left_out)
