"""The gRPC client that feeds the plugin: translate wire events, resync, reconnect.

Owns: the Selector sent on `Watch`, the wire `Event` -> async payload translation, the
resync bookkeeping (synthetic Deletes after a reconnect), the reconnect backoff and the
feed thread (docs/plugin-contract.md, "Feed"). May import grpclib (and h2), ssl, protobuf, orjson,
`k8smeta.wire` and the core's vocabulary (`k8smeta.plugin.core.payload`: kinds, reasons,
the payload encoder); never cffi nor `k8smeta.plugin.abi`.

Public API:

* `FeedSettings(target, node_name, root_certificates=None, certificate_chain=None,
  private_key=None, quiet_period=5.0, sync_timeout=60.0, keepalive_time=360.0,
  keepalive_timeout=20.0, backoff_unit=1.0, backoff_cap=120.0,
  max_message_size=MAX_MESSAGE_SIZE)`: frozen value; TLS when `root_certificates` is set
  (empty roots are refused: gRPC would take them for "no TLS"), mutual TLS with a client
  chain and key.
* `Feed(settings, sink, *, uniform=None, clock=time.monotonic, on_wait=None)`: the feed of
  one plugin state. `sink(payload: bytes) -> str | None` pushes one NUL-terminated payload
  and returns None when accepted, else the host's error text (logged, counted, skipped).
  `start()` launches the feed thread (in a copy of the caller's contextvars context);
  `stop(timeout=5.0) -> bool` ends it (no push starts after it returns; False and an
  ERROR log on timeout); `start()` again resumes with the same `known` set. `stats` is a
  `FeedStats` snapshot (pushed, rejected, streams, reconnects, stream_errors, swept,
  last_wait); `known` is the set of (kind, uid) Falco holds as far as the feed knows.
  `uniform` (jitter source) and `on_wait` (called with each backoff wait) serve tests.
  Threads: the sink is called from the feed thread ("k8smeta-feed") and, for quiet-period
  sweeps, from the stream's timer thread ("k8smeta-feed-timer"), never two at once (one
  push lock). A sink that raises ends the current stream (logged, counted, reconnect); a
  sink that blocks delays `stop()` at most by its timeout.
* `event_payload(event) -> bytes`, `delete_payload(kind, uid) -> bytes`: async payloads.
* `watch_selector(node_name)`, `RESOURCE_KINDS`: the Selector the feed sends.
* `Backoff`, `Resync`, `SnapshotTracker`: the pure policies the thread runs.

`feed.aio` is imported first: asyncio and grpclib load without `ssl` until a feed needs TLS.
"""

import k8smeta.plugin.feed.aio  # noqa: F401 - first, before any module imports asyncio
from k8smeta.plugin.feed.backoff import Backoff
from k8smeta.plugin.feed.client import Feed, Sink
from k8smeta.plugin.feed.resync import Resync, SnapshotTracker
from k8smeta.plugin.feed.selector import RESOURCE_KINDS, watch_selector
from k8smeta.plugin.feed.settings import MAX_MESSAGE_SIZE, FeedSettings
from k8smeta.plugin.feed.stats import FeedStats
from k8smeta.plugin.feed.translate import delete_payload, event_payload

__all__ = [
    "MAX_MESSAGE_SIZE",
    "RESOURCE_KINDS",
    "Backoff",
    "Feed",
    "FeedSettings",
    "FeedStats",
    "Resync",
    "Sink",
    "SnapshotTracker",
    "delete_payload",
    "event_payload",
    "watch_selector",
]
