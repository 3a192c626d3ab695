"""Builders of async `k8s` payloads for tests (compact protobuf-JSON + NUL)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import orjson

from k8smeta.plugin.core.payload import encode_payload


def resource(
    kind: str,
    uid: str,
    name: str | None = None,
    labels: Mapping[str, str] | None = None,
    *,
    reason: str = "Create",
    namespace: str | None = None,
) -> bytes:
    """A Create/Update of a non-pod resource."""
    meta: dict[str, object] = {"uid": uid}
    if name is not None:
        meta["name"] = name
    if namespace is not None:
        meta["namespace"] = namespace
    if labels is not None:
        meta["labels"] = dict(labels)
    return encode_payload(reason, uid, kind, meta=orjson.dumps(meta).decode())


def pod(
    uid: str,
    *,
    name: str | None = "pod",
    labels: Mapping[str, str] | None = None,
    refs: Mapping[str, Sequence[str]] | None = None,
    reason: str = "Create",
    namespace: str | None = "default",
    ip: str | None = None,
) -> bytes:
    """A Create/Update of a pod with `refs` as kind -> UIDs."""
    meta: dict[str, object] = {"uid": uid, "labels": dict(labels or {})}
    if name is not None:
        meta["name"] = name
    if namespace is not None:
        meta["namespace"] = namespace
    status = orjson.dumps({} if ip is None else {"podIP": ip}).decode()
    return encode_payload(
        reason,
        uid,
        "Pod",
        meta=orjson.dumps(meta).decode(),
        status=status,
        refs=tuple((kind, tuple(uids)) for kind, uids in (refs or {}).items()),
    )


def delete(kind: str, uid: str) -> bytes:
    """A Delete."""
    return encode_payload("Delete", uid, kind)
