"""How the stand-in renders objects, lists, events and Status bodies (full or metadata-only)."""

from __future__ import annotations

from typing import Any

import orjson

from tests.kubeapi.state import Obj, Resource, WatchEvent

META_API = "meta.k8s.io/v1"


def wants_metadata(accept: str, watch: bool) -> bool:
    """True when the Accept header asks for PartialObjectMetadata (List for lists)."""
    wanted = "as=PartialObjectMetadata" if watch else "as=PartialObjectMetadataList"
    return any(wanted + ";" in part + ";" and "g=meta.k8s.io" in part for part in accept.split(","))


def partial(obj: Obj) -> Obj:
    return {"kind": "PartialObjectMetadata", "apiVersion": META_API, "metadata": obj["metadata"]}


def full(resource: Resource, obj: Obj) -> Obj:
    return {**obj, "kind": resource.kind, "apiVersion": resource.api_version}


def list_body(
    resource: Resource, items: list[Obj], rv: int, token: str, metadata_only: bool
) -> Obj:
    meta: dict[str, Any] = {"resourceVersion": str(rv)}
    if token:
        meta["continue"] = token
    if metadata_only:
        return {
            "kind": "PartialObjectMetadataList",
            "apiVersion": META_API,
            "metadata": meta,
            "items": [partial(obj) for obj in items],
        }
    # items of a typed list carry neither kind nor apiVersion, as the real API serves them
    bare = [{k: v for k, v in obj.items() if k not in ("kind", "apiVersion")} for obj in items]
    return {
        "kind": f"{resource.kind}List",
        "apiVersion": resource.api_version,
        "metadata": meta,
        "items": bare,
    }


def event_line(event: WatchEvent, resource: Resource, metadata_only: bool) -> bytes:
    obj = partial(event.obj) if metadata_only else full(resource, event.obj)
    return orjson.dumps({"type": event.type, "object": obj}) + b"\n"


def bookmark(resource: Resource, rv: int, metadata_only: bool) -> Obj:
    obj: Obj = {"metadata": {"resourceVersion": str(rv)}}
    if metadata_only:
        return {
            "type": "BOOKMARK",
            "object": {**obj, "kind": "PartialObjectMetadata", "apiVersion": META_API},
        }
    return {"type": "BOOKMARK", "object": full(resource, obj)}


def status_body(code: int, reason: str, message: str) -> Obj:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
