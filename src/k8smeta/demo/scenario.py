"""The process events the demo replays: a scenario file resolved against the cluster.

A scenario is a JSON list of processes; each names its pod (`namespace/name`, or null for a
host process), the cgroup layout of its node, the pod's QoS class and the process name,
and optionally its container (default: the pod's first started one). Resolution turns each
into the `cgroups` parameter of an execve event, with the container's runtime ID from the
pod's status.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from k8smeta.demo.cgroups import Layout, container_id, event_cgroups, host_path, pod_path
from k8smeta.demo.cluster import Cluster, Resource
from k8smeta.demo.files import read_json

QOS_CLASSES = ("guaranteed", "burstable", "besteffort")


class ScenarioError(Exception):
    """A scenario entry that cannot be replayed (unknown pod, layout or QoS class)."""


@dataclass(frozen=True, slots=True)
class ProcessEvent:
    """One execve to replay: the process, its cgroups, and the pod it runs in (if any)."""

    pid: int
    proc_name: str
    cgroups: tuple[str, ...]
    pod: Resource | None
    layout: Layout
    container: tuple[str, str, str] | None = None  # (name, image, runtime ID) when known


def _layout(text: str) -> Layout:
    try:
        return Layout(text)
    except ValueError:
        names = ", ".join(layout.value for layout in Layout)
        raise ScenarioError(f"unknown cgroup layout {text!r} (one of {names})") from None


def _resolve(entry: Mapping[str, Any], cluster: Cluster) -> ProcessEvent:
    layout = _layout(str(entry.get("layout", "cgroupfs-v1")))
    pid, proc_name = int(entry["pid"]), str(entry["proc"])
    pod_ref = entry.get("pod")
    if pod_ref is None:
        path = host_path(str(entry.get("unit", "sshd.service")))
        return ProcessEvent(pid, proc_name, tuple(event_cgroups(layout, path)), None, layout)
    namespace, _, name = str(pod_ref).partition("/")
    try:
        pod = cluster.pod(namespace, name)
    except KeyError as exc:
        raise ScenarioError(str(exc.args[0])) from None
    qos = str(entry.get("qos", "besteffort"))
    if qos not in QOS_CLASSES:
        raise ScenarioError(f"unknown QoS class {qos!r} for {pod_ref}")
    container = _container(pod, entry.get("container"))
    cid = container[2] if container else container_id(f"{pod.uid}/{proc_name}")
    path = pod_path(layout, qos, pod.uid, cid)
    cgroups = tuple(event_cgroups(layout, path))
    return ProcessEvent(pid, proc_name, cgroups, pod, layout, container)


def _container(pod: Resource, name: object) -> tuple[str, str, str] | None:
    """The pod's started container `name` (None: its first), or None when it has none."""
    if name is None:
        return pod.containers[0] if pod.containers else None
    for container in pod.containers:
        if container[0] == name:
            return container
    raise ScenarioError(f"pod {pod.namespace}/{pod.name} has no started container {name!r}")


def load(path: Path, cluster: Cluster) -> list[ProcessEvent]:
    """The scenario's events in file order; InputFileError or ScenarioError names the file."""
    entries = read_json(path, "scenario")
    if not isinstance(entries, list):
        raise ScenarioError(f"{path}: expected a JSON list of processes")
    events = [_resolve(entry, cluster) for entry in entries]
    pids = [event.pid for event in events]
    if len(set(pids)) != len(pids):
        raise ScenarioError(f"{path}: every process needs its own pid")
    return events
