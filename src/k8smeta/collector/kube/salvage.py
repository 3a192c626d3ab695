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
        """For a log line (each part shortened)."""
        if not (self.name or self.uid):
            return f"a {kind} whose metadata is unreadable"
        name, namespace = self.name[:_SHOWN], self.namespace[:_SHOWN]
        where = f"{namespace}/{name}" if namespace else name
        return f"{kind} {where or '<no name>'} (uid {self.uid[:_SHOWN] or '<none>'})"


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
    """A string field as safe text (lone surrogates replaced)."""
    if not isinstance(value, str):
        return ""
    return value.encode("utf-8", "replace").decode()


def metadata_strings(data: bytes, keys: frozenset[str]) -> dict[str, str]:
    """The string members `keys` of the `metadata` of the object whose JSON is `data`, each
    decoded on its own, so a bad value elsewhere (a label, a deep managedFields) does not
    hide them; "" for one not readable as a string."""
    fields: dict[str, str] = {}
    try:
        span = member(data, "metadata")
        if span is not None:
            for key, (start, end) in members(data, span[0]):
                if key in keys:
                    fields[key] = _clean(lenient_load(data[start:end]))
    except SplitError:
        pass
    return fields


def identity(data: bytes) -> Identity:
    """The identity of the object whose JSON is `data`, as far as it can be read."""
    fields = metadata_strings(data, _WANTED)
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
