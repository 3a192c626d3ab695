"""A SIGHUP that arrives while the collector is still importing: held, not fatal.

SIGHUP's default action ends the process, and `Signals` (signals.py) installs the real
handler only once the event loop runs, after about 0.35 s of imports (grpc, aiohttp,
prometheus_client, ...). `hold()` is called first thing by the command (launch.py), with
nothing but the standard library's `signal` imported; `Signals` then takes over what was
held: one reload once the sources exist, as for a SIGHUP during loading.
"""

from __future__ import annotations

import signal
from types import FrameType

_held = False


def _note(signum: int, frame: FrameType | None) -> None:
    global _held  # noqa: PLW0603 - one process-wide note, set from a signal handler
    _held = True


def hold() -> None:
    """From now on a SIGHUP is noted instead of ending the process."""
    signal.signal(signal.SIGHUP, _note)


def take_held() -> bool:
    """Whether a SIGHUP was noted since `hold()`; clears the note."""
    global _held
    held, _held = _held, False
    return held
