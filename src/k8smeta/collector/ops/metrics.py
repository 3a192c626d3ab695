"""Every Prometheus metric of the collector, on one registry passed in (tests use their own).

Each series has one writer. Events are counted where they happen; series derived from
state (`objects`) are computed from that state when scraped, by a registered collector
(`ObjectCounts`), so no two parts can set them to different numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
)
from prometheus_client.core import REGISTRY, GaugeMetricFamily
from prometheus_client.registry import Collector

NAMESPACE = "meta_collector"


class CollectorMetrics:
    """Upstream's names where they exist (docs/architecture.md lists them), plus ours."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        reg = registry if registry is not None else REGISTRY
        self.registry = reg
        self.server_subscribers = Gauge(
            "server_subscribers", "Open Watch streams.", namespace=NAMESPACE, registry=reg
        )
        self.dispatched_events = Counter(
            "broker_dispatched_events",
            "Messages written to a Watch stream.",
            ["kind", "type"],
            namespace=NAMESPACE,
            registry=reg,
        )
        self.api_server_received = Counter(
            "collector_event_api_server_received",
            "Object changes received from the API server.",
            ["name", "source", "type"],
            namespace=NAMESPACE,
            registry=reg,
        )
        self.watch_events = Counter(
            "watch_events",
            "Watch events received, by kind and watch event type.",
            ["kind", "type"],
            namespace=NAMESPACE,
            registry=reg,
        )
        self.watch_restarts = Counter(
            "watch_restarts", "Watches restarted.", ["kind"], namespace=NAMESPACE, registry=reg
        )
        self.relists = Counter(
            "relists",
            "Full lists, by reason: initial, gone, error.",
            ["kind", "reason"],
            namespace=NAMESPACE,
            registry=reg,
        )
        self.backoffs = Counter(
            "backoffs",
            "Waits before a list or watch request that followed no progress, by kind and"
            " cause: gone (410), short_watch, list_error, watch_error.",
            ["kind", "cause"],
            namespace=NAMESPACE,
            registry=reg,
        )
        self.skipped_objects = Counter(
            "skipped_objects",
            "Objects or watch lines skipped at ingest (each logged at WARN), by kind, source"
            " (list, watch) and reason: undecodable (no decoder takes it), malformed (a field"
            " the collector needs is missing or of the wrong type).",
            ["kind", "source", "reason"],
            namespace=NAMESPACE,
            registry=reg,
        )
        self.subscriber_queue_depth = Histogram(
            "subscriber_queue_depth",
            "Depth of a subscriber queue, sampled per publish.",
            buckets=(0, 1, 10, 100, 1_000, 10_000, 100_000),
            namespace=NAMESPACE,
            registry=reg,
        )
        self.subscriber_overflows = Counter(
            "subscriber_overflows",
            "Streams aborted because their queue overflowed.",
            namespace=NAMESPACE,
            registry=reg,
        )
        self.pipeline_failed_changes = Counter(
            "pipeline_failed_changes",
            "Changes the pipeline could not apply and skipped (each logged at ERROR).",
            namespace=NAMESPACE,
            registry=reg,
        )
        self.duplicate_uids = Counter(
            "duplicate_uids",
            "Objects skipped because another object already held their UID (each logged at"
            " WARN), by the skipped object's kind.",
            ["kind"],
            namespace=NAMESPACE,
            registry=reg,
        )
        self.oversized_objects = Counter(
            "oversized_objects",
            "Objects whose message exceeded the 1 MiB limit (each logged at WARN), by kind and"
            " action: labels_dropped, skipped, or not_sent (an event left out of a stream).",
            ["kind", "action"],
            namespace=NAMESPACE,
            registry=reg,
        )
        self.event_latency = Histogram(
            "event_latency_seconds",
            "From an API change received to its events queued to subscribers.",
            buckets=(0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            namespace=NAMESPACE,
            registry=reg,
        )

    def count_objects(self, counts: Callable[[], Iterable[tuple[str, int]]]) -> None:
        """Serve `meta_collector_objects` from `counts` (kind, objects), read at each scrape."""
        self.registry.register(ObjectCounts(counts))


class ObjectCounts(Collector):
    """`meta_collector_objects{kind}`: the objects served, computed when scraped."""

    def __init__(self, counts: Callable[[], Iterable[tuple[str, int]]]) -> None:
        self._counts = counts

    def _family(self) -> GaugeMetricFamily:
        return GaugeMetricFamily(f"{NAMESPACE}_objects", "Objects held, by kind.", labels=["kind"])

    def describe(self) -> Iterable[GaugeMetricFamily]:
        """The name, claimed at registration (a second writer would fail there)."""
        return [self._family()]

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = self._family()
        for kind, count in self._counts():
            family.add_metric([kind], count)
        return [family]


def process_registry() -> CollectorRegistry:
    """A new registry with the process, platform and GC series of the default one.

    A run of the collector gets its own: a second run in the same process (tests, an
    embedding program) would otherwise fail on duplicated time series.
    """
    registry = CollectorRegistry()
    for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
        registry.register(collector)
    return registry
