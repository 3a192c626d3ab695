"""The Python half of every export's guard: no exception crosses into C.

Each `extern "Python"` body catches every exception itself and hands it, with its C state
(explicitly: the body's own argument), to `report`, which stores it as the state's last
error and logs it; the body then returns its failure value. `last_defence` is every
body's cffi `onerror`, for what escapes that (an error while reporting): it logs, and cffi
returns the body's `error=` value. The C half is guard.c.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import Any

from k8smeta.plugin.abi.marshal import write_error

logger = logging.getLogger(__name__)

OnError = Callable[[type[BaseException], BaseException, TracebackType | None], None]


def report(ffi: Any, cstate: Any, symbol: str, exc: BaseException) -> None:
    """Store `exc` as the last error of `cstate` (a `k8smeta_state*`, or NULL: none) and
    log it. Never raises."""
    try:  # the error first: the host must see it even if logging fails too
        if cstate is not None and cstate != ffi.NULL:
            write_error(ffi, cstate, f"internal error in {symbol}: {exc!r}")
        logger.error("internal error in %s: %r", symbol, exc)
    except Exception:  # the last line of defence must not raise
        return


def last_defence(symbol: str) -> OnError:
    """cffi's onerror for the bodies of `symbol`: log what escaped the body's own guard."""

    def handle(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        try:
            logger.error("internal error in %s: %r", symbol, exc)
        except Exception:  # nothing may propagate into C
            return

    return handle
