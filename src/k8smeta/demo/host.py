"""The seam between the demo and the Falco stand-in that loads libk8smeta.so.

`PluginHost` is what the demo needs from a host (one plugin state in a libsinsp stand-in);
`open_host` builds the bundled one, `k8smeta.falcosim`, which loads the shared library with
cffi's ABI mode as Falco does.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

EXECVE_X = 293  # PPME_SYSCALL_EXECVE_19_X (docs/plugin-contract.md, "Events")


class PluginHost(Protocol):
    """One plugin state inside a libsinsp stand-in; calls come from one ("event") thread.

    `k8smeta.falcosim.Host` implements it.
    """

    def init(self, config_json: str) -> str | None:
        """Initialise the plugin; None on success, else the error text."""
        ...

    def set_async_handler(self, on: bool) -> int:
        """Set (the plugin starts its gRPC feed) or clear the async handler; the rc."""
        ...

    def wait_queued(self, count: int, timeout: float) -> bool:
        """Wait until `count` async events were accepted in total; False on timeout."""
        ...

    def deliver_async(self) -> int:
        """Deliver the queued async events through parse_event; how many."""
        ...

    def process_event(self, code: int, tid: int, res: int, cgroups: Sequence[str]) -> bool:
        """A process exit event with these cgroups, through libsinsp's parser then the
        plugin's; True when the plugin reported success."""
        ...

    def extract(self, tid: int, field: str) -> list[str] | None:
        """The field's elements for an event of `tid`; None when it has no value."""
        ...

    def resolve(self, field: str) -> tuple[int, str | None, bool]:
        """(field id, argument, is list) of `name` or `name[arg]`, as libsinsp resolves it."""
        ...

    def metrics(self) -> dict[str, int]:
        """The plugin's metrics by name (without the `k8smeta.` prefix)."""
        ...

    def destroy(self) -> None:
        """Async handler off (the feed stops), then destroy the state."""
        ...


def open_host(library: Path) -> PluginHost:
    """The bundled Falco stand-in over `library` (as the newest Falco loads it)."""
    from k8smeta.falcosim import Host

    return Host(library)
