"""The feed thread's event loop: it knows the connections it opened, so none outlives a call.

A TLS connection closed gracefully waits for the server's close_notify (up to 30 s in
asyncio) before it closes its socket; a feed that stops, or a call that ends, cannot wait
for that. Each call aborts what it opened when it ends, and closing the loop runs the
callbacks that release the sockets.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any

logger = logging.getLogger(__name__)


class FeedLoop(asyncio.SelectorEventLoop):
    """A selector loop that records the transports `create_connection` returns."""

    def __init__(self) -> None:
        super().__init__()
        self._opened: weakref.WeakSet[asyncio.BaseTransport] = weakref.WeakSet()

    async def create_connection(self, *args: Any, **kwargs: Any) -> Any:  # asyncio's signature
        transport, protocol = await super().create_connection(*args, **kwargs)
        self._opened.add(transport)
        return transport, protocol

    def abort_connections(self) -> None:
        """Close every connection this loop opened at once (no TLS close_notify wait)."""
        for transport in list(self._opened):
            if isinstance(transport, asyncio.Transport):
                transport.abort()
        self._opened.clear()

    def finish(self) -> None:
        """Abort what is left, run the callbacks that close the sockets, close the loop."""
        try:
            self.abort_connections()
            self.run_until_complete(self.shutdown_asyncgens())
        except Exception:
            logger.debug("Closing the feed's event loop failed", exc_info=True)
        finally:
            self.close()
