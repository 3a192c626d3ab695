"""The size limits of one served object: the collector trims to them, the plugin accepts
everything within them (docs/plugin-contract.md, "Async events"; docs/architecture.md,
"Inputs the collector refuses").

Hand-written (the rest of `wire` is generated), and the one copy both programs import, so
that what one half serves is what the other half stores. A property test generates objects
around every limit and checks exactly that (tests/test_limits.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from k8smeta.wire.vocabulary import UPDATE

MAX_PAYLOAD_BYTES = 1 << 20
"""Bytes of one async payload: an event's compact protobuf-JSON form (its NUL excluded)."""
MAX_ENTRIES = 4096
"""Labels (and kept annotations) of one object; UIDs of one refs list."""
MAX_STRING_BYTES = 64 << 10
"""UTF-8 bytes of any single string: a name, namespace, UID, label key or value..."""
_SHORT = MAX_STRING_BYTES // 4  # characters: at most MAX_STRING_BYTES bytes whatever the text
FORBIDDEN_TEXT = ("\0", "\\u0000")
"""Values reach C as NUL-terminated strings: a NUL would silently truncate one, so the
plugin refuses a payload holding one, also spelt as JSON's escape (no name or label allows
a backslash)."""

Refs = Sequence[tuple[str, Sequence[str]]]


def string_fits(value: str) -> bool:
    """Whether the plugin takes `value` as a string of a served object."""
    if len(value) > _SHORT and len(value.encode("utf-8", "surrogatepass")) > MAX_STRING_BYTES:
        return False
    return not any(text in value for text in FORBIDDEN_TEXT)


def payload_bytes(
    uid: str,
    kind: str,
    meta: str,
    status: str | None,
    refs: Refs | None,
    *,
    spec: str | None = None,
) -> int:
    """The size of the payload a Create or Update of this content becomes in the plugin:
    the event's compact protobuf-JSON form (`reason`, `uid`, `kind`, `meta`, `spec` (a
    pod's details), `status`, `refs`), as `google.protobuf.json_format` maps it."""
    event: dict[str, object] = {"reason": UPDATE, "uid": uid, "kind": kind, "meta": meta}
    if spec is not None:
        event["spec"] = spec
    if status is not None:
        event["status"] = status
    if refs is not None:
        resources = {k: ({"list": list(uids)} if uids else {}) for k, uids in refs}
        event["refs"] = {"resources": resources} if resources else {}
    return len(orjson.dumps(event))
