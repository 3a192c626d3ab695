"""Wire `Event` -> async payload bytes (§15.2): protobuf JSON mapping, compact, NUL-terminated.

The dict is built by hand (field names as in the proto) and encoded with orjson; a unit test
compares it with `google.protobuf.json_format` under default options. Strings inside `meta`,
`spec` and `status` are forwarded unchanged: they already hold the collector's JSON.
"""

from __future__ import annotations

from typing import Final

import orjson

from k8smeta.wire import metadata_pb2

REASON_CREATE: Final = "Create"
REASON_UPDATE: Final = "Update"
REASON_DELETE: Final = "Delete"
REASON_SYNC: Final = "Sync"
"""Our collector's snapshot marker (empty uid and kind); never pushed to Falco."""

_NUL: Final = b"\0"

JsonObject = dict[str, object]


def event_payload(event: metadata_pb2.Event) -> bytes:
    """The async payload of one wire event: compact protobuf-JSON + one trailing NUL byte."""
    doc: JsonObject = {}
    # proto3 scalars are omitted when empty; `optional` fields and the message field have
    # explicit presence and are emitted when set, even if empty (printer defaults).
    if event.reason:
        doc["reason"] = event.reason
    if event.uid:
        doc["uid"] = event.uid
    if event.kind:
        doc["kind"] = event.kind
    if event.HasField("meta"):
        doc["meta"] = event.meta
    if event.HasField("spec"):
        doc["spec"] = event.spec
    if event.HasField("status"):
        doc["status"] = event.status
    if event.HasField("refs"):
        doc["refs"] = _references(event.refs)
    return orjson.dumps(doc) + _NUL


def delete_payload(kind: str, uid: str) -> bytes:
    """A synthetic upstream-format Delete (resync sweep), NUL-terminated."""
    return orjson.dumps({"reason": REASON_DELETE, "uid": uid, "kind": kind}) + _NUL


def _references(refs: metadata_pb2.References) -> JsonObject:
    # An empty map is omitted, and so is an empty repeated field: an empty list of
    # services becomes "Service":{}. Indexing the map and slicing the repeated field are
    # the cheapest accesses upb offers (half the cost of items() and list()).
    resources: JsonObject = {}
    by_kind = refs.resources
    for kind in by_kind:
        uids = by_kind[kind].list
        resources[kind] = {"list": uids[:]} if uids else {}
    return {"resources": resources} if resources else {}
