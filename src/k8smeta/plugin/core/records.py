"""Immutable store records and the per-pod service view, with every extractable value derived.

Values are `Extracted` objects built at update time. When a rebuilt record or view would
hold a value equal to the previous one, the previous `Extracted` object is reused, so the
ABI's native copy of it (`abi_cache`) stays valid and extraction allocates nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from sys import intern
from types import MappingProxyType

from k8smeta.plugin.core.container_records import (
    NO_CONTAINERS,
    NO_CONTEXT,
    ContainerRecord,
    PodContext,
    SharedValues,
    container_records,
    pod_context,
)
from k8smeta.plugin.core.kinds import KIND_SPECS
from k8smeta.plugin.core.payload import Payload, Refs
from k8smeta.plugin.core.values import Extracted, UnknownOwner
from k8smeta.wire.vocabulary import DEPLOYMENT, KINDS, NAMESPACE, SERVICE

#: Kinds a record names in `refs` whose first UID selects one resource (`ns.*`, `rs.*`...;
#: a Job's `CronJob`): the kinds with a field family.
OWNER_KINDS = tuple(spec.kind for spec in KIND_SPECS if spec.family is not None)
#: refs keys that never name the pod's controller (docs/plugin-contract.md, "Fields beyond
#: upstream").
_NOT_CONTROLLERS = frozenset((NAMESPACE, SERVICE, DEPLOYMENT))
#: `workload.kind` values and unknown-owner answers of the kinds the store keeps, shared by
#: every pod (other kinds, verbatim from refs, get their own).
_KIND_VALUES = {kind: (Extracted((kind.encode(),)), UnknownOwner(kind)) for kind in KINDS}
_NO_ANNOTATIONS: Mapping[str, Extracted] = MappingProxyType({})
_EMPTY_VALUE = Extracted((b"",))
_NO_OWNERS: Mapping[str, tuple[str, Extracted]] = MappingProxyType({})
#: One copy of each kind name, whatever payload it came from.
_KIND_NAMES = {kind: kind for kind in KINDS}
_SHARED = SharedValues()  # for records built outside a store (tests, tools)


def reuse(old: Extracted | None, strings: tuple[bytes, ...]) -> Extracted:
    """`old` when it already holds `strings`, else a new Extracted."""
    if old is not None and old.strings == strings:
        return old
    return Extracted(strings)


def _maybe(old: Extracted | None, value: str | None) -> Extracted | None:
    return None if value is None else reuse(old, (value.encode(),))


def _maybe_list(old: Extracted | None, strings: tuple[bytes, ...]) -> Extracted | None:
    return reuse(old, strings) if strings else None


@dataclass(frozen=True, slots=True)
class Controller:
    """The top controller a pod's own refs name: Deployment over ReplicaSet, else the
    direct controller (a Job's CronJob is looked up at extraction: it may change)."""

    kind: str
    uid: str
    kind_value: Extracted  # `workload.kind` when no CronJob is over it
    unknown: UnknownOwner  # `workload.name` when the store has no such `kind` record


@dataclass(frozen=True, slots=True)
class Received:
    """The raw parts of a record's last payload that `dump_state` replays and the tools
    name (built on demand from the record)."""

    uid: str
    kind: str
    name: str | None
    namespace: str | None
    meta: str | None
    spec: str | None
    status: str | None
    refs: Refs | None


def _text(value: Extracted | None) -> str | None:
    return None if value is None else value.strings[0].decode()


@dataclass(frozen=True, slots=True)
class Record:
    """One resource as last received, plus the values extraction returns for it.

    Of its payload it keeps the raw parts `dump_state` replays (`meta`, `spec`, `status`,
    `refs`) besides the values; the decoded labels, annotations and pod details are not
    kept, and the name and namespace only as values.
    """

    key: str  # the resource UID the store files it under
    kind: str
    meta: str | None
    spec: str | None
    status: str | None
    refs: Refs | None
    uid: Extracted
    name: Extracted | None
    labels: Mapping[str, Extracted]  # key -> single value (`X.label[key]`)
    labels_list: Extracted | None  # b"key:value" descending by key bytes; None if no labels
    # Pods only (empty otherwise):
    pod_ip: Extracted | None
    namespace: Extracted | None
    owners: Mapping[str, tuple[str, Extracted]]  # kind -> (refs[kind][0], its Extracted)
    service_uids: tuple[str, ...]
    svc_uid: Extracted | None
    annotations: Mapping[str, Extracted]  # the allow-listed keys only
    controller: Controller | None
    context: PodContext  # `pod.ips`, `pod.serviceaccount`...: NO_CONTEXT without details
    containers: Mapping[str, ContainerRecord]  # full container ID -> its values

    def name_is(self, name: str) -> bool:
        """Whether the resource is named `name`."""
        return self.name is not None and self.name.strings[0] == name.encode()

    @property
    def payload(self) -> Received:
        """The raw parts of the last payload (for `dump_state` and the tools)."""
        name, namespace = _text(self.name), _text(self.namespace)
        return Received(
            self.key, self.kind, name, namespace, self.meta, self.spec, self.status, self.refs
        )


def _labels(
    labels: Mapping[str, str], old: Record | None, shared: SharedValues
) -> tuple[dict[str, Extracted], Extracted | None]:
    """`X.label[key]` values and the `X.labels` list, reusing `old`'s equal values, else
    `shared`'s; keys interned (each record would hold its own copy of `app`...)."""
    old_single: Mapping[str, Extracted] = {} if old is None else old.labels
    single: dict[str, Extracted] = {}
    for key, value in labels.items():
        new = shared.get(value) or _EMPTY_VALUE
        previous = old_single.get(key)
        if previous is None or previous.strings != new.strings:
            previous = new
        single[intern(key)] = previous
    order = sorted(labels, key=str.encode, reverse=True)
    pairs = tuple(f"{key}:{labels[key]}".encode() for key in order)
    return single, _maybe_list(None if old is None else old.labels_list, pairs)


def _owners(
    refs: Mapping[str, tuple[str, ...]], old: Record | None
) -> Mapping[str, tuple[str, Extracted]]:
    if not refs:
        return _NO_OWNERS
    owners: dict[str, tuple[str, Extracted]] = {}
    for kind in OWNER_KINDS:
        uids = refs.get(kind)
        if uids:
            previous = None if old is None else old.owners.get(kind)
            value = reuse(None if previous is None else previous[1], (uids[0].encode(),))
            owners[kind] = (uids[0], value)
    return owners or _NO_OWNERS


def _controller(refs: Mapping[str, tuple[str, ...]], old: Record | None) -> Controller | None:
    found = (DEPLOYMENT, refs[DEPLOYMENT][0]) if refs.get(DEPLOYMENT) else None
    for kind, uids in refs.items() if found is None else ():
        if kind not in _NOT_CONTROLLERS and uids:
            found = (kind, uids[0])
            break
    if found is None:
        return None
    previous = None if old is None else old.controller
    if previous is not None and (previous.kind, previous.uid) == found:
        return previous
    kind, uid = found
    value, unknown = _KIND_VALUES.get(kind) or (Extracted((kind.encode(),)), UnknownOwner(kind))
    return Controller(kind, uid, value, unknown)


def _annotations(
    payload: Payload, keys: Collection[str], old: Record | None
) -> Mapping[str, Extracted]:
    if not keys or not payload.annotations:
        return _NO_ANNOTATIONS
    old_values: Mapping[str, Extracted] = {} if old is None else old.annotations
    return {
        key: reuse(old_values.get(key), (value.encode(),))
        for key, value in payload.annotations.items()
        if key in keys
    }


def build_record(
    payload: Payload,
    old: Record | None,
    annotation_keys: Collection[str] = (),
    shared: SharedValues | None = None,
) -> Record:
    """The record of a Create/Update payload, reusing `old`'s equal values and `shared`'s
    (the store's); annotations other than `annotation_keys` are dropped."""
    shared = _SHARED if shared is None else shared
    single, labels_list = _labels(payload.labels, old, shared)
    refs = dict(payload.refs or ())
    service_uids = refs.get(SERVICE, ())
    return Record(
        key=payload.uid,
        kind=_KIND_NAMES.get(payload.kind, payload.kind),
        meta=payload.meta,
        spec=payload.spec,
        status=payload.status,
        refs=payload.refs,
        uid=reuse(None if old is None else old.uid, (payload.uid.encode(),)),
        name=_maybe(None if old is None else old.name, payload.name),
        labels=single,
        labels_list=labels_list,
        pod_ip=_maybe(None if old is None else old.pod_ip, payload.pod_ip),
        namespace=_maybe(None if old is None else old.namespace, payload.namespace),
        owners=_owners(refs, old),
        service_uids=service_uids,
        svc_uid=_maybe_list(
            None if old is None else old.svc_uid, tuple(uid.encode() for uid in service_uids)
        ),
        annotations=_annotations(payload, annotation_keys, old),
        controller=_controller(refs, old),
        context=pod_context(payload.details, NO_CONTEXT if old is None else old.context, shared),
        containers=container_records(
            payload.details, NO_CONTAINERS if old is None else old.containers, shared
        ),
    )


@dataclass(frozen=True, slots=True)
class ServiceView:
    """A pod's `svc.name`, `svc.label[key]` and `svc.labels`, from its known services."""

    names: Extracted | None
    label: Mapping[str, Extracted]
    labels: Extracted | None


def build_service_view(
    service_uids: tuple[str, ...], services: Mapping[str, Record], old: ServiceView | None
) -> ServiceView:
    """Derive the view in refs order, skipping unknown services."""
    names: list[bytes] = []
    unnamed = False
    by_key: dict[str, list[bytes]] = {}
    pairs: list[bytes] = []
    for uid in service_uids:
        service = services.get(uid)
        if service is None:
            continue
        if service.name is None:
            unnamed = True  # upstream: a known service without name voids the whole field
        else:
            names.append(service.name.strings[0])
        for key, value in service.labels.items():
            by_key.setdefault(key, []).append(value.strings[0])
        if service.labels_list is not None:
            pairs.extend(service.labels_list.strings)
    old_label: Mapping[str, Extracted] = {} if old is None else old.label
    return ServiceView(
        names=None if unnamed else _maybe_list(None if old is None else old.names, tuple(names)),
        label={key: reuse(old_label.get(key), tuple(v)) for key, v in by_key.items()},
        labels=_maybe_list(None if old is None else old.labels, tuple(pairs)),
    )
