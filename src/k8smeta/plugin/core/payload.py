"""Decode and validate one async `k8s` payload, and encode one (docs/plugin-contract.md,
"Async events").

The payload is the protobuf-JSON form of a wire `Event` with `meta`/`spec`/`status` as
strings holding JSON and `refs` as an object. Decoding is strict: anything unexpected
raises PayloadError and nothing of it reaches the store. Kinds and reasons are the wire's
(`k8smeta.wire.vocabulary`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from k8smeta.plugin.core.details import PodDetails, Reader, pod_details
from k8smeta.plugin.core.errors import PayloadError, UnknownKindError
from k8smeta.plugin.core.json_types import json_type
from k8smeta.wire import limits
from k8smeta.wire.vocabulary import KINDS, POD, REASONS, SYNC

# The limits the collector trims to (one copy, in `wire.limits`): anything within them is
# accepted, so that nothing a collector serves is refused here.
MAX_PAYLOAD = limits.MAX_PAYLOAD_BYTES  # bytes, trailing NUL excluded
MAX_ENTRIES = limits.MAX_ENTRIES  # labels (annotations) per resource, UIDs per refs list
MAX_STRING = limits.MAX_STRING_BYTES  # bytes of any single string
_SHORT = MAX_STRING // 4  # characters: at most MAX_STRING bytes whatever the text

#: refs as kind -> UIDs, in the received order.
Refs = tuple[tuple[str, tuple[str, ...]], ...]

_MISSING_KEYS = (
    "Invalid json resource.'/reason', '/uid', and '/kind' should always be present."
    " Resource json:\n{dump}\n"
)
_DUMP_LIMIT = 512


@dataclass(frozen=True, slots=True)
class Payload:
    """One validated async payload: the raw parts (for `dump_state`) and what they say."""

    reason: str
    uid: str
    kind: str
    meta: str | None = None
    spec: str | None = None
    status: str | None = None
    refs: Refs | None = None
    name: str | None = None
    namespace: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    pod_ip: str | None = None
    annotations: Mapping[str, str] = field(default_factory=dict)
    details: PodDetails | None = None  # pods with `spec` (our collector, on request)


def _reject(reason: str) -> PayloadError:
    return PayloadError(f"invalid k8s async payload: {reason}")


def _check_string(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise _reject(f"{what} must be a string, not {json_type(value)}")
    # Cheap character count first; the UTF-8 length only when it could be too long.
    if len(value) > _SHORT and len(value.encode()) > MAX_STRING:
        raise _reject(f"{what} is longer than {MAX_STRING} bytes")
    return value


_READER = Reader(_check_string, MAX_ENTRIES)


def _optional_string(obj: Mapping[str, Any], key: str, what: str) -> str | None:
    value = obj.get(key)
    return None if key not in obj else _check_string(value, what)


def _json_part(top: Mapping[str, Any], key: str, want_object: bool) -> tuple[str | None, Any]:
    """The raw string of `meta`/`spec`/`status` and its decoded content ({} when empty)."""
    if key not in top:
        return None, {}
    raw = top[key]
    if not isinstance(raw, str):
        raise _reject(f"'{key}' must be a string holding JSON, not {json_type(raw)}")
    if not raw:
        return raw, {}
    try:
        content = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise _reject(f"'{key}' is not valid JSON: {exc}") from None
    if want_object and not isinstance(content, dict):
        raise _reject(f"'{key}' must hold a JSON object, not {json_type(content)}")
    return raw, content


def _all_short_strings(values: Iterable[Any]) -> bool:
    """Whether every value is a string short enough to need no UTF-8 length check."""
    for value in values:  # noqa: SIM110 - a plain loop is faster than all(genexpr)
        if type(value) is not str or len(value) > _SHORT:
            return False
    return True


def _labels(meta: Mapping[str, Any], key: str = "labels", what: str = "label") -> dict[str, str]:
    """`meta.labels` (or `meta.annotations`): an object of short strings, {} when absent."""
    labels = meta.get(key, {})
    if not isinstance(labels, dict):
        raise _reject(f"'meta.{key}' must be an object, not {json_type(labels)}")
    if len(labels) > MAX_ENTRIES:
        raise _reject(f"'meta.{key}' has {len(labels)} entries, more than {MAX_ENTRIES}")
    if not (_all_short_strings(labels) and _all_short_strings(labels.values())):
        for name, value in labels.items():  # slow path, only to name the culprit
            _check_string(name, f"a {what} key")
            _check_string(value, f"{what} '{name[:64]}'")
    return labels


def _ref_list(kind: str, entry: object) -> tuple[str, ...]:
    if not isinstance(entry, dict):
        raise _reject(f"'refs.resources.{kind}' must be an object, not {json_type(entry)}")
    uids = entry.get("list", [])
    if not isinstance(uids, list):
        raise _reject(f"'refs.resources.{kind}.list' must be an array, not {json_type(uids)}")
    if len(uids) > MAX_ENTRIES:
        raise _reject(f"'refs.resources.{kind}.list' has {len(uids)} UIDs, more than {MAX_ENTRIES}")
    if not _all_short_strings(uids):
        for uid in uids:  # slow path, only to name the culprit
            _check_string(uid, f"a UID in 'refs.resources.{kind}.list'")
    return tuple(uids)


def _refs(top: Mapping[str, Any]) -> Refs | None:
    if "refs" not in top:
        return None
    refs = top["refs"]
    if not isinstance(refs, dict):
        raise _reject(f"'refs' must be an object, not {json_type(refs)}")
    resources = refs.get("resources", {})
    if not isinstance(resources, dict):
        raise _reject(f"'refs.resources' must be an object, not {json_type(resources)}")
    return tuple(
        (_check_string(kind, "a kind in 'refs.resources'"), _ref_list(kind, entry))
        for kind, entry in resources.items()
    )


def _identity(top: Mapping[str, Any], data: bytes) -> tuple[str, str, str]:
    # A Sync marker has empty uid and kind, which protobuf's JSON printer omits.
    required = ("reason",) if top.get("reason") == SYNC else ("reason", "uid", "kind")
    if not all(isinstance(top.get(key), str) for key in required):
        dump = data[:_DUMP_LIMIT].decode(errors="replace")
        raise PayloadError(_MISSING_KEYS.format(dump=dump))
    reason = _check_string(top["reason"], "'reason'")
    uid = _check_string(top.get("uid", ""), "'uid'")
    kind = _check_string(top.get("kind", ""), "'kind'")
    if reason not in REASONS:
        raise PayloadError(f"reason '{reason[:64]}' is not known to the plugin")
    if reason != SYNC:
        if kind not in KINDS:
            raise UnknownKindError(kind[:64])
        if not uid:
            raise _reject(f"empty 'uid' in a {reason} of a {kind}")
    return reason, uid, kind


def _load(data: bytes) -> Mapping[str, Any]:
    if data.endswith(b"\0"):
        data = data[:-1]
    if len(data) > MAX_PAYLOAD:
        raise _reject(f"{len(data)} bytes, more than {MAX_PAYLOAD}")
    # Values reach C as NUL-terminated strings: a NUL inside one (JSON `\u0000`, also
    # when nested in `meta`) would silently truncate it. A raw NUL is invalid JSON anyway.
    # (Text spelling a backslash-u0000 is refused too: no name or label allows `\`.)
    if b"\\u0000" in data:
        raise _reject("a string contains a NUL character")
    try:
        top = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise _reject(f"not valid UTF-8 JSON: {exc}") from None
    if not isinstance(top, dict):
        raise _reject(f"the top level must be an object, not {json_type(top)}")
    return top


def decode_payload(data: bytes) -> Payload:
    """Validate the `data` parameter of a `k8s` async event (one trailing NUL allowed)."""
    top = _load(data)
    reason, uid, kind = _identity(top, data)
    meta_raw, meta = _json_part(top, "meta", want_object=True)
    spec_raw, spec = _json_part(top, "spec", want_object=False)
    status_raw, status = _json_part(top, "status", want_object=True)
    details = pod_details(_READER, spec, status) if kind == POD and spec_raw else None
    return Payload(
        reason=reason,
        uid=uid,
        kind=kind,
        meta=meta_raw,
        spec=spec_raw,
        status=status_raw,
        refs=_refs(top),
        name=_optional_string(meta, "name", "'meta.name'"),
        namespace=_optional_string(meta, "namespace", "'meta.namespace'"),
        labels=_labels(meta),
        pod_ip=_optional_string(status, "podIP", "'status.podIP'"),
        annotations=_labels(meta, "annotations", "annotation"),
        details=details,
    )


def _refs_object(refs: Refs) -> dict[str, Any]:
    resources = {kind: ({"list": list(uids)} if uids else {}) for kind, uids in refs}
    return {"resources": resources} if resources else {}


def encode_payload(
    reason: str,
    uid: str,
    kind: str,
    *,
    meta: str | None = None,
    spec: str | None = None,
    status: str | None = None,
    refs: Refs | None = None,
) -> bytes:
    """The async-event payload as protobuf's JSON printer gives it, compact, plus one NUL."""
    event: dict[str, Any] = {}
    for key, text in (("reason", reason), ("uid", uid), ("kind", kind)):
        if text:
            event[key] = text
    for key, part in (("meta", meta), ("spec", spec), ("status", status)):
        if part is not None:
            event[key] = part
    if refs is not None:
        event["refs"] = _refs_object(refs)
    return orjson.dumps(event) + b"\0"
