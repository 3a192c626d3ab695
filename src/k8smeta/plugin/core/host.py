"""The contract between the plugin core and its host (libsinsp, or a fake in tests).

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


class ThreadTable(Protocol):
    """The host's `threads` table as reachable during the current callback."""

    def pod_uid(self, tid: Tid) -> str | None:
        """The thread's `pod_uid` field; None when the table has no such thread."""
        ...

    def with_thread(self, tid: Tid, visit: Callable[[ThreadView], None]) -> bool:
        """Run `visit` on the thread's entry, then release it; False when absent."""
        ...

    def for_each_thread(self, visit: Callable[[ThreadView], None]) -> None:
        """Run `visit` on every thread of the table (capture open)."""
        ...
