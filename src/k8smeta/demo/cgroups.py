"""Realistic cgroup paths of a container process, as kubelet lays them out.

Four layouts: the `cgroupfs` and `systemd` cgroup drivers, each on cgroup v1 (one hierarchy
per controller, the event carries one `<controller>=<path>` per hierarchy) and cgroup v2
(one unified hierarchy: the same path for every controller). The pod's UID appears as
`pod<uid>` (cgroupfs) or `pod<uid with _>` inside a `.slice` (systemd): the plugin must find
it in every layout (docs/plugin-contract.md, "Cgroups").
"""

from __future__ import annotations

import hashlib
from enum import Enum

V1_CONTROLLERS = ("cpuset", "cpu", "memory", "pids")
V2_CONTROLLERS = ("cpuset", "cpu", "io", "memory", "pids")


class Layout(Enum):
    """Cgroup driver and version."""

    CGROUPFS_V1 = "cgroupfs-v1"
    CGROUPFS_V2 = "cgroupfs-v2"
    SYSTEMD_V1 = "systemd-v1"
    SYSTEMD_V2 = "systemd-v2"

    @property
    def systemd(self) -> bool:
        return self in (Layout.SYSTEMD_V1, Layout.SYSTEMD_V2)

    @property
    def controllers(self) -> tuple[str, ...]:
        return V1_CONTROLLERS if self in (Layout.CGROUPFS_V1, Layout.SYSTEMD_V1) else V2_CONTROLLERS


def container_id(seed: str) -> str:
    """A stable 64-hex container ID for a (pod, process) of the scenario."""
    return hashlib.sha256(seed.encode()).hexdigest()


def pod_path(layout: Layout, qos: str, pod_uid: str, container: str) -> str:
    """The container's cgroup path; `qos` is guaranteed, burstable or besteffort."""
    if layout.systemd:
        pod = f"pod{pod_uid.replace('-', '_')}"
        scope = f"cri-containerd-{container}.scope"
        if qos == "guaranteed":
            return f"/kubepods.slice/kubepods-{pod}.slice/{scope}"
        return f"/kubepods.slice/kubepods-{qos}.slice/kubepods-{qos}-{pod}.slice/{scope}"
    if qos == "guaranteed":
        return f"/kubepods/pod{pod_uid}/{container}"
    return f"/kubepods/{qos}/pod{pod_uid}/{container}"


def host_path(unit: str) -> str:
    """A host process's cgroup path (a systemd unit; cgroupfs hosts still run systemd)."""
    return f"/system.slice/{unit}"


def event_cgroups(layout: Layout, path: str) -> list[str]:
    """The event's `cgroups` parameter: one `<controller>=<path>` per controller."""
    return [f"{controller}={path}" for controller in layout.controllers]
