"""Field values for a pod (spec §13.1 steps 4-5, §13.2): one table of small look-ups.

Each extractor reads values derived at update time: a pod look-up, at most one more
dict look-up (the resource `refs[K][0]` names, or the pod's service view), no scans, no
JSON, no copies.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from k8smeta.plugin.core.errors import FieldError
from k8smeta.plugin.core.fields import FIELDS
from k8smeta.plugin.core.records import OWNER_KINDS, Record
from k8smeta.plugin.core.store import Store
from k8smeta.plugin.core.values import Extracted

logger = logging.getLogger(__name__)

Extractor = Callable[[Store, Record, "str | None"], "Extracted | None"]


def _pod_name(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    return pod.name


def _pod_uid(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    return pod.uid


def _pod_label(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    return None if arg is None else pod.labels.get(arg)


def _pod_labels(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    return pod.labels_list


def _pod_ip(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    return pod.pod_ip


def _ns_name(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    return pod.namespace


def _owner_extractors(kind: str) -> tuple[Extractor, Extractor, Extractor, Extractor]:
    """name, uid, label[key], labels of the `kind` resource named by `refs[kind][0]`."""

    def owner(store: Store, pod: Record) -> Record | None:
        ref = pod.owners.get(kind)
        return None if ref is None else store.tables[kind].get(ref[0])

    def name(store: Store, pod: Record, arg: str | None) -> Extracted | None:
        resource = owner(store, pod)
        return None if resource is None else resource.name

    def uid(store: Store, pod: Record, arg: str | None) -> Extracted | None:
        ref = pod.owners.get(kind)
        return None if ref is None else ref[1]

    def label(store: Store, pod: Record, arg: str | None) -> Extracted | None:
        resource = None if arg is None else owner(store, pod)
        return None if resource is None or arg is None else resource.labels.get(arg)

    def labels(store: Store, pod: Record, arg: str | None) -> Extracted | None:
        resource = owner(store, pod)
        return None if resource is None else resource.labels_list

    return name, uid, label, labels


def _svc_name(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    view = store.service_views.get(pod.key)
    return None if view is None else view.names


def _svc_uid(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    return pod.svc_uid


def _svc_label(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    view = store.service_views.get(pod.key)
    return None if view is None or arg is None else view.label.get(arg)


def _svc_labels(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    view = store.service_views.get(pod.key)
    return None if view is None else view.labels


_NS, _DEPLOYMENT, _RS, _RC = (_owner_extractors(kind) for kind in OWNER_KINDS)

#: Extractor per field id, aligned with FIELDS (checked at import).
EXTRACTORS: tuple[Extractor, ...] = (
    _pod_name,
    _pod_uid,
    _pod_label,
    _pod_labels,
    _pod_ip,
    _ns_name,
    _NS[1],
    _NS[2],
    _NS[3],
    *_DEPLOYMENT,
    _svc_name,
    _svc_uid,
    _svc_label,
    _svc_labels,
    *_RS,
    *_RC,
)
if len(EXTRACTORS) != len(FIELDS):  # pragma: no cover - a programming error
    raise AssertionError("EXTRACTORS is not aligned with FIELDS")
_FIELD_COUNT = len(FIELDS)


def find_pod(store: Store, pod_uid: str) -> Record | None:
    """The pod record of `pod_uid` (spec §13.1 step 4), or None (logged at DEBUG)."""
    pod = store.pods.get(pod_uid)
    if pod is None and logger.isEnabledFor(logging.DEBUG):
        logger.debug("the plugin has no info for the pod uid '%s'", pod_uid)
    return pod


def extract_from(store: Store, pod: Record, field_id: int, arg_key: str | None) -> Extracted | None:
    """The value of field `field_id` for a known pod (spec §13.1 step 5)."""
    if not 0 <= field_id < _FIELD_COUNT:
        raise FieldError(f"unknown field id {field_id}")
    return EXTRACTORS[field_id](store, pod, arg_key)


def extract(store: Store, field_id: int, arg_key: str | None, pod_uid: str) -> Extracted | None:
    """The value of field `field_id` for the pod `pod_uid`, or None (spec §13.1 steps 4-5)."""
    if not 0 <= field_id < _FIELD_COUNT:
        raise FieldError(f"unknown field id {field_id}")
    pod = find_pod(store, pod_uid)
    return None if pod is None else EXTRACTORS[field_id](store, pod, arg_key)
