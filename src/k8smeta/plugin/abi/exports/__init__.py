"""The `extern "Python"` bodies of the plugin symbols, one module per capability.

Each body is a few lines: C state -> session -> one call. Every one has `error=` and
`onerror=` (`guard.on_error`), so no Python exception crosses into C. May import the
`abi` runtime modules; domain logic stays in `core`, network in `feed`.
"""

from __future__ import annotations

from typing import Any

from k8smeta.plugin.abi.exports import async_events, capture, extract, lifecycle, metrics, parse


def attach(ffi: Any, lib: Any) -> None:
    """Register every `extern "Python"` function on the embedded module's ffi."""
    for module in (lifecycle, extract, parse, async_events, capture, metrics):
        module.register(ffi, lib)
