"""Decoded object JSON -> KubeObject with only the fields the wire needs (`model.py`).

Works on full objects and on PartialObjectMetadata alike (both carry `metadata`). Anything
malformed raises `TrimError`; callers skip the object, log it and count it. Strings repeated
across many objects (namespace, node name, owner kind) are interned to save memory.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from collections.abc import Mapping
from typing import Any

from k8smeta.collector.kube.containers import dict_details
from k8smeta.collector.kube.errors import TrimError
from k8smeta.collector.model import Kind, KubeObject, ObjectMeta, OwnerReference, Uid

_NO_LABELS: Mapping[str, str] = {}
log = logging.getLogger(__name__)


def log_unkept_annotation(meta: ObjectMeta, key: str) -> None:
    """A kept annotation key (`--pod-annotations`) whose value is not a string."""
    where = f"{meta.namespace}/{meta.name}" if meta.namespace else meta.name
    log.warning("pod %s: annotation %r is not a string; not kept", where[:256], key[:256])


def trim(kind: Kind, raw: object, pod_annotations: frozenset[str] = frozenset()) -> KubeObject:
    """Keep name, generateName, namespace, uid, labels, ownerReferences, resourceVersion,
    plus `spec.nodeName`, `status.podIP` and the details (`containers`) for pods and
    `spec.selector` for services, and the annotations of a pod whose keys are in
    `pod_annotations`."""
    if not isinstance(raw, dict):
        raise TrimError(f"{kind} object is {type(raw).__name__}, not an object")
    meta = trim_meta(raw.get("metadata"))
    if kind is Kind.POD:
        if pod_annotations:
            meta = _with_annotations(meta, raw["metadata"], pod_annotations)
        spec, status = _section(raw, "spec"), _section(raw, "status")
        return KubeObject(
            kind,
            meta,
            node_name=sys.intern(_str(spec.get("nodeName"), "spec.nodeName")),
            pod_ip=_str(status.get("podIP"), "status.podIP"),
            details=dict_details(spec, status),
        )
    if kind is Kind.SERVICE:
        selector = _labels(_section(raw, "spec").get("selector"), "spec.selector")
        return KubeObject(kind, meta, selector=selector or None)
    return KubeObject(kind, meta)


def resource_version(raw: object) -> str:
    """`metadata.resourceVersion` of any object (BOOKMARK, Status, list), or ""."""
    if isinstance(raw, dict):
        meta = raw.get("metadata")
        if isinstance(meta, dict):
            rv = meta.get("resourceVersion")
            if isinstance(rv, str):
                return rv
    return ""


def uid_of(raw: object) -> Uid | None:
    """`metadata.uid` of an object however malformed the rest is, or None."""
    meta = raw.get("metadata") if isinstance(raw, dict) else None
    uid = meta.get("uid") if isinstance(meta, dict) else None
    return Uid(uid) if isinstance(uid, str) and uid else None


def trim_meta(raw: object) -> ObjectMeta:
    """ObjectMeta from a raw `metadata` section; uid is required, the rest may be absent."""
    if not isinstance(raw, dict):
        raise TrimError("metadata missing or not an object")
    uid = raw.get("uid")
    if not isinstance(uid, str) or not uid:
        raise TrimError(f"metadata.uid missing or invalid (name {raw.get('name')!r})")
    return ObjectMeta(
        uid=Uid(uid),
        name=_str(raw.get("name"), "metadata.name"),
        namespace=sys.intern(_str(raw.get("namespace"), "metadata.namespace")),
        generate_name=_str(raw.get("generateName"), "metadata.generateName"),
        labels=_labels(raw.get("labels"), "metadata.labels") or _NO_LABELS,
        owner_references=_owner_references(raw.get("ownerReferences")),
        resource_version=_str(raw.get("resourceVersion"), "metadata.resourceVersion"),
    )


def _with_annotations(meta: ObjectMeta, raw: dict[str, Any], keys: frozenset[str]) -> ObjectMeta:
    """Only the kept keys are read: another annotation of any type, or annotations that are
    not an object, are ignored; a kept key whose value is not a string is not kept."""
    annotations = raw.get("annotations")
    if not isinstance(annotations, dict):
        return meta
    kept = {}
    for key in keys & annotations.keys():
        value = annotations[key]
        if isinstance(value, str):
            kept[key] = value
        else:
            log_unkept_annotation(meta, key)
    return dataclasses.replace(meta, annotations=kept) if kept else meta


def _section(raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = raw.get(key)
    if value is None:
        return _NO_LABELS
    if not isinstance(value, dict):
        raise TrimError(f"{key} is {type(value).__name__}, not an object")
    return value


def _str(value: object, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TrimError(f"{what} is {type(value).__name__}, not a string")
    return value


def _labels(value: object, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TrimError(f"{what} is {type(value).__name__}, not an object")
    for key, item in value.items():
        if not isinstance(item, str):
            raise TrimError(f"{what}[{key!r}] is {type(item).__name__}, not a string")
    return value


def _owner_references(value: object) -> tuple[OwnerReference, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise TrimError(f"metadata.ownerReferences is {type(value).__name__}, not a list")
    return tuple(_owner_reference(item) for item in value)


def _owner_reference(raw: object) -> OwnerReference:
    if not isinstance(raw, dict):
        raise TrimError("an ownerReference is not an object")
    kind, name, uid = raw.get("kind"), raw.get("name"), raw.get("uid")
    if not (isinstance(kind, str) and isinstance(name, str) and isinstance(uid, str) and uid):
        raise TrimError("an ownerReference lacks kind, name or uid")
    controller = raw.get("controller")
    if controller is not None and not isinstance(controller, bool):
        raise TrimError("ownerReference.controller is not a boolean")
    return OwnerReference(sys.intern(kind), name, Uid(uid), controller is True)
