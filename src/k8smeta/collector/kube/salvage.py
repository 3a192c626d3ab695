"""What can still be read of an object no decoder takes: its identity, for the WARN line
and so that a watch moves on (a DELETED still deletes by UID, the resourceVersion still
advances).

Only `metadata.name`, `namespace`, `uid` and `resourceVersion` are read, each on its own
and leniently: orjson first, else Python's `json` on the text with invalid bytes replaced
(it takes NaN and lone surrogates). What cannot be read is left empty, and the object is
named as far as it can be.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import orjson

from k8smeta.collector.kube.errors import UndecodableError
from k8smeta.collector.kube.split import SplitError, member, members

_SHOWN = 256  # characters of a name or UID in a log line
_WANTED = frozenset({"name", "namespace", "uid", "resourceVersion"})


@dataclass(frozen=True, slots=True)
class Identity:
    """The readable strings of an object's metadata ("" where unreadable)."""

    name: str = ""
    namespace: str = ""
    uid: str = ""
    resource_version: str = ""

    def describe(self, kind: str) -> str:
        if not (self.name or self.uid):
            return f"a {kind} whose metadata is unreadable"
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{kind} {where or '<no name>'} (uid {self.uid or '<none>'})"


def lenient_load(data: bytes) -> object | None:
    """The JSON value of `data` by any decoder that takes it, or None."""
    value: object = None
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        try:
            value = json.loads(data.decode("utf-8", "replace"))
        except (ValueError, RecursionError):
            return None
    return value


def _clean(value: object) -> str:
    """A string field as log-safe text (lone surrogates replaced, shortened)."""
    if not isinstance(value, str):
        return ""
    return value.encode("utf-8", "replace").decode()[:_SHOWN]


def identity(data: bytes) -> Identity:
    """The identity of the object whose JSON is `data`, as far as it can be read: each
    wanted member of its `metadata` is decoded on its own, so a bad value elsewhere in the
    metadata (a label, a deep managedFields) does not hide the name."""
    fields: dict[str, str] = {}
    try:
        span = member(data, "metadata")
        if span is not None:
            for key, (start, end) in members(data, span[0]):
                if key in _WANTED:
                    fields[key] = _clean(lenient_load(data[start:end]))
    except SplitError:
        pass
    return Identity(
        fields.get("name", ""),
        fields.get("namespace", ""),
        fields.get("uid", ""),
        fields.get("resourceVersion", ""),
    )


def undecodable(kind: str, data: bytes, reason: Exception) -> tuple[UndecodableError, Identity]:
    """The error to skip an undecodable object with, and its identity."""
    ident = identity(data)
    message = f"undecodable {ident.describe(kind)}, skipped: {str(reason)[:_SHOWN]}"
    return UndecodableError(message), ident
