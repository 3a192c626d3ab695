"""The fields the collector keeps of each kind, as msgspec Structs the JSON decoder fills.

A shape names only what `trim` reads; the decoder skips every other field without building
it (a 5.4 KB pod yields a handful of strings), so decoding costs a few µs instead of a full
dict tree. Every field may be absent or null, as in `trim`; a field of another JSON type
fails the whole decode, and `decode` then takes the general path (orjson + `trim`), which
reports exactly what is wrong. `trimmed()` applies `trim`'s rules to a decoded shape and
returns the same `KubeObject`.

A kind whose wire fields are all in `metadata` uses `ObjectShape` (the default of
`kinds.KindInfo`); a kind with fields elsewhere subclasses it, as `PodShape` does.

Pod annotations are decoded only when `--pod-annotations` names keys: `pod_shape_keeping`
then gives a pod shape whose metadata has an `annotations` field, filtered at trim time to
those keys. Without the flag the decoder never builds an annotation (they are often the
largest part of a pod's metadata).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from functools import cache
from sys import intern
from typing import Any, ClassVar, Generic, TypeVar

import msgspec

from k8smeta.collector.kube.containers import (
    ContainerShape,
    ContainerStatusShape,
    PodIPShape,
    typed_details,
)
from k8smeta.collector.kube.errors import TrimError
from k8smeta.collector.kube.trim import log_unkept_annotation
from k8smeta.collector.model import Kind, KubeObject, ObjectMeta, OwnerReference, Uid

_NO_LABELS: dict[str, str] = {}
_NO_RAW = msgspec.Raw()
_RAW_OBJECT = msgspec.json.Decoder(dict[str, msgspec.Raw])
_STRING = msgspec.json.Decoder(str)
_MAX_SHARED_REFS = 100_000
_SHARED_REFS: dict[Uid, OwnerReference] = {}


class OwnerReferenceShape(msgspec.Struct, gc=False):
    kind: str | None = None
    name: str | None = None
    uid: Uid | None = None  # decoded as a str: no NewType call per object
    controller: bool | None = None

    def trimmed(self) -> OwnerReference:
        """The reference, shared with every object naming the same owner (all pods of a
        ReplicaSet hold one OwnerReference, not one each); found by the owner's UID alone
        (one hash), then compared."""
        kind, name, uid = self.kind, self.name, self.uid
        if kind is None or name is None or not uid:
            raise TrimError("an ownerReference lacks kind, name or uid")
        controller = self.controller is True
        shared = _SHARED_REFS.get(uid)
        if (
            shared is None
            or shared.name != name
            or shared.kind != kind
            or shared.controller is not controller
        ):
            if len(_SHARED_REFS) >= _MAX_SHARED_REFS:
                _SHARED_REFS.clear()  # owners come and go: start afresh rather than grow
            shared = _SHARED_REFS[uid] = OwnerReference(intern(kind), name, uid, controller)
        return shared


class MetaShape(msgspec.Struct, gc=False, rename="camel"):
    uid: Uid | None = None
    name: str | None = None
    namespace: str | None = None
    generate_name: str | None = None
    labels: dict[str, str] | None = None
    owner_references: list[OwnerReferenceShape] | None = None
    resource_version: str | None = None

    def trimmed(self) -> ObjectMeta:
        if not self.uid:
            raise TrimError(f"metadata.uid missing or invalid (name {self.name!r})")
        refs = self.owner_references
        if not refs:
            owners: tuple[OwnerReference, ...] = ()
        elif len(refs) == 1:  # nearly every owned object: no comprehension frame
            owners = (refs[0].trimmed(),)
        else:
            owners = tuple([ref.trimmed() for ref in refs])
        return ObjectMeta(  # positional: this runs once per object of a 150,000-pod list
            self.uid,
            self.name or "",
            intern(self.namespace or ""),
            self.generate_name or "",
            self.labels or _NO_LABELS,
            owners,
            self.resource_version or "",
        )


class ObjectShape(msgspec.Struct, gc=False):
    """Any object: only `metadata` (a PartialObjectMetadata, or a full object's metadata)."""

    metadata: MetaShape | None = None

    def trimmed(self, kind: Kind) -> KubeObject:
        return KubeObject(kind, self.trimmed_meta())

    def trimmed_meta(self) -> ObjectMeta:
        if self.metadata is None:
            raise TrimError("metadata missing or not an object")
        return self.metadata.trimmed()

    @property
    def resource_version(self) -> str:
        """`metadata.resourceVersion`, or "" (a BOOKMARK carries only this)."""
        meta = self.metadata
        return "" if meta is None or meta.resource_version is None else meta.resource_version


class AnnotatedMetaShape(MetaShape):
    """Metadata with its annotations (decoded only when some are kept).

    The annotations stay raw JSON until trimmed: only the kept keys are decoded, so an
    annotation the collector does not keep, or an annotations field that is not an object,
    never costs the pod (`kept_annotations`)."""

    annotations: msgspec.Raw = _NO_RAW

    def trimmed_keeping(self, keys: frozenset[str]) -> ObjectMeta:
        meta = self.trimmed()
        raw = self.annotations
        if not raw:
            return meta
        try:
            annotations = _RAW_OBJECT.decode(raw)
        except msgspec.MsgspecError:
            return meta  # not an object: nothing of it is kept, the rest of the pod is
        kept = dict(_kept_values(annotations, keys, meta))
        return dataclasses.replace(meta, annotations=kept) if kept else meta


def _kept_values(
    annotations: dict[str, msgspec.Raw], keys: frozenset[str], meta: ObjectMeta
) -> Iterator[tuple[str, str]]:
    for key in keys & annotations.keys():
        try:
            yield key, _STRING.decode(annotations[key])
        except msgspec.MsgspecError:
            log_unkept_annotation(meta, key)


class PodSpecShape(msgspec.Struct, gc=False, rename="camel"):
    node_name: str | None = None
    service_account_name: str | None = None
    host_network: bool | None = None
    host_pid: bool | None = msgspec.field(default=None, name="hostPID")
    containers: list[ContainerShape] | None = None
    init_containers: list[ContainerShape] | None = None
    ephemeral_containers: list[ContainerShape] | None = None


class PodStatusShape(msgspec.Struct, gc=False, rename="camel"):
    pod_ip: str | None = msgspec.field(default=None, name="podIP")
    pod_ips: list[PodIPShape] | None = msgspec.field(default=None, name="podIPs")
    qos_class: str | None = None
    container_statuses: list[ContainerStatusShape] | None = None
    init_container_statuses: list[ContainerStatusShape] | None = None
    ephemeral_container_statuses: list[ContainerStatusShape] | None = None


class PodShape(ObjectShape):
    """A pod: its node (`spec.nodeName`), IP (`status.podIP`) and details (`containers`)."""

    spec: PodSpecShape | None = None
    status: PodStatusShape | None = None

    def trimmed(self, kind: Kind) -> KubeObject:
        spec, status = self.spec, self.status
        node = None if spec is None else spec.node_name
        ip = None if status is None else status.pod_ip
        meta, details = self.trimmed_meta(), typed_details(spec, status)
        return KubeObject(kind, meta, intern(node or ""), ip or "", None, details)


class _AnnotatedPodShape(PodShape):
    """A pod with the annotations whose keys are `KEEP` (set on each subclass)."""

    metadata: AnnotatedMetaShape | None = None
    KEEP: ClassVar[frozenset[str]] = frozenset()

    def trimmed_meta(self) -> ObjectMeta:
        if self.metadata is None:
            raise TrimError("metadata missing or not an object")
        return self.metadata.trimmed_keeping(self.KEEP)


@cache
def pod_shape_keeping(keys: frozenset[str]) -> type[PodShape]:
    """The pod shape for the annotation keys `keys` (`PodShape` itself when none)."""
    if not keys:
        return PodShape
    return type("AnnotatedPodShape", (_AnnotatedPodShape,), {"KEEP": keys})


class ServiceSpecShape(msgspec.Struct, gc=False):
    selector: dict[str, str] | None = None


class ServiceShape(ObjectShape):
    """A service: its `spec.selector` too (empty = none)."""

    spec: ServiceSpecShape | None = None

    def trimmed(self, kind: Kind) -> KubeObject:
        selector = None if self.spec is None else self.spec.selector
        return KubeObject(kind, self.trimmed_meta(), selector=selector or None)


S = TypeVar("S", bound=ObjectShape)


class ListMetaShape(msgspec.Struct, gc=False, rename="camel"):
    continue_: str | None = msgspec.field(default=None, name="continue")
    resource_version: str | None = None


class ListShape(msgspec.Struct, Generic[S], gc=False):
    """A list page (`PodList`, `PartialObjectMetadataList`...) of one shape."""

    metadata: ListMetaShape | None = None
    items: list[S] | None = None


class EventShape(msgspec.Struct, Generic[S], gc=False):
    """One watch line. An ERROR's object is a Status: `decode` reads those with orjson."""

    type: str | None = None
    object: S | None = None


def list_of(shape: type[ObjectShape]) -> Any:
    """`ListShape[shape]` for a shape chosen at run time (the type msgspec decodes into)."""
    return ListShape[shape]  # type: ignore[valid-type]


def event_of(shape: type[ObjectShape]) -> Any:
    """`EventShape[shape]` for a shape chosen at run time."""
    return EventShape[shape]  # type: ignore[valid-type]
