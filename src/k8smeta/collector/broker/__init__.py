"""Per-subscriber bounded queues, snapshot then live stream, slow-consumer policy.

Owns: selector semantics (spec §2), subscriptions, the broker (subscribe with snapshot,
publish, shutdown) and the single pipeline task feeding it.
May import: `model`, `index`, `views`, `ops.metrics` (no grpc, no wire).
"""

from k8smeta.collector.broker.hub import DEFAULT_QUEUE_SIZE, Broker
from k8smeta.collector.broker.pipeline import Pipeline, StampedBatchQueue
from k8smeta.collector.broker.selector import SYNC_KEY, Selection, parse_selection
from k8smeta.collector.broker.subscription import OVERFLOW, SHUTDOWN, StreamEnd, Subscription

__all__ = [
    "DEFAULT_QUEUE_SIZE",
    "OVERFLOW",
    "SHUTDOWN",
    "SYNC_KEY",
    "Broker",
    "Pipeline",
    "Selection",
    "StampedBatchQueue",
    "StreamEnd",
    "Subscription",
    "parse_selection",
]
