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
from k8smeta.wire.limits import MAX_ENTRIES, string_fits

MAX_CONTAINERS = MAX_ENTRIES
"""Containers kept per pod: the plugin's limit of entries per list (`wire.limits`)."""


def _fit(text: str) -> str:
    """`text`, or "" when the plugin would refuse it (over 64 KiB, or holding a NUL):
    absent rather than costing the whole pod (`wire.limits`)."""
    return text if string_fits(text) else ""


# A named tuple built without its Python-level `__new__` (≈ 1 µs each otherwise).
_new = tuple.__new__

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
            fields = (ctype, intern(_fit(name)), intern(_fit(image)), privileged)
            containers.append(_new(Container, (*fields, _fit(cid), intern(_fit(image_id)))))
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
    fields = (ips, intern(service_account), host_network, host_pid, intern(qos_class))
    return _new(PodDetails, (*fields, tuple(containers)))


# -- the typed path: written out, it runs once per pod of every list and watch event ------
def _add_typed(
    out: list[Container],
    ctype: ContainerType,
    specs: list[ContainerShape] | None,
    statuses: list[ContainerStatusShape] | None,
) -> None:
    if not specs:
        return
    by_name = {entry.name: entry for entry in statuses} if statuses else {}
    for entry in specs:
        name = entry.name
        if not name or len(out) >= MAX_CONTAINERS:
            continue
        context = entry.security_context
        status = by_name.get(name)
        fields = (
            ctype,
            intern(_fit(name)),
            intern(_fit(entry.image or "")),
            None if context is None else context.privileged,
            "" if status is None else _fit(status.container_id or ""),
            "" if status is None else intern(_fit(status.image_id or "")),
        )
        out.append(_new(Container, fields))


def typed_details(spec: Any, status: Any) -> PodDetails:
    """From the decoded `PodSpecShape` and `PodStatusShape` (either may be None)."""
    containers: list[Container] = []
    if spec is not None:
        ok = status is not None
        _add_typed(
            containers,
            ContainerType.CONTAINER,
            spec.containers,
            status.container_statuses if ok else None,
        )
        _add_typed(
            containers,
            ContainerType.INIT,
            spec.init_containers,
            status.init_container_statuses if ok else None,
        )
        _add_typed(
            containers,
            ContainerType.EPHEMERAL,
            spec.ephemeral_containers,
            status.ephemeral_container_statuses if ok else None,
        )
    entries = None if status is None else status.pod_ips
    ips = tuple([entry.ip for entry in entries if entry.ip]) if entries else ()
    context = (
        ips,
        (spec and spec.service_account_name) or "",
        bool(spec and spec.host_network),
        bool(spec and spec.host_pid),
        (status and status.qos_class) or "",
    )
    return _pod_details(context, containers)


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
