"""A pod's containers and security context: the shapes the decoder fills, and `PodDetails`.

Kept per pod (docs/collector-contract.md, "What is kept from the API"): `status.podIPs`,
`spec.serviceAccountName`, `spec.hostNetwork`, `spec.hostPID`, `status.qosClass`, and for
every container, init container and ephemeral container its `name`, `image`,
`securityContext.privileged` and, from the status entry of the same name, `containerID`
and `imageID`. These fields are never the reason a pod is skipped: a value of the wrong
JSON type is read as absent (the typed decoder refuses it, the general path ignores it).
At most `MAX_CONTAINERS` containers are kept per pod.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from sys import intern
from typing import Any

import msgspec

from k8smeta.collector.model import NO_DETAILS, Container, ContainerType, PodDetails
from k8smeta.wire.limits import FORBIDDEN_TEXT, MAX_ENTRIES, MAX_STRING_BYTES, string_fits

MAX_CONTAINERS = MAX_ENTRIES
"""Containers kept per pod: the plugin's limit of entries per list (`wire.limits`)."""


def _fit(text: str) -> str:
    """`text`, or "" when the plugin would refuse it (over 64 KiB, or holding a NUL):
    absent rather than costing the whole pod (`wire.limits`)."""
    return text if string_fits(text) else ""


_CONTAINER, _INIT, _EPHEMERAL = ContainerType.CONTAINER, ContainerType.INIT, ContainerType.EPHEMERAL
_SPEC_LISTS = (
    ("containers", "containerStatuses", ContainerType.CONTAINER),
    ("initContainers", "initContainerStatuses", ContainerType.INIT),
    ("ephemeralContainers", "ephemeralContainerStatuses", ContainerType.EPHEMERAL),
)


class SecurityContextShape(msgspec.Struct, gc=False):
    privileged: bool | None = None


class ContainerShape(msgspec.Struct, gc=False, rename="camel"):
    name: str | None = None
    image: str | None = None
    security_context: SecurityContextShape | None = None


class ContainerStatusShape(msgspec.Struct, gc=False):
    name: str | None = None
    container_id: str | None = msgspec.field(default=None, name="containerID")
    image_id: str | None = msgspec.field(default=None, name="imageID")


class PodIPShape(msgspec.Struct, gc=False):
    ip: str | None = None


# (name, image, privileged) of a spec entry; (container ID, image ID) by name of a status.
_Spec = tuple[str, str, bool | None]
_Status = Mapping[str, tuple[str, str]]


def details(
    lists: Iterable[tuple[ContainerType, Sequence[_Spec], _Status]],
    pod_ips: Iterable[str],
    *,
    service_account: str,
    host_network: bool,
    host_pid: bool,
    qos_class: str,
) -> PodDetails:
    """The pod's details, every container joined with its status; NO_DETAILS when empty."""
    containers: list[Container] = []
    for ctype, specs, statuses in lists:
        for name, image, privileged in specs:
            if len(containers) >= MAX_CONTAINERS:
                break
            cid, image_id = statuses.get(name, ("", ""))
            kept = (intern(_fit(name)), intern(_fit(image)), privileged, _fit(cid))
            containers.append(Container(ctype, *kept, intern(_fit(image_id))))
    context = (tuple(pod_ips), service_account, host_network, host_pid, qos_class)
    return _pod_details(context, containers)


def _pod_details(
    context: tuple[tuple[str, ...], str, bool, bool, str], containers: list[Container]
) -> PodDetails:
    ips, service_account, host_network, host_pid, qos_class = context
    ips = tuple([ip for ip in ips if string_fits(ip)])
    service_account, qos_class = _fit(service_account), _fit(qos_class)
    if not (ips or service_account or host_network or host_pid or qos_class or containers):
        return NO_DETAILS
    sa, qos = intern(service_account), intern(qos_class)
    return PodDetails(ips, sa, host_network, host_pid, qos, tuple(containers))


# -- the typed path: written out, it runs once per pod of every list and watch event ------
# A container's strings, and the pod's, are checked against the plugin's limits together:
# one probe string of them joined by spaces (the forbidden texts hold no space, so no match
# straddles two), its length, a NUL, and only when it holds a backslash the text `\u0000`.
# A pod that fails a probe has its details fitted string by string (`_fitted`), as the
# general path does.
_SHORT = MAX_STRING_BYTES // 4  # characters: a probe this short holds no string too long
_NUL, _NUL_TEXT = FORBIDDEN_TEXT


def _add_typed(
    out: list[Container],
    ctype: ContainerType,
    specs: list[ContainerShape],
    statuses: list[ContainerStatusShape] | None,
) -> bool:
    """Appends the containers of `specs` to `out`; False when a string may not fit."""
    # The last status of each name, as a comprehension would, without its frame.
    by_name: dict[str | None, ContainerStatusShape] = {}
    if statuses:
        for each in statuses:
            by_name[each.name] = each
    room = MAX_CONTAINERS - len(out)
    fits = True
    for entry in specs:
        name = entry.name
        if not name or not room:
            continue
        room -= 1
        image = entry.image or ""
        status = by_name.get(name)
        if status is None:
            cid = image_id = ""
        else:
            cid, image_id = status.container_id or "", status.image_id or ""
        probe = f"{name} {image} {cid} {image_id}"
        if len(probe) > _SHORT or _NUL in probe or ("\\" in probe and _NUL_TEXT in probe):
            fits = False
        context = entry.security_context
        privileged = None if context is None else context.privileged
        out.append(Container(ctype, intern(name), intern(image), privileged, cid, intern(image_id)))
    return fits


def typed_details(spec: Any, status: Any) -> PodDetails:
    """From the decoded `PodSpecShape` and `PodStatusShape` (either may be None)."""
    containers: list[Container] = []
    fits = True
    if spec is None:
        service_account, host_network, host_pid = "", False, False
    else:
        if spec.containers:
            statuses = None if status is None else status.container_statuses
            fits &= _add_typed(containers, _CONTAINER, spec.containers, statuses)
        if spec.init_containers:
            statuses = None if status is None else status.init_container_statuses
            fits &= _add_typed(containers, _INIT, spec.init_containers, statuses)
        if spec.ephemeral_containers:
            statuses = None if status is None else status.ephemeral_container_statuses
            fits &= _add_typed(containers, _EPHEMERAL, spec.ephemeral_containers, statuses)
        service_account = spec.service_account_name or ""
        host_network, host_pid = spec.host_network is True, spec.host_pid is True
    if status is None:
        ips: tuple[str, ...] = ()
        qos_class = ""
    else:
        qos_class = status.qos_class or ""
        entries = status.pod_ips
        if not entries:
            ips = ()
        elif len(entries) == 1:  # nearly always `status.podIP`: its string is shared
            ip = entries[0].ip
            ips = () if not ip else (status.pod_ip,) if ip == status.pod_ip else (ip,)
        else:
            ips = _typed_ips(entries, status.pod_ip)
    probe = f"{service_account} {qos_class} {' '.join(ips)}"
    if not fits or len(probe) > _SHORT or _NUL in probe or ("\\" in probe and _NUL_TEXT in probe):
        context = (ips, service_account, host_network, host_pid, qos_class)
        return _fitted(context, containers)
    if not (containers or ips or service_account or host_network or host_pid or qos_class):
        return NO_DETAILS
    return PodDetails(
        ips, intern(service_account), host_network, host_pid, intern(qos_class), tuple(containers)
    )


def _fitted(
    context: tuple[tuple[str, ...], str, bool, bool, str], containers: list[Container]
) -> PodDetails:
    """The details with each string the plugin would refuse made absent (`_fit`)."""
    kept = [
        Container(
            c.type,
            intern(_fit(c.name)),
            intern(_fit(c.image)),
            c.privileged,
            _fit(c.container_id),
            intern(_fit(c.image_id)),
        )
        for c in containers
    ]
    return _pod_details(context, kept)


def _typed_ips(entries: list[PodIPShape], pod_ip: str | None) -> tuple[str, ...]:
    """The non-empty IPs; the first shares the string of `status.podIP` when equal."""
    first = entries[0].ip
    if first and first == pod_ip:
        first = pod_ip
    rest = [entry.ip for entry in entries[1:] if entry.ip]
    return (first, *rest) if first else tuple(rest)


# -- the general path (decoded dicts) ------------------------------------------------------
def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _dicts(value: object) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _dict_specs(value: object) -> list[_Spec]:
    specs: list[_Spec] = []
    for entry in _dicts(value):
        name = _text(entry.get("name"))
        if name:
            context = entry.get("securityContext")
            privileged = context.get("privileged") if isinstance(context, dict) else None
            flag = privileged if isinstance(privileged, bool) else None
            specs.append((name, _text(entry.get("image")), flag))
    return specs


def _dict_statuses(value: object) -> _Status:
    statuses: dict[str, tuple[str, str]] = {}
    for entry in _dicts(value):
        name = _text(entry.get("name"))
        if name:
            statuses[name] = (_text(entry.get("containerID")), _text(entry.get("imageID")))
    return statuses


def dict_details(spec: Mapping[str, Any], status: Mapping[str, Any]) -> PodDetails:
    """From the `spec` and `status` sections as decoded dicts."""
    lists = [
        (ctype, _dict_specs(spec.get(spec_key)), _dict_statuses(status.get(status_key)))
        for spec_key, status_key, ctype in _SPEC_LISTS
    ]
    ips = [_text(entry.get("ip")) for entry in _dicts(status.get("podIPs"))]
    return details(
        lists,
        [ip for ip in ips if ip],
        service_account=_text(spec.get("serviceAccountName")),
        host_network=spec.get("hostNetwork") is True,
        host_pid=spec.get("hostPID") is True,
        qos_class=_text(status.get("qosClass")),
    )
