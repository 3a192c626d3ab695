"""The plugin's metrics: counters kept by the core and the feed, store sizes.

Counters are plain ints, each written by one thread (the event thread, or the feed for
`async_events_rejected` and `reconnects`); `get_metrics` may read them from any thread.
The list is in docs/plugin-contract.md, "Metrics".
"""

from __future__ import annotations

from collections.abc import Mapping

from k8smeta.plugin.core.payload import (
    DAEMON_SET,
    DEPLOYMENT,
    NAMESPACE,
    POD,
    REPLICA_SET,
    REPLICATION_CONTROLLER,
    SERVICE,
)

#: (metric name, kind) of the NON_MONOTONIC store sizes, in reporting order.
RESOURCE_METRICS: tuple[tuple[str, str], ...] = (
    ("resources_pod", POD),
    ("resources_namespace", NAMESPACE),
    ("resources_deployment", DEPLOYMENT),
    ("resources_replicaset", REPLICA_SET),
    ("resources_replicationcontroller", REPLICATION_CONTROLLER),
    ("resources_daemonset", DAEMON_SET),
    ("resources_service", SERVICE),
)

#: The MONOTONIC counters, in reporting order (attribute names of PluginMetrics).
COUNTERS: tuple[str, ...] = (
    "async_events_received",
    "async_events_rejected",
    "reconnects",
    "parse_errors",
    "threads_tagged",
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

    def values(self, counts: Mapping[str, int]) -> list[tuple[str, bool, int]]:
        """(name, monotonic, value) of every metric; `counts` = records per kind."""
        metrics = [(name, False, counts.get(kind, 0)) for name, kind in RESOURCE_METRICS]
        metrics.extend((name, True, int(getattr(self, name))) for name in COUNTERS)
        return metrics
