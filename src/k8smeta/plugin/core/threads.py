"""The contract between the plugin core and its host (libsinsp, or a fake in tests).

The core never reads the host's tables by itself: the host hands it what one callback
needs, and nothing more (docs/plugin-contract.md, "Threads table"):

- extraction: the event thread's `pod_uid` and container ID, already read by the host
  (plain `str`s);
- a process event: a `ThreadView` of the event's thread (None when the table has none);
- capture open: a `ThreadTable` to visit every thread once.

The ABI layer implements these Protocols over the libsinsp table vtables of the current
callback; tests implement them in memory. Objects handed to the core are valid only
during the call that received them: the core never keeps them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NewType, Protocol

Tid = NewType("Tid", int)


class ThreadView(Protocol):
    """One entry of the host's `threads` table, during the current callback."""

    def cgroup_paths(self) -> Iterable[str]:
        """The paths (`second` of each `cgroups` sub-table entry), in table order."""
        ...

    def set_pod_uid(self, uid: str) -> None:
        """Write the thread's `pod_uid` field."""
        ...

    def set_container_id(self, container_id: str) -> None:
        """Write the thread's container ID field ("": none), after its `pod_uid`."""
        ...


class ThreadTable(Protocol):
    """The host's `threads` table, iterated during capture open."""

    def for_each_thread(self, visit: Callable[[ThreadView], None]) -> None:
        """Run `visit` on every thread of the table."""
        ...
