"""The `extern "Python"` bodies of the plugin symbols, one module per capability.

May import `abi` runtime modules (session, marshal, events, host_tables, logsink), `feed`
and `core`. `attach` binds every body to the embedded module's `ffi`.
"""

from __future__ import annotations

from typing import Any


def attach(ffi: Any, lib: Any) -> None:
    """Register every `extern "Python"` function on the embedded module's ffi."""
    del ffi, lib
