"""The command's signals: SIGTERM/SIGINT stop, SIGHUP re-reads the `--snapshot` files.

Installed before anything is loaded: a large snapshot is read on the event loop's thread,
and a SIGHUP arriving meanwhile must not take the default action (ending the process). The
loop runs the handlers once loading is done; a SIGHUP received before the sources exist is
kept and becomes one reload as soon as they do (several coalesce into one, as always).
One received even earlier, while the command was still importing, was held by hangup.py
and is taken over here.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Iterable

from k8smeta.collector import hangup

log = logging.getLogger(__name__)
_STOP = (signal.SIGTERM, signal.SIGINT)


class Signals:
    """The handlers of one run; `remove()` restores the defaults."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.stop = asyncio.Event()
        self._loop = loop
        self._reloaders: list[Callable[[], None]] | None = None  # None: sources not there yet
        self._pending = False
        for signum in _STOP:
            loop.add_signal_handler(signum, self.stop.set)
        loop.add_signal_handler(signal.SIGHUP, self._hangup)
        if hangup.take_held():  # after the handler is in place: none falls in between
            self._hangup()

    def attach(self, sources: Iterable[object]) -> None:
        """The sources exist: SIGHUP asks those that can to reload; one kept SIGHUP does now."""
        self._reloaders = []
        for source in sources:
            reload = getattr(source, "request_reload", None)
            if callable(reload):
                self._reloaders.append(reload)
        if self._pending:
            self._pending = False
            self._hangup()

    def _hangup(self) -> None:
        if self._reloaders is None:
            self._pending = True
            log.info("SIGHUP during start-up: one reload once the sources are ready")
        elif not self._reloaders:
            log.info("SIGHUP ignored: no --snapshot files to re-read")
        for reload in self._reloaders or ():
            reload()

    def remove(self) -> None:
        for signum in (*_STOP, signal.SIGHUP):
            self._loop.remove_signal_handler(signum)
