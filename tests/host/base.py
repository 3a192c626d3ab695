"""The contract a Falco stand-in offers to behaviour tests, independent of the plugin's build.

A host plays libsinsp's side: it owns the `threads` table (with each thread's `cgroups`
and the plugin's `pod_uid` field), numbers events, delivers process and async events to
the plugin's parser and asks it for field values. Implementations: `inprocess` (the pure
core with an in-memory table) and, elsewhere, one over the built shared library.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

# Event codes of the process events the plugin parses (docs/plugin-contract.md, "Events").
CLONE_X = 223
FORK_X = 225
VFORK_X = 227
CLONE3_X = 335
EXECVE_X = 293
EXECVEAT_X = 331
CLONE_FAMILY = (CLONE_X, FORK_X, VFORK_X, CLONE3_X)
EXEC_FAMILY = (EXECVE_X, EXECVEAT_X)

#: Log level names of the plugin's verbosity scale, lowest first.
LEVEL_NAMES = ("trace", "debug", "info", "warning", "error", "critical")


class FalcoHost(Protocol):
    """One plugin state inside a stand-in for libsinsp.

    Cgroups are given as libsinsp receives them in an event's `cgroups` parameter:
    `"<subsystem>=<path>"` strings; the host splits each at the first `=` and stores the
    `(subsystem, path)` pairs on the thread, as libsinsp does.
    """

    @property
    def event_cgroups(self) -> bool:
        """True on hosts without the `cgroups` sub-table (API < 3.9): the plugin reads
        cgroups from the event's parameter 14 and tags pre-existing threads from /proc."""
        ...

    def init(self, config_json: str) -> str | None:
        """Initialise the plugin with this config (`${VAR}`: the process's live environment).

        Returns None on success, else the error text (the plugin's last error, or the
        host's own schema-validation error when the host validates).
        """
        ...

    def close(self) -> None:
        """Destroy the plugin state and release everything the host holds."""
        ...

    def last_error(self) -> str:
        """The plugin's last error text ("" when none)."""
        ...

    # -- threads table ---------------------------------------------------------------
    def set_thread(self, tid: int, cgroups: Sequence[str]) -> None:
        """Create the thread (pod_uid "") or replace its cgroups; no plugin call."""
        ...

    def remove_thread(self, tid: int) -> None:
        """Remove the thread from the table (like libsinsp on procexit); no plugin call."""
        ...

    def thread_ids(self) -> list[int]:
        """The tids currently in the table, ascending."""
        ...

    def pod_uid(self, tid: int) -> str | None:
        """The thread's `pod_uid` field; None when the thread is not in the table."""
        ...

    def set_pod_uid(self, tid: int, uid: str) -> None:
        """Overwrite the thread's `pod_uid` by hand (as a test may do through the table)."""
        ...

    def container_id(self, tid: int) -> str | None:
        """The thread's container ID field; None when the thread is not in the table."""
        ...

    # -- events ------------------------------------------------------------------------
    def process_event(
        self, code: int, tid: int, res: int, cgroups: Sequence[str] | None = None
    ) -> bool:
        """Deliver a process exit event as libsinsp would, then let the plugin parse it.

        libsinsp's own parser runs first: the event's thread is created when absent;
        with `res >= 0` and `cgroups` given, a clone-family event with `res > 0` (parent
        side) creates/updates the child thread `res` with them, and any other event
        (child side, execve) updates the event's thread. Returns True when the plugin's
        `parse_event` reported success.
        """
        ...

    def parse_only(self, code: int, tid: int, res: int) -> bool:
        """Deliver a process event to the plugin without touching the threads table."""
        ...

    def async_event(self, name: str, data: bytes) -> bool:
        """Deliver one async event (402, tid -1) whose `data` parameter is these bytes.

        Returns True when `parse_event` reported success.
        """
        ...

    def capture_open(self) -> None:
        """Open the capture (live): the plugin's `capture_open` runs."""
        ...

    # -- extraction --------------------------------------------------------------------
    def extract(self, tid: int, field: str, evtnum: int | None = None) -> list[str] | None:
        """Values of `field` (e.g. `k8smeta.svc.label[app]`) for an event of `tid`.

        The field string is resolved as libsinsp does (name, optional `[arg]`); an
        unknown field or a missing/unexpected argument raises `ValueError`. `evtnum`
        defaults to the number of the last event delivered (every event and every table
        change made through this host advances it). Returns None when the field has no
        value, else its elements (one for a non-list field).
        """
        ...

    def is_list(self, field: str) -> bool:
        """Whether the (resolvable) field is a list field, per the plugin's `get_fields`."""
        ...

    # -- state ---------------------------------------------------------------------
    def metrics(self) -> dict[str, int]:
        """The plugin's metrics by name (without the `k8smeta.` prefix)."""
        ...

    def dump_state(self) -> list[bytes]:
        """The `data` parameter of every async event the plugin pushes on `dump_state`."""
        ...

    def logs(self) -> list[tuple[str, str]]:
        """(level name, message) of each record the plugin emitted past its verbosity."""
        ...


def render(values: list[str] | None, is_list: bool) -> str | None:
    """Render a value as libsinsp prints it: `(a,b)` for lists, the string otherwise."""
    if values is None:
        return None
    if is_list:
        return "(" + ",".join(values) + ")"
    return values[0]


def rendered(host: FalcoHost, tid: int, field: str) -> str | None:
    """The field's value for `tid` as libsinsp renders it, or None when it has none."""
    return render(host.extract(tid, field), host.is_list(field))
