"""The Falco event codes the plugin parses, and the name of its async event.

The C wrapper of parse_event, `get_parse_event_types` and the event layout
(`abi.events`) are generated from or built on these; the core uses the syscall names in
its logs.
"""

from __future__ import annotations

from typing import Final

ASYNC_EVENT: Final = 402  # PPME_ASYNCEVENT_E
ASYNC_EVENT_NAME: Final = "k8s"
#: Process-event codes the plugin parses (exit events), with the syscall names its logs use.
PROCESS_EVENTS: Final[dict[int, str]] = {
    293: "execve",
    331: "execveat",
    223: "clone",
    225: "fork",
    227: "vfork",
    335: "clone3",
}
