"""Serialized wire events as the views emit them, and the encoder seam they are built with."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from k8smeta.collector.model import DEPENDENCY_ORDER, Kind, KubeObject, Uid
from k8smeta.wire import vocabulary


class Reason(enum.StrEnum):
    """`Event.reason` (`k8smeta.wire.vocabulary`)."""

    CREATE = vocabulary.CREATE
    UPDATE = vocabulary.UPDATE
    DELETE = vocabulary.DELETE
    SYNC = vocabulary.SYNC


class Audience(enum.Enum):
    """Which subscribers an event is for: a pod with details has one Create or Update for
    those that ask for pod details and another for the others (upstream's bytes)."""

    ALL = "all"
    PLAIN = "plain"
    DETAILED = "detailed"


@dataclass(frozen=True, slots=True)
class WireEvent:
    """One serialized `metadata.Event`; the same instance is queued to every subscriber
    of its audience."""

    reason: Reason
    kind: Kind | None
    uid: Uid
    data: bytes
    audience: Audience = Audience.ALL


class Encoder(Protocol):
    """Serializes events (implemented by `rpc.encode.EventEncoder`)."""

    def body(self, obj: KubeObject, refs: Sequence[tuple[str, Sequence[Uid]]] | None) -> bytes:
        """Every field of a Create/Update but `reason`; equal bodies = equal messages."""
        ...

    def detailed_body(
        self, obj: KubeObject, refs: Sequence[tuple[str, Sequence[Uid]]] | None
    ) -> bytes | None:
        """`body` with the pod's details; None when it has none."""
        ...

    def payload_size(
        self,
        obj: KubeObject,
        refs: Sequence[tuple[str, Sequence[Uid]]] | None,
        *,
        detailed: bool = False,
    ) -> int:
        """The size of the plugin's payload of a Create/Update (`wire.limits`), with the
        pod's details when `detailed`."""
        ...

    def framed(self, reason: str, body: bytes) -> bytes: ...

    def delete(self, kind: Kind, uid: Uid) -> bytes: ...

    def sync(self) -> bytes: ...


# Sort keys by kind: Creates/Updates (and snapshots) go in the model's dependency order,
# Deletes in the reverse one (docs/collector-contract.md, "Stream").
CREATE_RANK: dict[Kind, int] = {kind: rank for rank, kind in enumerate(DEPENDENCY_ORDER)}
DELETE_RANK: dict[Kind, int] = {kind: -rank for kind, rank in CREATE_RANK.items()}
