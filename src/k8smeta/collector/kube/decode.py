"""Bytes from the API server -> trimmed objects: list pages and watch lines of one kind.

The fast path decodes straight into the kind's shape (`shapes`, msgspec), so the fields the
collector drops are skipped by the parser and never become Python objects. When the typed
decode refuses a body (a field of an unexpected JSON type, a null item, nesting deeper than
it recurses) the body takes the general path: orjson into dicts, then `trim` object by
object, which skips only the objects at fault and words every error as it always has. Both
paths give the same objects for what an API server sends (a test compares them on every
kind); they differ only in that fields the collector never reads are not validated on the
fast path.

When orjson refuses the body too (invalid UTF-8, a lone surrogate, NaN, nesting beyond its
1,024 levels), the fault lies in one object: the body is split into its items (`split`),
each decoded on its own both ways, and only an item no decoder takes is skipped, named as
far as its metadata can be read (`salvage`). A watch line is salvaged the same way, so that
the watch moves on past it. Only a body that is not even shaped like JSON is refused whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec
import orjson

from k8smeta.collector.kube.errors import (
    ApiError,
    TransportError,
    TrimError,
    UndecodableError,
    status_error,
)
from k8smeta.collector.kube.kinds import KindInfo
from k8smeta.collector.kube.salvage import identity, lenient_load, metadata_strings, undecodable
from k8smeta.collector.kube.shapes import (
    EventShape,
    ListShape,
    ObjectShape,
    event_of,
    list_of,
    pod_shape_keeping,
)
from k8smeta.collector.kube.split import SplitError, elements, members
from k8smeta.collector.kube.trim import resource_version, trim, uid_of
from k8smeta.collector.model import Kind, KubeObject, Uid

# A list page's head ends where its items begin. API servers write `metadata` before `items`
# (the field order of every Go *List type), compactly; "items": can only be a key there.
_ITEMS_KEY = b'"items":'
HEAD_BYTES = 4096
"""A list page's head (kind, apiVersion, metadata) fits in its first HEAD_BYTES."""
_HEAD_DECODER = msgspec.json.Decoder(ListShape[ObjectShape])
EVENT_TYPES = frozenset({"ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"})
_TYPED_EVENTS = frozenset({"ADDED", "MODIFIED", "DELETED", "BOOKMARK"})
_HEAD_KEYS = frozenset({"continue", "resourceVersion"})
# What a decoder raises on a body it does not take: msgspec's RecursionError (a deep value,
# even in a field it skips) is no MsgspecError, and must send the body the general way too.
_REFUSED = (msgspec.MsgspecError, RecursionError)


@dataclass(frozen=True, slots=True)
class Page:
    """One list page: its objects, the ones skipped (why), continue token and version."""

    objects: list[KubeObject]
    token: str
    resource_version: str
    skipped: list[TrimError] = field(default_factory=list)


class WatchEvent(msgspec.Struct, frozen=True):
    """One watch line. `obj` is None for BOOKMARK and ERROR, and when trimming or decoding
    failed (`skipped` says why; `uid` is the object's UID if readable, so a DELETED still
    deletes). `error` is what an ERROR event stands for. `type` is "" for a line that is no
    usable watch event at all (`skipped` says why): the watch skips it and reads on. A
    frozen struct rather than a dataclass: built in C, once per watch line."""

    type: str
    resource_version: str = ""
    obj: KubeObject | None = None
    uid: Uid | None = None
    skipped: TrimError | None = None
    error: ApiError | None = None


class KindDecoder:
    """Decodes one kind's list pages and watch lines (typed first, dicts when refused).

    `pod_annotations`: the annotation keys a pod keeps (`--pod-annotations`); pods are
    decoded without annotations when it is empty.
    """

    def __init__(self, info: KindInfo, pod_annotations: frozenset[str] = frozenset()) -> None:
        self._kind = info.kind
        self._path = info.path
        self._keys = pod_annotations if info.kind is Kind.POD else frozenset()
        shape = pod_shape_keeping(self._keys) if self._keys else info.shape
        self._pages = msgspec.json.Decoder(list_of(shape))
        self._events = msgspec.json.Decoder(event_of(shape))
        self._items = msgspec.json.Decoder(shape)

    def page(self, body: bytes) -> Page:
        """A list page's body -> its trimmed objects (TransportError if not a list page)."""
        try:
            typed: ListShape[ObjectShape] = self._pages.decode(body)
        except _REFUSED:
            try:
                raw = orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                return self._page_salvaged(body, exc)
            if not isinstance(raw, dict):
                raise TransportError(f"{self._path}: response is not a JSON object") from None
            return self._page_from_json(raw)
        meta = typed.metadata
        objects, skipped = _trim_all(self._kind, typed.items or (), self._keys)
        return Page(
            objects,
            (meta.continue_ or "") if meta is not None else "",
            (meta.resource_version or "") if meta is not None else "",
            skipped,
        )

    @staticmethod
    def continue_token(body: bytes) -> str | None:
        """A list page's continue token read from its head alone (the body or its first
        HEAD_BYTES), without its items; "" on the last page; None when the head cannot be
        read that way (then the page is decoded before the next one is asked for)."""
        end = body.find(_ITEMS_KEY, 0, HEAD_BYTES)
        if end < 0:
            return None
        try:
            head: ListShape[ObjectShape] = _HEAD_DECODER.decode(body[:end] + b'"items":null}')
        except _REFUSED:
            return None
        return None if head.metadata is None else head.metadata.continue_ or ""

    def event(self, line: bytes) -> WatchEvent:
        """One watch line -> the event (TransportError if it is not a watch event)."""
        try:
            typed: EventShape[ObjectShape] = self._events.decode(line)
        except _REFUSED:
            typed = EventShape()
        shape = typed.object
        if typed.type not in _TYPED_EVENTS or shape is None:  # ERROR, or anything odd
            try:
                raw = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                return self._event_salvaged(line, exc)
            return self._event_from_json(raw)
        rv = shape.resource_version
        if typed.type == "BOOKMARK":
            return WatchEvent(typed.type, rv)
        try:
            return WatchEvent(typed.type, rv, shape.trimmed(self._kind))
        except TrimError as exc:
            uid = shape.metadata.uid if shape.metadata is not None else None
            return WatchEvent(typed.type, rv, uid=Uid(uid) if uid else None, skipped=exc)

    def _page_from_json(self, raw: dict[str, Any]) -> Page:
        items = raw.get("items")
        if not isinstance(items, list):
            if items is not None:
                raise TransportError(f"list {self._path}: items is not a list")
            items = []
        meta = raw.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        token, rv = meta.get("continue"), meta.get("resourceVersion")
        objects, skipped = _trim_all(self._kind, items, self._keys)
        return Page(
            objects,
            token if isinstance(token, str) else "",
            rv if isinstance(rv, str) else "",
            skipped,
        )

    def _event_from_json(self, event: object) -> WatchEvent:
        if not isinstance(event, dict):
            return _unusable(f"watch {self._path}: a line that is not a JSON object")
        etype, obj = event.get("type"), event.get("object")
        if not isinstance(etype, str) or etype not in EVENT_TYPES:
            return _unusable(f"watch {self._path}: unknown event type {str(etype)[:64]!r}")
        if etype == "ERROR":
            return WatchEvent(etype, error=_watch_error(obj))
        rv = resource_version(obj)
        if etype == "BOOKMARK":
            return WatchEvent(etype, rv)
        try:
            return WatchEvent(etype, rv, trim(self._kind, obj, self._keys))
        except TrimError as exc:
            return WatchEvent(etype, rv, uid=uid_of(obj), skipped=exc)

    def item(self, data: bytes) -> KubeObject:
        """One object's JSON on its own, typed first, then dicts; TrimError (an
        UndecodableError when no decoder takes it) otherwise."""
        try:
            shape: ObjectShape = self._items.decode(data)
        except _REFUSED:
            pass
        else:
            return shape.trimmed(self._kind)
        try:
            raw = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise undecodable(self._kind.value, data, exc)[0] from None
        return trim(self._kind, raw, self._keys)

    def _page_salvaged(self, body: bytes, refused: Exception) -> Page:
        """A page no decoder takes whole: its items one by one."""
        try:
            parts = dict(members(body))
            spans = [] if "items" not in parts else list(elements(body, parts["items"][0]))
        except SplitError as exc:
            raise TransportError(f"{self._path}: response is not JSON ({refused})") from exc
        head = metadata_strings(body, _HEAD_KEYS)
        token, rv = head.get("continue", ""), head.get("resourceVersion", "")
        objects: list[KubeObject] = []
        skipped: list[TrimError] = []
        for start, end in spans:
            try:
                objects.append(self.item(body[start:end]))
            except TrimError as exc:
                skipped.append(exc)
        return Page(objects, token, rv, skipped)

    def _event_salvaged(self, line: bytes, refused: Exception) -> WatchEvent:
        """A watch line no decoder takes whole: its type and object read on their own."""
        try:
            parts = dict(members(line))
        except SplitError:
            return _unusable(f"watch {self._path}: a line that is not JSON ({refused})")
        etype = lenient_load(line[slice(*parts["type"])]) if "type" in parts else None
        span = parts.get("object")
        if etype not in EVENT_TYPES or span is None:
            return _unusable(f"watch {self._path}: an undecodable line ({refused})")
        data = line[span[0] : span[1]]
        if etype == "ERROR":
            return WatchEvent("ERROR", error=_watch_error(lenient_load(data)))
        if etype == "BOOKMARK":
            return WatchEvent("BOOKMARK", identity(data).resource_version)
        try:
            obj = self.item(data)
        except TrimError as exc:
            ident = identity(data)
            uid = Uid(ident.uid) if ident.uid else None
            return WatchEvent(str(etype), ident.resource_version, uid=uid, skipped=exc)
        return WatchEvent(str(etype), obj.meta.resource_version, obj)


def _unusable(reason: str) -> WatchEvent:
    return WatchEvent("", skipped=UndecodableError(reason))


def _trim_all(
    kind: Kind, items: Any, pod_annotations: frozenset[str]
) -> tuple[list[KubeObject], list[TrimError]]:
    """Trimmed objects (shapes or dicts), and the errors of those that could not be."""
    objects: list[KubeObject] = []
    skipped: list[TrimError] = []
    if items and isinstance(items[0], ObjectShape):  # a typed page: shapes only
        for item in items:
            try:
                objects.append(item.trimmed(kind))
            except TrimError as exc:
                skipped.append(exc)
        return objects, skipped
    for item in items:
        try:
            objects.append(trim(kind, item, pod_annotations))
        except TrimError as exc:
            skipped.append(exc)
    return objects, skipped


def json_object(data: bytes, path: str) -> dict[str, Any]:
    """A body that must be one JSON object, decoded to dicts (TransportError otherwise)."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise TransportError(f"{path}: response is not JSON ({exc})") from exc
    if not isinstance(value, dict):
        raise TransportError(f"{path}: response is not a JSON object")
    return value


def status_message(body: bytes | dict[str, Any]) -> str:
    """The human part of a Kubernetes Status object (bytes or decoded)."""
    value: object = body
    if isinstance(body, bytes):
        try:
            value = orjson.loads(body)
        except orjson.JSONDecodeError:
            return body[:200].decode("utf-8", "replace").strip()
    if isinstance(value, dict):
        message = value.get("message") or value.get("reason")
        if isinstance(message, str):
            return message
    return ""


def _watch_error(obj: object) -> ApiError:
    """The error an `ERROR` watch event stands for (its object is a Status)."""
    code = obj.get("code") if isinstance(obj, dict) else None
    message = status_message(obj) if isinstance(obj, dict) else ""
    return status_error(code if isinstance(code, int) else 500, message or "watch ERROR event")
