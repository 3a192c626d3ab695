"""Wire `Event` -> async payload bytes: the core's payload encoder, fed from the proto.

The payload is the protobuf JSON mapping of the event (docs/plugin-contract.md, "Async
events"), encoded by `core.payload.encode_payload`, the same encoder `dump_state` uses; a
unit test compares it with `google.protobuf.json_format` under default options. Strings
inside `meta`, `spec` and `status` are forwarded unchanged: they already hold the
collector's JSON.
"""

from __future__ import annotations

from k8smeta.plugin.core.payload import Refs, encode_payload
from k8smeta.wire import metadata_pb2
from k8smeta.wire.vocabulary import DELETE


def event_payload(event: metadata_pb2.Event) -> bytes:
    """The async payload of one wire event: compact protobuf-JSON + one trailing NUL byte."""
    # proto3 scalars are omitted when empty (the encoder skips empty reason/uid/kind);
    # `optional` fields and the message field have explicit presence and are emitted
    # when set, even if empty (printer defaults).
    return encode_payload(
        event.reason,
        event.uid,
        event.kind,
        meta=event.meta if event.HasField("meta") else None,
        spec=event.spec if event.HasField("spec") else None,
        status=event.status if event.HasField("status") else None,
        refs=_refs(event.refs) if event.HasField("refs") else None,
    )


def delete_payload(kind: str, uid: str) -> bytes:
    """A synthetic upstream-format Delete (resync sweep), NUL-terminated."""
    return encode_payload(DELETE, uid, kind)


def _refs(refs: metadata_pb2.References) -> Refs:
    # Indexing the map and slicing the repeated field are the cheapest accesses upb
    # offers (half the cost of items() and list()).
    by_kind = refs.resources
    return tuple((kind, tuple(by_kind[kind].list[:])) for kind in by_kind)
