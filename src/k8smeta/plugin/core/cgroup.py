"""Pod UID and container ID from a cgroup path (docs/plugin-contract.md, "Cgroups").

The pod UID uses upstream's fixed-length pattern. The container ID is the runtime's
64-hex-digit ID in the deepest path component that names a container:

- `cri-containerd-<id>.scope`, `crio-<id>.scope`, `docker-<id>.scope` (systemd driver);
- `crio-<id>` (CRI-O, cgroupfs driver);
- a bare `<id>` under a `pod...` directory (containerd and cri-dockerd, cgroupfs driver)
  or under `docker` (Docker's own `/docker/<id>`).

`crio-conmon-<id>.scope` (CRI-O's monitor, not a container) matches none of these. Both
cgroup versions write the same paths; v1 repeats them per subsystem.
"""

from __future__ import annotations

import re

# Upstream's RE2 pattern, matched anywhere in the path (RE2 PartialMatch == re.search).
_POD_UID = re.compile(
    r"pod[a-z0-9]{8}[-_][a-z0-9]{4}[-_][a-z0-9]{4}[-_][a-z0-9]{4}[-_][a-z0-9]{12}"
)
_PREFIX_LEN = len("pod")

CONTAINER_ID_LEN = 64
SHORT_ID_LEN = 12
"""Falco's `container.id`: the first 12 hex digits of the runtime's ID."""
_HEX = frozenset("0123456789abcdef")
_SCOPE = ".scope"
_SCOPE_PREFIXES = ("cri-containerd-", "crio-", "docker-")
_CRIO = "crio-"


def pod_uid_from_cgroup(path: str) -> str:
    """The pod UID in `path` (without `pod`, `_` turned into `-`), or "" when none."""
    match = _POD_UID.search(path)
    if match is None:
        return ""
    return match.group()[_PREFIX_LEN:].replace("_", "-")


def _is_id(text: str) -> bool:
    return len(text) == CONTAINER_ID_LEN and _HEX.issuperset(text)


def _id_of(component: str, parent: str) -> str:
    """The container ID `component` names (`parent`: the component before it), or ""."""
    if component.endswith(_SCOPE):
        stem = component[: -len(_SCOPE)]
        for prefix in _SCOPE_PREFIXES:
            if stem.startswith(prefix) and _is_id(stem[len(prefix) :]):
                return stem[len(prefix) :]
        return ""
    if component.startswith(_CRIO):
        return component[len(_CRIO) :] if _is_id(component[len(_CRIO) :]) else ""
    if _is_id(component) and (parent == "docker" or parent.startswith("pod")):
        return component
    return ""


def container_id_from_cgroup(path: str) -> str:
    """The full container ID (64 lowercase hex digits) in `path`, or "" when none."""
    components = path.split("/")
    for index in range(len(components) - 1, -1, -1):
        found = _id_of(components[index], components[index - 1] if index else "")
        if found:
            return found
    return ""


def ids_from_cgroup(path: str) -> tuple[str, str]:
    """(pod UID, container ID) of `path`; the container ID only where a pod UID is."""
    uid = pod_uid_from_cgroup(path)
    return (uid, container_id_from_cgroup(path)) if uid else ("", "")
