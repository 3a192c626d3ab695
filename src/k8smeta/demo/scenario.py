"""The process events the demo replays: a scenario file resolved against the cluster.

A scenario is a JSON list of processes; each names its pod (`namespace/name`, or null for a
host process), the cgroup layout of its node, the pod's QoS class and the process name,
and optionally its container (default: the pod's first started one). Resolution turns each
into the `cgroups` parameter of an execve event, with the container's runtime ID from the
pod's status.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from k8smeta.demo.cgroups import Layout, container_id, event_cgroups, host_path, pod_path
from k8smeta.demo.cluster import Cluster, Resource
from k8smeta.demo.files import InputFileError, read_json

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


#: The keys of a scenario entry and the JSON types each may have (None: JSON null).
_ENTRY_KEYS: dict[str, tuple[type, ...]] = {
    "pid": (int,),
    "proc": (str,),
    "pod": (str, type(None)),
    "layout": (str,),
    "qos": (str,),
    "unit": (str,),
    "container": (str,),
}
_REQUIRED = ("pid", "proc")
_JSON_NAMES = {dict: "an object", list: "a list", str: "a string", int: "a number",
               float: "a number", bool: "a boolean", type(None): "null"}  # fmt: skip


def _entry_problem(entry: object) -> str | None:
    """Why a scenario entry is not a process object, or None."""
    if not isinstance(entry, dict):
        return f"is {_JSON_NAMES.get(type(entry), type(entry).__name__)}, not a JSON object"
    for key in _REQUIRED:
        if key not in entry:
            return f"has no {key!r}"
    for key, value in entry.items():
        allowed = _ENTRY_KEYS.get(key)
        if allowed is None:
            return f"has the unknown key {key!r} (known: {', '.join(_ENTRY_KEYS)})"
        if isinstance(value, bool) or not isinstance(value, allowed):
            return (
                f"has {key!r} = {_JSON_NAMES.get(type(value), '?')}, not {_JSON_NAMES[allowed[0]]}"
            )
    return None


def entries(path: Path) -> list[dict[str, Any]]:
    """The scenario file's process objects; InputFileError or ScenarioError names the file."""
    loaded = read_json(path, "scenario")
    if not isinstance(loaded, list):
        raise ScenarioError(f"{path}: expected a JSON list of processes")
    for number, entry in enumerate(loaded, start=1):
        problem = _entry_problem(entry)
        if problem is not None:
            raise ScenarioError(f"{path}: process {number} {problem}")
    return loaded


def scenario_path(text: str) -> Path:
    """`--scenario`: a file whose shape is checked while the flags are read, so a malformed
    one is a usage error (exit 2) naming the file and the entry."""
    path = Path(text)
    try:
        entries(path)
    except (ScenarioError, InputFileError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return path


def load(path: Path, cluster: Cluster) -> list[ProcessEvent]:
    """The scenario's events in file order; InputFileError or ScenarioError names the file."""
    events = [_resolve(entry, cluster) for entry in entries(path)]
    pids = [event.pid for event in events]
    if len(set(pids)) != len(pids):
        raise ScenarioError(f"{path}: every process needs its own pid")
    return events
