"""Trimmed Kubernetes objects and the batches of changes the sources hand to the pipeline.

Only the fields the wire needs are kept (docs/collector-contract.md, "What is kept from the
API"): everything is keyed by UID.
"""

from __future__ import annotations

import asyncio
import enum
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NewType, Protocol

import msgspec

from k8smeta.wire import vocabulary

Uid = NewType("Uid", str)
NodeName = NewType("NodeName", str)


class Kind(enum.StrEnum):
    """The kinds the collector watches and serves: the wire's (`k8smeta.wire.vocabulary`).

    A member per kind, for typed code; `kube.kinds.KINDS` says how each is watched."""

    POD = vocabulary.POD
    NAMESPACE = vocabulary.NAMESPACE
    DEPLOYMENT = vocabulary.DEPLOYMENT
    REPLICA_SET = vocabulary.REPLICA_SET
    REPLICATION_CONTROLLER = vocabulary.REPLICATION_CONTROLLER
    DAEMON_SET = vocabulary.DAEMON_SET
    STATEFUL_SET = vocabulary.STATEFUL_SET
    JOB = vocabulary.JOB
    CRON_JOB = vocabulary.CRON_JOB
    SERVICE = vocabulary.SERVICE
    NODE = vocabulary.NODE


DEPENDENCY_ORDER: tuple[Kind, ...] = tuple(Kind(name) for name in vocabulary.KINDS)
"""Owners before what they own, namespaces first: snapshot and Create order
(docs/collector-contract.md, "Stream")."""


NO_ANNOTATIONS: Mapping[str, str] = MappingProxyType({})
"""Shared by every object without kept annotations (no dict each)."""


@dataclass(frozen=True, slots=True)
class OwnerReference:
    kind: str
    name: str
    uid: Uid
    controller: bool


@dataclass(frozen=True, slots=True)
class ObjectMeta:
    uid: Uid
    name: str
    namespace: str = ""
    generate_name: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    owner_references: tuple[OwnerReference, ...] = ()
    resource_version: str = ""
    annotations: Mapping[str, str] = field(default_factory=lambda: NO_ANNOTATIONS)
    """Pods only: the annotations whose keys `--pod-annotations` lists (none by default)."""

    def controller(self) -> OwnerReference | None:
        """The ownerReference with `controller: true`, if any."""
        for ref in self.owner_references:
            if ref.controller:
                return ref
        return None


class ContainerType(enum.StrEnum):
    """Which list of the pod spec a container is in (`k8smeta.container.type`)."""

    CONTAINER = "container"
    INIT = "init"
    EPHEMERAL = "ephemeral"


class Container(msgspec.Struct, frozen=True, gc=False):
    """One container of a pod: from its spec entry and its status entry (by name). A
    frozen struct without GC tracking, built positionally in C: pods are decoded by the
    hundred thousand (ADR 0016, "Outcome")."""

    type: ContainerType
    name: str
    image: str = ""
    privileged: bool | None = None  # securityContext.privileged; None when unset
    container_id: str = ""  # status: `<runtime>://<id>`; "" until the runtime started it
    image_id: str = ""  # status: the resolved image, `...@sha256:...` on most runtimes


class PodDetails(msgspec.Struct, frozen=True, gc=False):
    """What a pod's container and security-context fields need (served on request)."""

    pod_ips: tuple[str, ...] = ()
    service_account: str = ""
    host_network: bool = False
    host_pid: bool = False
    qos_class: str = ""
    containers: tuple[Container, ...] = ()


NO_DETAILS = PodDetails()


@dataclass(frozen=True, slots=True)
class KubeObject:
    """One trimmed object. `node_name`/`pod_ip`/`details` are for pods, `selector` for
    services."""

    kind: Kind
    meta: ObjectMeta
    node_name: str = ""
    pod_ip: str = ""
    selector: Mapping[str, str] | None = None
    details: PodDetails = NO_DETAILS

    @property
    def uid(self) -> Uid:
        return self.meta.uid

    @property
    def qualified_name(self) -> str:
        """`namespace/name`, or `name` for a cluster-scoped object (log lines)."""
        meta = self.meta
        return f"{meta.namespace}/{meta.name}" if meta.namespace else meta.name

    def same_content(self, other: KubeObject) -> bool:
        """Equal apart from resourceVersion: a MODIFIED that changes nothing is dropped."""
        return (
            self.kind == other.kind
            and self.node_name == other.node_name
            and self.pod_ip == other.pod_ip
            and self.selector == other.selector
            and self.details == other.details
            and _meta_without_version(self.meta) == _meta_without_version(other.meta)
        )


def _meta_without_version(meta: ObjectMeta) -> tuple[object, ...]:
    return (
        meta.uid,
        meta.name,
        meta.namespace,
        meta.generate_name,
        dict(meta.labels),
        meta.owner_references,
        dict(meta.annotations),
    )


class ChangeType(enum.Enum):
    ADDED = "ADDED"
    MODIFIED = "MODIFIED"
    DELETED = "DELETED"


@dataclass(frozen=True, slots=True)
class Change:
    """One object entering, changing or leaving the cluster (DELETED carries the last state)."""

    type: ChangeType
    obj: KubeObject


@dataclass(frozen=True, slots=True)
class Batch:
    """All changes caused by one input (one watch event, or one relist diff), applied together.

    `synced` names a kind whose initial list this batch completes (readiness); `received`
    is when its source made it (monotonic clock), for the change-to-subscriber latency.
    """

    changes: tuple[Change, ...]
    synced: Kind | None = None
    received: float = field(default_factory=time.monotonic, compare=False)


BatchQueue = asyncio.Queue[Batch]


class Source(Protocol):
    """Produces batches for one or more kinds until cancelled."""

    kinds: tuple[Kind, ...]

    async def run(self, out: BatchQueue) -> None:
        """Put batches on `out` forever; the first batch of each kind carries `synced`."""
        ...
