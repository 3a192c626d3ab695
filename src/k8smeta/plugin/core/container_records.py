"""Per-container values and the pod's security-context values, derived at update time.

A pod record's containers are filed by full container ID (what the thread table holds),
so a `k8smeta.container.*` extraction is one dict look-up after the pod's. Values follow
Falco's `container.*` formats (docs/plugin-contract.md, "Container and security-context
fields"): `id` is the first 12 hex digits, `image.repository` the image without tag and
digest, `image.digest` `sha256:...`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from k8smeta.plugin.core.cgroup import SHORT_ID_LEN
from k8smeta.plugin.core.details import CONTAINER_LISTS, ContainerInfo, PodDetails
from k8smeta.plugin.core.values import Extracted

TRUE = Extracted((b"true",))
FALSE = Extracted((b"false",))
_SHARED_LIMIT = 16384


class SharedValues:
    """One `Extracted` per distinct text among the values records repeat (label values,
    container names, images, repositories, tags, digests, service accounts, QoS classes):
    the replicas of a workload hold one object each, not one per pod. Bounded: cleared
    when full (values in use stay referenced by their records)."""

    __slots__ = ("_values",)

    def __init__(self) -> None:
        self._values: dict[str, Extracted] = {}

    def get(self, text: str) -> Extracted | None:
        if not text:
            return None
        value = self._values.get(text)
        if value is None:
            if len(self._values) >= _SHARED_LIMIT:
                self._values.clear()
            value = self._values[text] = Extracted((text.encode(),))
        return value


_TYPES = {ctype: Extracted((ctype.encode(),)) for _, _, ctype in CONTAINER_LISTS}
NO_CONTAINERS: Mapping[str, ContainerRecord] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class ContainerRecord:
    """The `k8smeta.container.*` values of one container (None: no value)."""

    info: ContainerInfo  # what they were derived from, to reuse them when unchanged
    id: Extracted
    full_id: Extracted
    name: Extracted | None
    image: Extracted | None
    repository: Extracted | None
    tag: Extracted | None
    digest: Extracted | None
    type: Extracted
    privileged: Extracted | None


def split_image(image: str) -> tuple[str, str, str]:
    """`registry/repo:tag@sha256:...` -> (repository, tag, digest); "" for a missing part."""
    name, _, digest = image.partition("@")
    colon = name.rfind(":")
    if colon > name.rfind("/"):
        return name[:colon], name[colon + 1 :], digest
    return name, "", digest


def image_digest(image_id: str, image: str) -> str:
    """The digest of the image the runtime resolved (`status.imageID`), else the spec's."""
    if "@" in image_id:
        return image_id.rpartition("@")[2]
    if image_id.startswith("sha256:"):
        return image_id
    return split_image(image)[2]


def _flag(value: bool | None) -> Extracted | None:
    return None if value is None else (TRUE if value else FALSE)


def container_record(info: ContainerInfo, shared: SharedValues) -> ContainerRecord:
    cid = info.container_id
    repository, tag, _ = split_image(info.image)
    return ContainerRecord(
        info,
        Extracted((cid[:SHORT_ID_LEN].encode(),)),
        Extracted((cid.encode(),)),
        shared.get(info.name),
        shared.get(info.image),
        shared.get(repository),
        shared.get(tag),
        shared.get(image_digest(info.image_id, info.image)),
        _TYPES[info.type],
        _flag(info.privileged),
    )


def container_records(
    details: PodDetails | None, old: Mapping[str, ContainerRecord], shared: SharedValues
) -> Mapping[str, ContainerRecord]:
    """The pod's containers that have an ID, by ID; `old`'s records reused when the same."""
    if details is None or not details.containers:
        return NO_CONTAINERS
    records: dict[str, ContainerRecord] = {}
    for info in details.containers:
        if info.container_id:
            previous = old.get(info.container_id)
            if previous is None or previous.info != info:
                previous = container_record(info, shared)
            records[info.container_id] = previous
    return records or NO_CONTAINERS


@dataclass(frozen=True, slots=True)
class PodContext:
    """`k8smeta.pod.{ips, serviceaccount, hostnetwork, hostpid, qos}` of one pod."""

    ips: Extracted | None
    service_account: Extracted | None
    host_network: Extracted | None
    host_pid: Extracted | None
    qos: Extracted | None


NO_CONTEXT = PodContext(None, None, None, None, None)


def pod_context(details: PodDetails | None, old: PodContext, shared: SharedValues) -> PodContext:
    """The values of `details` (NO_CONTEXT without: the collector sent none); `old`
    when equal, so that the C boundary's native copies stay valid."""
    if details is None:
        return NO_CONTEXT
    ips = tuple(ip.encode() for ip in details.pod_ips)
    context = PodContext(
        Extracted(ips) if ips else None,
        shared.get(details.service_account or ""),
        _flag(details.host_network),
        _flag(details.host_pid),
        shared.get(details.qos_class or ""),
    )
    return old if _strings(old) == _strings(context) else context


def _strings(context: PodContext) -> tuple[object, ...]:
    return tuple(None if v is None else v.strings for v in _values(context))


def _values(context: PodContext) -> tuple[Extracted | None, ...]:
    return (
        context.ips,
        context.service_account,
        context.host_network,
        context.host_pid,
        context.qos,
    )
