"""A pod payload's details: its containers and security context, from `spec` and `status`
(docs/plugin-contract.md, "Container and security-context fields").

Our collector sends them to a selector with `k8smeta/pod-details`, in the shape of the
Kubernetes pod object: `spec.{serviceAccountName, hostNetwork, hostPID, containers,
initContainers, ephemeralContainers}` (each container's `name`, `image`,
`securityContext.privileged`) and `status.{podIPs, qosClass, containerStatuses,
initContainerStatuses, ephemeralContainerStatuses}` (each with `name`, `containerID`,
`imageID`). A pod payload without `spec` has no details (the upstream collector). Inside
an object `spec`, decoding is as strict as the rest of the payload: a value of the wrong
type rejects it. Names, images and image IDs are interned: a workload's replicas share
them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from k8smeta.plugin.core.errors import PayloadError
from k8smeta.plugin.core.json_types import json_type

#: (spec key, status key, `k8smeta.container.type`) of the three container lists.
CONTAINER_LISTS = (
    ("containers", "containerStatuses", "container"),
    ("initContainers", "initContainerStatuses", "init"),
    ("ephemeralContainers", "ephemeralContainerStatuses", "ephemeral"),
)


@dataclass(frozen=True, slots=True)
class ContainerInfo:
    """One container as the pod lists it; `container_id` without its `<runtime>://`."""

    type: str
    name: str
    image: str
    privileged: bool | None
    container_id: str
    image_id: str


@dataclass(frozen=True, slots=True)
class PodDetails:
    pod_ips: tuple[str, ...]
    service_account: str | None
    host_network: bool
    host_pid: bool
    qos_class: str | None
    containers: tuple[ContainerInfo, ...]


def _reject(reason: str) -> PayloadError:
    return PayloadError(f"invalid k8s async payload: {reason}")


class Reader:
    """Typed reads of the decoded documents, with the payload's string and list bounds."""

    def __init__(self, check_string: Callable[[object, str], str], max_entries: int) -> None:
        self._string = check_string
        self._max = max_entries

    def string(self, obj: Mapping[str, Any], key: str, where: str) -> str | None:
        value = obj.get(key)
        return None if value is None else self._string(value, f"'{where}.{key}'")

    def flag(self, obj: Mapping[str, Any], key: str, where: str) -> bool | None:
        value = obj.get(key)
        if value is not None and not isinstance(value, bool):
            raise _reject(f"'{where}.{key}' must be a boolean, not {json_type(value)}")
        return value

    def objects(self, obj: Mapping[str, Any], key: str, where: str) -> list[Mapping[str, Any]]:
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise _reject(f"'{where}.{key}' must be an array, not {json_type(value)}")
        if len(value) > self._max:
            raise _reject(f"'{where}.{key}' has {len(value)} entries, more than {self._max}")
        for item in value:
            if not isinstance(item, dict):
                raise _reject(f"'{where}.{key}' holds {json_type(item)}, not objects")
        return value


def _runtime_id(container_id: str) -> str:
    """`containerd://<id>` -> `<id>` (what the cgroups carry)."""
    _, sep, rest = container_id.partition("://")
    return rest if sep else container_id


def _containers(read: Reader, spec: Mapping[str, Any], status: Mapping[str, Any]) -> list[Any]:
    containers: list[ContainerInfo] = []
    for spec_key, status_key, ctype in CONTAINER_LISTS:
        ids: dict[str, tuple[str, str]] = {}
        where = f"status.{status_key}"
        for entry in read.objects(status, status_key, "status"):
            name = read.string(entry, "name", where) or ""
            cid = read.string(entry, "containerID", where) or ""
            image_id = sys.intern(read.string(entry, "imageID", where) or "")
            ids[name] = (_runtime_id(cid), image_id)
        where = f"spec.{spec_key}"
        for entry in read.objects(spec, spec_key, "spec"):
            name = read.string(entry, "name", where) or ""
            context = entry.get("securityContext") or {}
            if not isinstance(context, dict):
                raise _reject(f"'{where}.securityContext' must be an object")
            privileged = read.flag(context, "privileged", f"{where}.securityContext")
            cid, image_id = ids.get(name, ("", ""))
            image = sys.intern(read.string(entry, "image", where) or "")
            info = ContainerInfo(ctype, sys.intern(name), image, privileged, cid, image_id)
            containers.append(info)
    return containers


def pod_details(read: Reader, spec: object, status: Mapping[str, Any]) -> PodDetails | None:
    """The details of a pod whose `spec` was decoded to `spec`: None when it is not an
    object (not sent; any other JSON is accepted and ignored, as upstream's plugin does)."""
    if not isinstance(spec, dict):
        return None
    ips = tuple(
        read.string(e, "ip", "status.podIPs") or ""
        for e in read.objects(status, "podIPs", "status")
    )
    return PodDetails(
        pod_ips=tuple(ip for ip in ips if ip),
        service_account=read.string(spec, "serviceAccountName", "spec") or None,
        host_network=read.flag(spec, "hostNetwork", "spec") is True,
        host_pid=read.flag(spec, "hostPID", "spec") is True,
        qos_class=read.string(status, "qosClass", "status") or None,
        containers=tuple(_containers(read, spec, status)),
    )
