"""The `onerror` of every export: log the exception, store it as the state's last error."""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import Any

from k8smeta.plugin.abi.marshal import write_error

logger = logging.getLogger(__name__)

OnError = Callable[[type[BaseException], BaseException, TracebackType | None], None]


def on_error(ffi: Any, symbol: str) -> OnError:
    """An onerror handler for `symbol`; the export's C state argument must be `cstate`."""

    def handle(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        try:  # the error first: the host must see it even if logging fails too
            cstate = None if tb is None else tb.tb_frame.f_locals.get("cstate")
            if cstate is not None and cstate != ffi.NULL:
                write_error(ffi, cstate, f"internal error in {symbol}: {exc!r}")
                cstate.failed = 1
            logger.error("internal error in %s: %r", symbol, exc)
        except Exception:  # the last line of defence must not raise
            return

    return handle
