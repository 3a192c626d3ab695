"""The look-up behind each field: a small function of (store, pod record, argument).

Each reads values derived at update time (docs/plugin-contract.md, "Extraction"): at most
one more dict look-up after the pod's (the resource `refs[K][0]` names, or the pod's
service view), no scans, no JSON, no copies. `fields.FIELDS` pairs each with its field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from k8smeta.plugin.core.payload import DEPLOYMENT, NAMESPACE, REPLICA_SET, REPLICATION_CONTROLLER
from k8smeta.plugin.core.records import Record
from k8smeta.plugin.core.store import Store
from k8smeta.plugin.core.values import Extracted

Lookup = Callable[[Store, Record, "str | None"], "Extracted | None"]


def pod_name(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    return pod.name


def pod_uid(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    return pod.uid


def pod_label(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    return None if arg is None else pod.labels.get(arg)


def pod_labels(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    return pod.labels_list


def pod_ip(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    return pod.pod_ip


def ns_name(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    return pod.namespace


@dataclass(frozen=True, slots=True)
class OwnerLookups:
    """`X.name`, `X.uid`, `X.label[key]` and `X.labels` of the resource a pod names."""

    name: Lookup
    uid: Lookup
    label: Lookup
    labels: Lookup


def _owner_lookups(kind: str) -> OwnerLookups:
    """The look-ups of the `kind` resource named by the pod's `refs[kind][0]`."""

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

    return OwnerLookups(name, uid, label, labels)


def svc_name(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    view = store.service_views.get(pod.key)
    return None if view is None else view.names


def svc_uid(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    return pod.svc_uid


def svc_label(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    view = store.service_views.get(pod.key)
    return None if view is None or arg is None else view.label.get(arg)


def svc_labels(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    view = store.service_views.get(pod.key)
    return None if view is None else view.labels


NAMESPACE_OF = _owner_lookups(NAMESPACE)
DEPLOYMENT_OF = _owner_lookups(DEPLOYMENT)
REPLICA_SET_OF = _owner_lookups(REPLICA_SET)
REPLICATION_CONTROLLER_OF = _owner_lookups(REPLICATION_CONTROLLER)
