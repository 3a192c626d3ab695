"""Every field of one known pod, as `--explain` prints it: its value, or why it is empty.

Values come from the fields' own look-ups (`FIELDS`), so they are what the plugin would
extract; only the reasons are worded here, from the pod's refs and the store, those of the
owner families from the kind registry (`kinds.KIND_SPECS`). A field that takes a key is
shown for every key its resource has (`X.labels`; the pod's annotations). The container
fields are shown for every container the pod lists (`name{id}`): a thread gets the values
of the container its cgroups name.
"""

from __future__ import annotations

from k8smeta.plugin.core.container_records import NO_CONTEXT, ContainerRecord
from k8smeta.plugin.core.fields import FIELD_IDS, FIELDS, Arg, Field
from k8smeta.plugin.core.kinds import KIND_SPECS, Family
from k8smeta.plugin.core.lookups import Result
from k8smeta.plugin.core.records import Record
from k8smeta.plugin.core.store import Store
from k8smeta.plugin.core.values import Extracted, UnknownOwner
from k8smeta.wire.vocabulary import NODE

_ATTRIBUTES = ("name", "uid", "label", "labels")
#: `k8smeta.<prefix>.<attribute>` of every owner family -> (kind, family, attribute).
_OWNER_FIELDS: dict[str, tuple[str, Family, str]] = {
    f"k8smeta.{spec.family.prefix}.{attribute}": (spec.kind, spec.family, attribute)
    for spec in KIND_SPECS
    if spec.family is not None
    for attribute in _ATTRIBUTES
}
_POD_REASONS = {
    "name": "the pod's meta has no name",
    "labels": "the pod has no labels",
    "label": "the pod has no label with this key",
    "ip": "the pod's status has no podIP",
    "annotation": "the collector forwarded no annotation of this pod (its --pod-annotations"
    " flag; the plugin keeps only its podAnnotations keys)",
    "ips": "the pod's status has no podIPs",
    "serviceaccount": "the pod's spec has no serviceAccountName",
    "qos": "the pod's status has no qosClass",
}
NO_DETAILS = (
    "the collector sent no details of this pod (ours sends them to the k8smeta/pod-details"
    " opt-in the plugin asks for; the upstream collector never does)"
)
NO_CONTAINERS = (
    "the pod lists no container with a containerID (not started yet, or no details sent):"
    " a thread of it gets no value (metric extract_unknown_container; a thread whose cgroups"
    " name no container: extract_no_container_id)"
)


def _render(field: Field, value: Extracted) -> str:
    texts = [s.decode("utf-8", "replace") for s in value.strings]
    return "(" + ",".join(texts) + ")" if field.is_list else texts[0]


def _attribute_reason(kind: str, attribute: str) -> str:
    if attribute == "label":
        return f"the {kind} has no label with this key"
    return f"the {kind} has no {attribute}"


def _resource_reason(pod: Record, kind: str, attribute: str) -> str:
    if kind not in dict(pod.payload.refs or ()):
        return f"the pod's refs name no {kind}"
    return _attribute_reason(kind, attribute)


def _via_reason(store: Store, pod: Record, kind: str, via: str, attribute: str) -> str:
    """For a `kind` named by the refs of the pod's `via` resource (a Job's CronJob)."""
    via_uids = dict(pod.payload.refs or ()).get(via)
    if not via_uids:
        return f"the pod's refs name no {via}"
    holder = store.tables[via].get(via_uids[0])
    if holder is None or kind not in holder.owners:
        return f"the pod's {via} names no {kind} (no {kind} created it)"
    return _attribute_reason(kind, attribute)


def why_empty(store: Store, pod: Record, field: Field, result: Result) -> str:
    """Why `field` has no value for `pod` (`result`: what its look-up answered)."""
    if isinstance(result, UnknownOwner):
        return (
            f"unknown owner: the collector did not send the {result.kind} the refs name"
            " (metric extract_unknown_owner)"
        )
    if field.name == "k8smeta.ns.name":
        return "the pod's meta has no namespace"
    owner = _OWNER_FIELDS.get(field.name)
    if owner is not None:
        kind, family, attribute = owner
        if family.via is None:
            return _resource_reason(pod, kind, attribute)
        return _via_reason(store, pod, kind, family.via, attribute)
    family_prefix, attribute = field.name.split(".")[1:3]
    if family_prefix == "node":
        if store.own_node is None:
            return f"the collector sent no Node named {store.node_name!r} (upstream's never does)"
        return _attribute_reason(NODE, attribute)
    if family_prefix == "svc":
        if not pod.service_uids:
            return "the pod's refs name no Service"
        return f"the collector sent none of the pod's Services, or they have no {attribute}"
    if field.name in _CONTEXT_FIELDS and pod.context is NO_CONTEXT:
        return NO_DETAILS
    if family_prefix == "container":
        return f"the pod spec sets no {'.'.join(field.name.split('.')[2:])} for it"
    return _POD_REASONS.get(attribute, "no value")


_CONTEXT_FIELDS = frozenset(
    f"k8smeta.pod.{name}" for name in ("ips", "serviceaccount", "hostnetwork", "hostpid", "qos")
)


def _keys(store: Store, pod: Record, field: Field) -> tuple[list[str], str]:
    """The keys worth showing for a field that takes one, and why there are none."""
    if field.name == "k8smeta.pod.annotation":
        return list(pod.annotations), _POD_REASONS["annotation"]
    listing = FIELDS[FIELD_IDS[field.name + "s"]]  # `X.label` -> `X.labels`
    value = listing.lookup(store, pod, None)
    if not isinstance(value, Extracted):
        return [], why_empty(store, pod, listing, value)
    pairs = (p.decode("utf-8", "replace").split(":", 1)[0] for p in value.strings)
    return list(dict.fromkeys(pairs)), ""


def _line(store: Store, pod: Record, field: Field, arg: str | None) -> str:
    name = field.name if arg is None else f"{field.name}[{arg}]"
    result = field.lookup(store, pod, arg)
    if isinstance(result, Extracted):
        return f"{name} = {_render(field, result)}"
    return f"{name}: empty: {why_empty(store, pod, field, result)}"


def _container_lines(store: Store, pod: Record, field: Field) -> list[str]:
    lookup = field.of_container
    assert lookup is not None
    if not pod.containers:
        return [f"{field.name}: empty: {NO_CONTAINERS}"]
    lines: list[str] = []
    for container_id, container in pod.containers.items():
        name = f"{field.name}{{{container_id[:12]}}}"
        value = lookup(container)
        if isinstance(value, Extracted):
            lines.append(f"{name} = {_render(field, value)}")
        else:
            lines.append(f"{name}: empty: {why_empty(store, pod, field, value)}")
    return lines


def container_names(pod: Record) -> list[str]:
    """`<12-digit id> <name> (<type>)` of every container the pod lists with an ID."""
    return [_describe(cid, c) for cid, c in pod.containers.items()]


def _describe(container_id: str, container: ContainerRecord) -> str:
    name = container.info.name or "?"
    return f"{container_id[:12]} {name} ({container.info.type})"


def field_lines(store: Store, pod: Record) -> list[str]:
    """One line per field (per key for the fields that take one, per container for the
    container fields)."""
    lines: list[str] = []
    for field in FIELDS:
        if field.of_container is not None:
            lines.extend(_container_lines(store, pod, field))
            continue
        if field.arg is not Arg.KEY:
            lines.append(_line(store, pod, field, None))
            continue
        keys, reason = _keys(store, pod, field)
        lines.extend(_line(store, pod, field, key) for key in keys)
        if not keys:
            lines.append(f"{field.name}[...]: empty for every key: {reason}")
    return lines
