"""The `k8smeta.*` fields: one declarative table (field id = index) and `get_fields` JSON.

Each entry holds everything about a field: what `get_fields` says of it (name, display,
description, list or not, argument rule) and the look-up that extracts it, so the
advertised fields and extraction cannot drift apart. The first 25 are upstream's: names,
display names and descriptions verbatim (sic included; docs/plugin-contract.md,
"Fields"). Ours follow them (ids 25 on), in the same value formats: first one family per
owner kind of the registry (`kinds.KIND_SPECS`) beyond upstream's. `fields_json`
reproduces upstream's serialization byte for byte: compact, keys sorted at every level.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

import orjson

from k8smeta.plugin.core import lookups as lk
from k8smeta.plugin.core.kinds import KIND_SPECS, Family
from k8smeta.plugin.core.lookups import ContainerLookup, Lookup
from k8smeta.wire.vocabulary import DEPLOYMENT, NAMESPACE, REPLICA_SET, REPLICATION_CONTROLLER


class Arg(Enum):
    """The argument a field takes."""

    NONE = "none"
    KEY = "key"  # `field[key]`: required


@dataclass(frozen=True, slots=True)
class Field:
    """One extractable field; its id is its index in `FIELDS`."""

    name: str
    display: str
    desc: str
    lookup: Lookup  # its value for a known pod; None when it has none
    is_list: bool = False
    arg: Arg = Arg.NONE
    add_output: bool = False
    of_container: ContainerLookup | None = None  # container fields: the value's look-up


def _container(suffix: str, display: str, desc: str, lookup: ContainerLookup) -> Field:
    """`k8smeta.container.<suffix>`: a value of the thread's container, as Falco's
    `container.<suffix>` gives it."""
    name = f"k8smeta.container.{suffix}"
    return Field(name, display, desc, lk.in_container, of_container=lookup)


_OF = lk.OWNER_LOOKUPS
_LABELS = "comma-separated key/value labels. E.g. '(foo1:bar1,foo2:bar2)'."


def _family(kind: str, family: Family) -> tuple[Field, ...]:
    """`k8smeta.<prefix>.name/uid/label/labels` of a registry row, worded like upstream's
    replica set family."""
    name, display, noun = f"k8smeta.{family.prefix}", family.display, family.noun
    lookups = lk.OWNER_LOOKUPS[kind]
    return (
        Field(f"{name}.name", f"{display} Name", f"Kubernetes {noun} name.", lookups.name),
        Field(f"{name}.uid", f"{display} UID", f"Kubernetes {noun} UID.", lookups.uid),
        Field(
            f"{name}.label",
            f"{display} Label",
            f"Kubernetes {noun} label. E.g. '{name}.label[foo]'.",
            lookups.label,
            arg=Arg.KEY,
        ),
        Field(
            f"{name}.labels",
            f"{display} Labels",
            f"Kubernetes {noun} {_LABELS}",
            lookups.labels,
            is_list=True,
        ),
    )


FIELDS: tuple[Field, ...] = (
    Field("k8smeta.pod.name", "Pod Name", "Kubernetes pod name.", lk.pod_name, add_output=True),
    Field("k8smeta.pod.uid", "Pod UID", "Kubernetes pod UID.", lk.pod_uid),
    Field(
        "k8smeta.pod.label",
        "Pod Label",
        "Kubernetes pod label. E.g. 'k8smeta.pod.label[foo]'.",
        lk.pod_label,
        arg=Arg.KEY,
    ),
    Field(
        "k8smeta.pod.labels", "Pod Labels", f"Kubernetes pod {_LABELS}", lk.pod_labels, is_list=True
    ),
    Field("k8smeta.pod.ip", "Pod Ip", "Kubernetes pod ip", lk.pod_ip),
    Field(
        "k8smeta.ns.name",
        "Namespace Name",
        "Kubernetes namespace name.",
        lk.ns_name,
        add_output=True,
    ),
    Field("k8smeta.ns.uid", "Namespace UID", "Kubernetes namespace UID.", _OF[NAMESPACE].uid),
    Field(
        "k8smeta.ns.label",
        "Namespace Label",
        "Kubernetes namespace label. E.g. 'k8smeta.ns.label[foo]'.",
        _OF[NAMESPACE].label,
        arg=Arg.KEY,
    ),
    Field(
        "k8smeta.ns.labels",
        "Namespace Labels",
        f"Kubernetes namespace {_LABELS}",
        _OF[NAMESPACE].labels,
        is_list=True,
    ),
    Field(
        "k8smeta.deployment.name",
        "Deployment Name",
        "Kubernetes deployment name.",
        _OF[DEPLOYMENT].name,
    ),
    Field(
        "k8smeta.deployment.uid",
        "Deployment UID",
        "Kubernetes deployment UID.",
        _OF[DEPLOYMENT].uid,
    ),
    Field(
        "k8smeta.deployment.label",
        "Deployment Label",
        "Kubernetes deployment label. E.g. 'k8smeta.rs.label[foo]'.",
        _OF[DEPLOYMENT].label,  # sic (upstream)
        arg=Arg.KEY,
    ),
    Field(
        "k8smeta.deployment.labels",
        "Deployment Labels",
        f"Kubernetes deployment {_LABELS}",
        _OF[DEPLOYMENT].labels,
        is_list=True,
    ),
    Field(
        "k8smeta.svc.name",
        "Services Name",
        "Kubernetes services name. Return a list with all the names of the services associated"
        " with the current pod. E.g. '(service1,service2)'",
        lk.svc_name,
        is_list=True,
    ),
    Field(
        "k8smeta.svc.uid",
        "Services UID",
        "Kubernetes services UID. Return a list with all the UIDs of the services associated"
        " with the current pod. E.g. '(88279776-941c-491e-8da1-95ef30f50fe8,"
        "149e72f4-a570-4282-bfa0-25307c5007e8)'",
        lk.svc_uid,
        is_list=True,
    ),
    Field(
        "k8smeta.svc.label",
        "Services Label",
        # sic (upstream): the closing quote is missing.
        "Kubernetes services label. If the services associated with the current pod have a"
        " label with this name, return the list of label's values. E.g. if the current pod"
        " has 2 services associated and both have the 'foo' label, 'k8smeta.svc.label[foo]'"
        " will return '(service1-label-value,service2-label-value)",
        lk.svc_label,
        is_list=True,
        arg=Arg.KEY,
    ),
    Field(
        "k8smeta.svc.labels",
        "Services Labels",
        "Kubernetes services labels. Return a list with all the comma-separated key/value"
        " labels of the services associated with the current pod. E.g. '(foo1:bar1,foo2:bar2)'",
        lk.svc_labels,
        is_list=True,
    ),
    Field(
        "k8smeta.rs.name",
        "Replica Set Name",
        "Kubernetes replica set name.",
        _OF[REPLICA_SET].name,
    ),
    Field("k8smeta.rs.uid", "Replica Set UID", "Kubernetes replica set UID.", _OF[REPLICA_SET].uid),
    Field(
        "k8smeta.rs.label",
        "Replica Set Label",
        "Kubernetes replica set label. E.g. 'k8smeta.rs.label[foo]'.",
        _OF[REPLICA_SET].label,
        arg=Arg.KEY,
    ),
    Field(
        "k8smeta.rs.labels",
        "Replica Set Labels",
        f"Kubernetes replica set {_LABELS}",
        _OF[REPLICA_SET].labels,
        is_list=True,
    ),
    Field(
        "k8smeta.rc.name",
        "Replication Controller Name",
        "Kubernetes replication controller name.",
        _OF[REPLICATION_CONTROLLER].name,
    ),
    Field(
        "k8smeta.rc.uid",
        "Replication Controller UID",
        "Kubernetes replication controller UID.",
        _OF[REPLICATION_CONTROLLER].uid,
    ),
    Field(
        "k8smeta.rc.label",
        "Replication Controller Label",
        "Kubernetes replication controller label. E.g. 'k8smeta.rc.label[foo]'.",
        _OF[REPLICATION_CONTROLLER].label,
        arg=Arg.KEY,
    ),
    Field(
        "k8smeta.rc.labels",
        "Replication Controller Labels",
        f"Kubernetes replication controller {_LABELS}",
        _OF[REPLICATION_CONTROLLER].labels,
        is_list=True,
    ),
    # -- beyond upstream (docs/plugin-contract.md, "Fields beyond upstream") --------------
    *(
        field
        for spec in KIND_SPECS
        if spec.family is not None and not spec.family.upstream
        for field in _family(spec.kind, spec.family)
    ),
    Field("k8smeta.node.name", "Node Name", "Kubernetes node name.", lk.node_name),
    Field(
        "k8smeta.node.label",
        "Node Label",
        "Kubernetes node label. E.g. 'k8smeta.node.label[foo]'.",
        lk.node_label,
        arg=Arg.KEY,
    ),
    Field(
        "k8smeta.node.labels",
        "Node Labels",
        f"Kubernetes node {_LABELS}",
        lk.node_labels,
        is_list=True,
    ),
    Field(
        "k8smeta.workload.kind",
        "Workload Kind",
        "Kind of the pod's top controller: CronJob over Job, Deployment over ReplicaSet, else"
        " the direct controller, else 'Pod'. E.g. 'Deployment'.",
        lk.workload_kind,
    ),
    Field(
        "k8smeta.workload.name",
        "Workload Name",
        "Name of the pod's top controller (see 'k8smeta.workload.kind'); the pod name when"
        " it has no controller.",
        lk.workload_name,
    ),
    Field(
        "k8smeta.pod.annotation",
        "Pod Annotation",
        "Kubernetes pod annotation, for the keys listed in the 'podAnnotations' init config."
        " E.g. 'k8smeta.pod.annotation[foo]'.",
        lk.pod_annotation,
        arg=Arg.KEY,
    ),
    # -- the thread's container and the pod's security context (docs/plugin-contract.md,
    # "Container and security-context fields") -------------------------------------------
    _container(
        "id",
        "Container ID",
        "Container ID: the first 12 characters of the runtime's ID, as 'container.id'.",
        lk.container_id,
    ),
    _container(
        "full_id",
        "Container Full ID",
        "Container ID: the runtime's full 64-character ID.",
        lk.container_full_id,
    ),
    _container("name", "Container Name", "Container name, as in the pod spec.", lk.container_name),
    _container(
        "image",
        "Container Image",
        "Container image, as in the pod spec. E.g. 'docker.io/library/nginx:1.27'.",
        lk.container_image,
    ),
    _container(
        "image.repository",
        "Container Image Repository",
        "Container image without tag and digest. E.g. 'docker.io/library/nginx'.",
        lk.container_repository,
    ),
    _container(
        "image.tag",
        "Container Image Tag",
        "Container image tag, when the image names one. E.g. '1.27'.",
        lk.container_tag,
    ),
    _container(
        "image.digest",
        "Container Image Digest",
        "Digest of the image the runtime runs (status imageID), else of the spec's image."
        " E.g. 'sha256:...'.",
        lk.container_digest,
    ),
    _container(
        "type",
        "Container Type",
        "Which list of the pod spec holds the container: 'container', 'init' or 'ephemeral'.",
        lk.container_type,
    ),
    _container(
        "privileged",
        "Container Privileged",
        "'true' when the container's security context sets privileged, else 'false'"
        " (no value when unset).",
        lk.container_privileged,
    ),
    Field(
        "k8smeta.pod.ips",
        "Pod IPs",
        "Kubernetes pod IPs, every address family. E.g. '(10.0.0.7,fd00::7)'.",
        lk.pod_ips,
        is_list=True,
    ),
    Field(
        "k8smeta.pod.serviceaccount",
        "Pod Service Account",
        "Kubernetes pod service account name.",
        lk.pod_service_account,
    ),
    Field(
        "k8smeta.pod.hostnetwork",
        "Pod Host Network",
        "'true' when the pod uses the node's network namespace, else 'false'.",
        lk.pod_host_network,
    ),
    Field(
        "k8smeta.pod.hostpid",
        "Pod Host PID",
        "'true' when the pod uses the node's PID namespace, else 'false'.",
        lk.pod_host_pid,
    ),
    Field(
        "k8smeta.pod.qos",
        "Pod QoS Class",
        "Kubernetes pod QoS class: 'Guaranteed', 'Burstable' or 'BestEffort'.",
        lk.pod_qos,
    ),
)

#: The look-up of each field id (extraction indexes it: an id `get_fields` never
#: advertised is an error, not a wrong value).
LOOKUPS: tuple[Lookup, ...] = tuple(field.lookup for field in FIELDS)
#: The container look-up of each field id (None: a field of the pod).
CONTAINER_LOOKUPS: tuple[ContainerLookup | None, ...] = tuple(
    field.of_container for field in FIELDS
)
#: Ids of the container fields, first and last + 1 (contiguous: the C cache keys them on
#: the thread's container ID too).
CONTAINER_FIELDS = (
    min(i for i, lookup in enumerate(CONTAINER_LOOKUPS) if lookup is not None),
    max(i for i, lookup in enumerate(CONTAINER_LOOKUPS) if lookup is not None) + 1,
)
if any(CONTAINER_LOOKUPS[i] is None for i in range(*CONTAINER_FIELDS)):
    # Checked when the table is loaded, at every optimization level (the library runs
    # without asserts): the C cache keys the whole range on the thread's container ID.
    raise RuntimeError("the container fields of FIELDS must be contiguous")
#: field name -> field id
FIELD_IDS: dict[str, int] = {field.name: index for index, field in enumerate(FIELDS)}


def _entry(field: Field) -> dict[str, Any]:
    key = field.arg is Arg.KEY
    return {
        "name": field.name,
        "type": "string",
        "isList": field.is_list,
        "addOutput": field.add_output,
        "display": field.display,
        "desc": field.desc,
        "arg": {"isKey": key, "isIndex": False, "isRequired": key},
        "properties": [],
    }


def fields_json() -> str:
    """The `get_fields` answer: a compact JSON array in id order, keys sorted."""
    return orjson.dumps([_entry(f) for f in FIELDS], option=orjson.OPT_SORT_KEYS).decode()
