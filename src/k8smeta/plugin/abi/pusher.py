"""Async events out of the plugin: the feed's sink and dump_state.

One `AsyncPusher` per state owns its `Feed` (created on the first handler, kept across
handler restarts so resync knows what Falco holds) and the feed-owned `char[1024]` error
buffer. `set_handler(NULL)` stops and joins the feed before returning.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from k8smeta.plugin.abi.cdef import PLUGIN_MAX_ERRLEN, SS_PLUGIN_SUCCESS
from k8smeta.plugin.abi.events import async_event
from k8smeta.plugin.core.config import Config
from k8smeta.plugin.core.event_codes import ASYNC_EVENT_NAME
from k8smeta.plugin.core.plugin import PluginCore

if TYPE_CHECKING:  # the feed (grpc) is imported with the first handler: captures never need it
    from k8smeta.plugin.feed import Feed, FeedSettings

logger = logging.getLogger(__name__)


def feed_settings(config: Config) -> FeedSettings:
    """The feed's settings from the init config."""
    from k8smeta.plugin.feed import FeedSettings

    return FeedSettings(
        target=config.target,
        node_name=config.node_name,
        root_certificates=config.ca_pem,
        certificate_chain=config.client_cert_pem,
        private_key=config.client_key_pem,
    )


class AsyncPusher:
    """The state's feed and the handler it pushes to."""

    def __init__(self, ffi: Any, core: PluginCore) -> None:
        self._ffi = ffi
        self._core = core
        self._feed: Feed | None = None
        self._owner: Any = ffi.NULL
        self._handler: Any = ffi.NULL
        self._err = ffi.new("char[]", PLUGIN_MAX_ERRLEN)
        self._counted = (0, 0)  # feed stats already added to the core's metrics
        self._metrics_lock = threading.Lock()

    def set_handler(self, owner: Any, handler: Any) -> None:
        """Stop the running feed (joined), then start it again when `handler` is set."""
        if self._feed is not None and self._feed.running:
            self._feed.stop()
        self._sync_metrics()
        self._owner, self._handler = owner, handler
        if handler == self._ffi.NULL:
            return
        if self._feed is None:
            from k8smeta.plugin.feed import Feed

            self._feed = Feed(feed_settings(self._core.config), self._sink)
        self._feed.start()

    def push(self, owner: Any, handler: Any, payload: bytes, err: Any) -> str | None:
        """Wrap one payload in a 402 event and hand it to `handler`; None if accepted."""
        event = async_event(ASYNC_EVENT_NAME, payload)
        pointer = self._ffi.from_buffer("ss_plugin_event*", event)
        err[0] = b"\0"
        if handler(owner, pointer, err) == SS_PLUGIN_SUCCESS:
            return None
        text: bytes = self._ffi.string(err, PLUGIN_MAX_ERRLEN)
        return text.decode("utf-8", "replace") or "the host rejected the async event"

    def dump(self, owner: Any, handler: Any) -> None:
        """Push every stored record as a Create event (docs/plugin-contract.md, "Metrics");
        failures are counted."""
        err = self._ffi.new("char[]", PLUGIN_MAX_ERRLEN)
        failed = 0
        for payload in self._core.dump_payloads():
            if self.push(owner, handler, payload, err) is not None:
                failed += 1
        if failed:
            self._core.metrics.async_events_rejected += failed
            logger.error("dump_state: the host rejected %d of the pushed events", failed)

    def sync_metrics(self) -> None:
        """Add the feed's new rejections and reconnects to the core's counters."""
        self._sync_metrics()

    def _sync_metrics(self) -> None:
        if self._feed is None:
            return
        with self._metrics_lock:
            stats = self._feed.stats
            rejected, reconnects = self._counted
            self._core.metrics.async_events_rejected += stats.rejected - rejected
            self._core.metrics.reconnects += stats.reconnects - reconnects
            self._counted = (stats.rejected, stats.reconnects)

    def _sink(self, payload: bytes) -> str | None:
        return self.push(self._owner, self._handler, payload, self._err)
