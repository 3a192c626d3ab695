"""The plugin's metrics: counters kept by the core and the feed, store sizes.

Counters are plain ints, each written by one thread (the event thread, or the feed for
`async_events_rejected` and `reconnects`); `get_metrics` may read them from any thread.
The list is in docs/plugin-contract.md, "Metrics".

The `extract_*` counters say why field values were empty ("Why is a field empty?" in
docs/troubleshooting.md). The C boundary answers some extractions without Python (a
thread in no pod, cached answers) and tags threads without Python: it counts those itself
(`NATIVE_COUNTERS`: the absences by the same reason numbers, `absence.AbsenceReason`,
then the tagged threads), and `values` adds its counts (`native`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from k8smeta.plugin.core.absence import COUNTED_REASONS, AbsenceReason
from k8smeta.plugin.core.kinds import KIND_SPECS

#: The counters of the extractions without value, by reason (index = reason number).
ABSENCE_COUNTERS: Final = tuple(f"extract_{reason.name.lower()}" for reason in COUNTED_REASONS)
#: The counters the C boundary keeps too, in the order of its counts (`values`' `native`).
NATIVE_COUNTERS: Final = (*ABSENCE_COUNTERS, "threads_tagged")

#: (metric name, kind) of the NON_MONOTONIC store sizes, in reporting order.
RESOURCE_METRICS: tuple[tuple[str, str], ...] = tuple(
    (spec.metric, spec.kind) for spec in KIND_SPECS
)

#: The MONOTONIC counters, in reporting order (attribute names of PluginMetrics).
COUNTERS: tuple[str, ...] = (
    "async_events_received",
    "async_events_rejected",
    "reconnects",
    "parse_errors",
    "threads_tagged",
    *ABSENCE_COUNTERS,
)


class PluginMetrics:
    """Monotonic counters of one plugin state."""

    __slots__ = COUNTERS

    def __init__(self) -> None:
        self.async_events_received = 0  # `k8s` events handled by parse_event
        self.async_events_rejected = 0  # pushes the host's handler refused (feed)
        self.reconnects = 0  # streams started after the first (feed)
        self.parse_errors = 0  # rejected payloads, failed process events
        self.threads_tagged = 0  # pod_uid writes
        # Field extractions without value, by reason (`absence.AbsenceReason`):
        self.extract_no_pod_uid = 0
        self.extract_unknown_pod = 0
        self.extract_unknown_owner = 0
        self.extract_no_container_id = 0
        self.extract_unknown_container = 0

    def count_absent(self, reason: AbsenceReason, fields: int = 1) -> None:
        """`fields` extractions had no value for `reason` (NOT_COUNTED: nothing)."""
        if reason is not AbsenceReason.NOT_COUNTED:
            name = ABSENCE_COUNTERS[reason]
            setattr(self, name, getattr(self, name) + fields)

    def values(
        self, counts: Mapping[str, int], native: Sequence[int] = ()
    ) -> list[tuple[str, bool, int]]:
        """(name, monotonic, value) of every metric; `counts` = records per kind,
        `native` = the C boundary's own counts, in `NATIVE_COUNTERS` order."""
        extra = dict(zip(NATIVE_COUNTERS, native, strict=False))
        metrics = [(name, False, counts.get(kind, 0)) for name, kind in RESOURCE_METRICS]
        metrics.extend(
            (name, True, int(getattr(self, name)) + extra.get(name, 0)) for name in COUNTERS
        )
        return metrics
