"""Route the plugin's log records to the state they concern (docs/plugin-contract.md, "Logs").

While at least one state lives, the `k8smeta` logger does not propagate and has one
handler that sends each record to the state on whose behalf the code runs (a context
variable set by each ABI entry; the feed thread inherits it) through the host's
`log_fn`, or to stderr in upstream's format. The logger's level is the lowest verbosity
of the live states, so disabled levels cost one comparison. The root logger is never
touched; the original settings come back when the last state goes.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from k8smeta.plugin.core.levels import TRACE, level_name

_LOGGER = logging.getLogger("k8smeta")

#: Python level -> ss_plugin_log_severity.
SEVERITIES: dict[int, int] = {
    TRACE: 8,
    logging.DEBUG: 7,
    logging.INFO: 6,
    logging.WARNING: 4,
    logging.ERROR: 3,
    logging.CRITICAL: 2,
}

Emit = Callable[[int, str], None]


def severity(level: int) -> int:
    """The plugin API severity of a Python level (the nearest one at or below it)."""
    result = 8
    for python_level, sev in SEVERITIES.items():
        if level >= python_level:
            result = sev
    return result


def stderr_line(level: int, message: str) -> None:
    """Print one record in upstream's format (used when the host gave no log_fn)."""
    stamp = time.strftime("%a %b %d %H:%M:%S %Y")
    sys.stderr.write(f"{stamp}: [{level_name(level)}] [k8smeta] {message}\n")


def log_emitter(ffi: Any, owner: Any, log_fn: Any) -> Emit:
    """Send records to the host's log_fn (component NULL), else to stderr."""
    if log_fn == ffi.NULL:
        return stderr_line

    def emit(level: int, message: str) -> None:
        log_fn(owner, ffi.NULL, message.encode("utf-8", "replace"), severity(level))

    return emit


class LogRoute:
    """Where one state's records go: its verbosity threshold and its emitter."""

    __slots__ = ("emit", "level")

    def __init__(self, level: int, emit: Emit) -> None:
        self.level = level
        self.emit = emit


_CURRENT: ContextVar[LogRoute | None] = ContextVar("k8smeta_log_route", default=None)
_ROUTES: list[LogRoute] = []


class _Router(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        # A failing sink (stderr closed under a daemonized host, a bad format argument)
        # must not turn a log call into an exception in parse/extract or the feed thread.
        try:
            self._route(record)
        except Exception:
            self.handleError(record)

    def _route(self, record: logging.LogRecord) -> None:
        route = _CURRENT.get()
        if route is not None and route not in _ROUTES:  # left set by a destroyed state
            route = None
        if route is None and len(_ROUTES) == 1:
            route = _ROUTES[0]
        if route is None or record.levelno < route.level:
            return
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            message = f"{message}: {record.exc_info[1]!r}"
        route.emit(record.levelno, message)


_ROUTER = _Router()
_SAVED: list[tuple[int, bool]] = []


def register(route: LogRoute) -> None:
    """Start routing for one state (installs the handler with the first state)."""
    if not _ROUTES:
        _SAVED.append((_LOGGER.level, _LOGGER.propagate))
        _LOGGER.addHandler(_ROUTER)
        _LOGGER.propagate = False
    _ROUTES.append(route)
    _relevel()


def unregister(route: LogRoute) -> None:
    """Stop routing for one state (restores the logger after the last one)."""
    if route not in _ROUTES:
        return
    _ROUTES.remove(route)
    if _CURRENT.get() is route:
        _CURRENT.set(None)
    if _ROUTES:
        _relevel()
        return
    _LOGGER.removeHandler(_ROUTER)
    level, propagate = _SAVED.pop()
    _LOGGER.setLevel(level)
    _LOGGER.propagate = propagate


def _relevel() -> None:
    _LOGGER.setLevel(min(route.level for route in _ROUTES))


def enter(route: LogRoute) -> None:
    """Route this thread's records to `route` from now on (each ABI entry calls it; the
    value stays until another state's entry changes it, which is cheaper than resetting)."""
    if _CURRENT.get() is not route:
        _CURRENT.set(route)


@contextmanager
def routed(route: LogRoute) -> Iterator[None]:
    """Route the records emitted inside the block (and by threads started in it)."""
    token = _CURRENT.set(route)
    try:
        yield
    finally:
        _CURRENT.reset(token)
