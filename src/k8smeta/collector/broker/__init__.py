"""Per-subscriber bounded queues, snapshot then live stream, slow-consumer policy.

Owns: selector semantics (docs/collector-contract.md), subscriptions, and the broker
(`fanout`: subscribe with snapshot, publish, shutdown). The pipeline task that feeds it is
`k8smeta.collector.pipeline`.
May import: `model`, `index`, `views`, `ops.metrics`, `wire.vocabulary` (no grpc, no
generated wire code).
"""

from k8smeta.collector.broker.fanout import DEFAULT_QUEUE_SIZE, Broker
from k8smeta.collector.broker.selector import Selection, parse_selection
from k8smeta.collector.broker.subscription import OVERFLOW, SHUTDOWN, StreamEnd, Subscription

__all__ = [
    "DEFAULT_QUEUE_SIZE",
    "OVERFLOW",
    "SHUTDOWN",
    "Broker",
    "Selection",
    "StreamEnd",
    "Subscription",
    "parse_selection",
]
