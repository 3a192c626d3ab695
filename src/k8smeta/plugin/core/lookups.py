"""The look-up behind each field: a small function of (store, pod record, argument).

Each reads values derived at update time (docs/plugin-contract.md, "Extraction"): at most
two more dict look-ups after the pod's (the resource `refs[K][0]` names, the Job's
CronJob, or the pod's service view), no scans, no JSON, no copies. A resource the refs
name but the store lacks is answered with an `UnknownOwner`, which extraction counts and
turns into "no value". `fields.FIELDS` pairs each look-up with its field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from k8smeta.plugin.core.container_records import ContainerRecord
from k8smeta.plugin.core.kinds import KIND_SPECS, Family
from k8smeta.plugin.core.records import Controller, Record
from k8smeta.plugin.core.store import Store
from k8smeta.plugin.core.values import Extracted, UnknownOwner
from k8smeta.wire.vocabulary import CRON_JOB, JOB, POD

Result = Extracted | UnknownOwner | None
Lookup = Callable[[Store, Record, "str | None"], Result]
ContainerLookup = Callable[[ContainerRecord], "Extracted | None"]


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


def pod_annotation(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    return None if arg is None else pod.annotations.get(arg)


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
    """The look-ups of the `kind` resource named by the pod's `refs[kind][0]`.

    Each is written out in full: these are the hottest look-ups, and a shared helper
    would cost one more Python call per extraction.
    """
    unknown = UnknownOwner(kind)

    def name(store: Store, pod: Record, arg: str | None) -> Result:
        ref = pod.owners.get(kind)
        if ref is None:
            return None
        resource = store.tables[kind].get(ref[0])
        return unknown if resource is None else resource.name

    def uid(store: Store, pod: Record, arg: str | None) -> Result:
        ref = pod.owners.get(kind)
        return None if ref is None else ref[1]

    def label(store: Store, pod: Record, arg: str | None) -> Result:
        ref = None if arg is None else pod.owners.get(kind)
        if ref is None or arg is None:
            return None
        resource = store.tables[kind].get(ref[0])
        return unknown if resource is None else resource.labels.get(arg)

    def labels(store: Store, pod: Record, arg: str | None) -> Result:
        ref = pod.owners.get(kind)
        if ref is None:
            return None
        resource = store.tables[kind].get(ref[0])
        return unknown if resource is None else resource.labels_list

    return OwnerLookups(name, uid, label, labels)


def _owner_of_owner_lookups(kind: str, via: str) -> OwnerLookups:
    """The look-ups of the `kind` resource named by `refs[kind][0]` of the `via` resource
    the pod names (a pod's Job names its CronJob)."""
    unknown_via = UnknownOwner(via)

    def holder(store: Store, pod: Record) -> Record | UnknownOwner | None:
        ref = pod.owners.get(via)
        if ref is None:
            return None
        record = store.tables[via].get(ref[0])
        return unknown_via if record is None else record

    def lift(lookup: Lookup) -> Lookup:
        def through(store: Store, pod: Record, arg: str | None) -> Result:
            record = holder(store, pod)
            return lookup(store, record, arg) if isinstance(record, Record) else record

        return through

    of_kind = _owner_lookups(kind)
    return OwnerLookups(
        lift(of_kind.name), lift(of_kind.uid), lift(of_kind.label), lift(of_kind.labels)
    )


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


def _family_lookups(kind: str, family: Family) -> OwnerLookups:
    if family.via is None:
        return _owner_lookups(kind)
    return _owner_of_owner_lookups(kind, via=family.via)


#: The look-ups of each owner kind (`kinds.KIND_SPECS` rows with a family).
OWNER_LOOKUPS: dict[str, OwnerLookups] = {
    spec.kind: _family_lookups(spec.kind, spec.family)
    for spec in KIND_SPECS
    if spec.family is not None
}


def node_name(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    node = store.own_node
    return None if node is None else node.name


def node_label(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    node = store.own_node
    return None if node is None or arg is None else node.labels.get(arg)


def node_labels(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    node = store.own_node
    return None if node is None else node.labels_list


_POD_KIND = Extracted((POD.encode(),))
_CRON_JOB_KIND = Extracted((CRON_JOB.encode(),))
_UNKNOWN_CRON_JOB = UnknownOwner(CRON_JOB)


def _cron_job_over(store: Store, controller: Controller) -> str | None:
    """The UID of the CronJob over the pod's Job, when the Job is known and names one."""
    if controller.kind != JOB:
        return None
    job = store.tables[JOB].get(controller.uid)
    ref = None if job is None else job.owners.get(CRON_JOB)
    return None if ref is None else ref[0]


def workload_kind(store: Store, pod: Record, arg: str | None) -> Result:
    controller = pod.controller
    if controller is None:
        return _POD_KIND
    return controller.kind_value if _cron_job_over(store, controller) is None else _CRON_JOB_KIND


def workload_name(store: Store, pod: Record, arg: str | None) -> Result:
    controller = pod.controller
    if controller is None:
        return pod.name
    cron_job = _cron_job_over(store, controller)
    if cron_job is not None:
        record = store.tables[CRON_JOB].get(cron_job)
        return _UNKNOWN_CRON_JOB if record is None else record.name
    table = store.tables.get(controller.kind)  # a kind the store does not keep: unknown
    record = None if table is None else table.get(controller.uid)
    return controller.unknown if record is None else record.name


# -- the pod's security context and the thread's container ----------------------------------
def pod_ips(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    return pod.context.ips


def pod_service_account(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    return pod.context.service_account


def pod_host_network(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    return pod.context.host_network


def pod_host_pid(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    return pod.context.host_pid


def pod_qos(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    return pod.context.qos


def in_container(store: Store, pod: Record, arg: str | None) -> Extracted | None:
    """The pod-level look-up of a container field: never called (extraction looks the
    thread's container up and runs the field's `ContainerLookup` instead)."""
    return None


def container_id(container: ContainerRecord) -> Extracted | None:
    return container.id


def container_full_id(container: ContainerRecord) -> Extracted | None:
    return container.full_id


def container_name(container: ContainerRecord) -> Extracted | None:
    return container.name


def container_image(container: ContainerRecord) -> Extracted | None:
    return container.image


def container_repository(container: ContainerRecord) -> Extracted | None:
    return container.repository


def container_tag(container: ContainerRecord) -> Extracted | None:
    return container.tag


def container_digest(container: ContainerRecord) -> Extracted | None:
    return container.digest


def container_type(container: ContainerRecord) -> Extracted | None:
    return container.type


def container_privileged(container: ContainerRecord) -> Extracted | None:
    return container.privileged
