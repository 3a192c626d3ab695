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

import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec

from k8smeta.collector.model import NO_DETAILS, Container, ContainerType, PodDetails

MAX_CONTAINERS = 4096
"""Containers kept per pod: the plugin's limit of entries per list."""

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
            containers.append(
                Container(ctype, sys.intern(name), sys.intern(image), privileged, cid, image_id)
            )
    found = PodDetails(
        tuple(pod_ips),
        sys.intern(service_account),
        host_network,
        host_pid,
        sys.intern(qos_class),
        tuple(containers),
    )
    return NO_DETAILS if found == NO_DETAILS else found


# -- the typed path ------------------------------------------------------------------------
def _typed_specs(entries: list[ContainerShape] | None) -> list[_Spec]:
    specs: list[_Spec] = []
    for entry in entries or ():
        if entry.name:
            context = entry.security_context
            privileged = None if context is None else context.privileged
            specs.append((entry.name, entry.image or "", privileged))
    return specs


def _typed_statuses(entries: list[ContainerStatusShape] | None) -> _Status:
    return {e.name: (e.container_id or "", e.image_id or "") for e in entries or () if e.name}


def typed_details(spec: Any, status: Any) -> PodDetails:
    """From the decoded `PodSpecShape` and `PodStatusShape` (either may be None)."""
    if spec is None and status is None:
        return NO_DETAILS
    sp, st = spec, status
    lists = [
        (ContainerType.CONTAINER, sp and sp.containers, st and st.container_statuses),
        (ContainerType.INIT, sp and sp.init_containers, st and st.init_container_statuses),
        (
            ContainerType.EPHEMERAL,
            sp and sp.ephemeral_containers,
            st and st.ephemeral_container_statuses,
        ),
    ]
    ips = [entry.ip for entry in (st and st.pod_ips) or () if entry.ip]
    return details(
        [(ctype, _typed_specs(specs), _typed_statuses(stats)) for ctype, specs, stats in lists],
        ips,
        service_account=(sp and sp.service_account_name) or "",
        host_network=bool(sp and sp.host_network),
        host_pid=bool(sp and sp.host_pid),
        qos_class=(st and st.qos_class) or "",
    )


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
