"""The plugin symbols that call into Python, one unit per capability.

A unit is `<capability>.c` (the C wrappers and, in its `K8SMETA_CFFI_DECLARATIONS` block,
the `extern "Python"` declarations; compiled into the library by `build`, whose
`EXPORT_UNITS` lists the units) and `<capability>.py` (the Python bodies, registered here).
Each body is a few lines: C state -> session -> one call, inside its guard
(`guard.report` with its own C state; cffi's `onerror` as the last defence), so no Python
exception crosses into C. May import the `abi` runtime modules; domain logic stays in
`core`, network in `feed`. The table of symbols and their files is in
docs/architecture.md, "The C boundary".
"""

from __future__ import annotations

from typing import Any

from k8smeta.plugin.abi.exports import async_events, capture, extract, lifecycle, metrics, parse


def attach(ffi: Any, lib: Any) -> None:
    """Register every `extern "Python"` function on the embedded module's ffi."""
    for module in (lifecycle, extract, parse, async_events, capture, metrics):
        module.register(ffi, lib)
