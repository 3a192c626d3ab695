"""The plugin's verbosity scale (trace ... critical) as Python logging levels.

Python has no TRACE level; the core logs it at `TRACE` (5) with `Logger.log` and never
registers a level name (the interpreter is shared with the host: docs/plugin-contract.md,
"Embedding Python").
"""

from __future__ import annotations

import logging

TRACE = 5

#: verbosity name -> Python level, in the schema's enum order.
VERBOSITY_LEVELS: dict[str, int] = {
    "trace": TRACE,
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
}

DEFAULT_VERBOSITY = "info"


def level_name(level: int) -> str:
    """The verbosity name of a Python level (the nearest one at or below it)."""
    name = "trace"
    for candidate, value in VERBOSITY_LEVELS.items():
        if level >= value:
            name = candidate
    return name
