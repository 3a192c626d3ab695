"""Falco-style output: `<time>: Notice Process started (name=value ...)`, `<NA>` for no value.

Rendering follows libsinsp: a list field prints as `(a,b)`, a single value as itself, and a
field without a value as `<NA>`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from k8smeta.demo.cluster import DEMO_ANNOTATION

#: The k8smeta fields the demo prints, in output order.
OUTPUT_FIELDS = (
    "k8smeta.pod.name",
    "k8smeta.ns.name",
    "k8smeta.deployment.name",
    "k8smeta.rs.name",
    "k8smeta.rc.name",
    "k8smeta.svc.name",
    "k8smeta.pod.labels",
    "k8smeta.ns.label[app.kubernetes.io/part-of]",
    "k8smeta.workload.kind",
    "k8smeta.workload.name",
    "k8smeta.node.name",
    "k8smeta.node.label[topology.kubernetes.io/zone]",
    f"k8smeta.pod.annotation[{DEMO_ANNOTATION}]",
    "k8smeta.container.name",
    "k8smeta.container.image",
)
NO_VALUE = "<NA>"


@dataclass(frozen=True, slots=True)
class FieldValue:
    """A field's extracted elements (None: no value) and whether it is a list field."""

    name: str
    values: Sequence[str] | None
    is_list: bool


def render(value: FieldValue) -> str:
    """The value as Falco prints it in an output line."""
    if value.values is None:
        return NO_VALUE
    if value.is_list:
        return "(" + ",".join(value.values) + ")"
    return value.values[0]


def timestamp(epoch_ns: int) -> str:
    """`HH:MM:SS.nnnnnnnnn` in local time, as Falco prints an event's time."""
    seconds, nanos = divmod(epoch_ns, 1_000_000_000)
    return time.strftime("%H:%M:%S", time.localtime(seconds)) + f".{nanos:09d}"


def falco_line(epoch_ns: int, proc_name: str, pid: int, fields: Sequence[FieldValue]) -> str:
    """One alert line of the demo's rule, `Process started`."""
    pairs = " ".join(f"{field.name}={render(field)}" for field in fields)
    return (
        f"{timestamp(epoch_ns)}: Notice Process started (proc.name={proc_name} pid={pid} {pairs})"
    )
