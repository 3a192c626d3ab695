"""The core's thread contract over libsinsp's tables: one adapter per way the plugin meets
a thread (docs/plugin-contract.md, "Threads table").

- parse_event of a process event: none; the C wrapper tags the event's thread itself
  (tables.c, `k8smeta_tag_thread`) and hands the core only what it came to
  (`core.tagging.ProcessOutcome`).
- capture_open: `IteratedTable`, bound to the call's vtables, is the core's `ThreadTable`;
  `for_each_thread` runs the host's `iterate_entries` with the `k8smeta_py_visit_thread`
  callback (its state is the session's handle; the session hands each entry back to
  `visit_entry`), and each entry is a `ThreadView` for the duration of its visit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from k8smeta.plugin.abi.cdef import SS_PLUGIN_SUCCESS
from k8smeta.plugin.abi.host_tables import Accessors, owner_error
from k8smeta.plugin.abi.protocol import CgroupsRead
from k8smeta.plugin.abi.state import CGROUPS_SIZE
from k8smeta.plugin.core.errors import CGROUPS_UNREADABLE, TableError
from k8smeta.plugin.core.threads import ThreadView

_PATHS_CACHE = 4096


class CgroupPaths:
    """A buffer for a thread's cgroups (NUL-separated paths, written by C), and the paths
    it held, cached by content."""

    __slots__ = ("_ffi", "_paths_of", "buffer")

    def __init__(self, ffi: Any) -> None:
        self._ffi = ffi
        self.buffer = ffi.new("char[]", CGROUPS_SIZE)
        self._paths_of: dict[bytes, list[str]] = {}

    def split(self, n: int) -> list[str]:
        """The paths of the first `n` bytes of the buffer."""
        raw: bytes = self._ffi.buffer(self.buffer, n)[:]
        paths = self._paths_of.get(raw)
        if paths is None:
            if len(self._paths_of) >= _PATHS_CACHE:
                self._paths_of.clear()
            paths = [p.decode("utf-8", "replace") for p in raw.split(b"\0")[:-1]]
            self._paths_of[raw] = paths
        return paths


class _Entry:
    """ThreadView over one entry visited by IteratedTable."""

    __slots__ = ("_entry", "_table")

    def __init__(self, table: IteratedTable, entry: Any) -> None:
        self._table = table
        self._entry = entry

    def cgroup_paths(self) -> Iterable[str]:
        return self._table.cgroup_paths(self._entry)

    def set_pod_uid(self, uid: str) -> None:
        self._table.write_pod_uid(self._entry, uid)

    def set_container_id(self, container_id: str) -> None:
        self._table.write_container_id(self._entry, container_id)


class IteratedTable:
    """The core's ThreadTable during capture_open, over that call's vtables."""

    def __init__(
        self,
        ffi: Any,
        lib: Any,
        *,
        accessors: Accessors,
        paths: CgroupPaths,
        visitor: Any,
    ) -> None:
        self._ffi, self._lib = ffi, lib
        self._acc, self._paths = accessors, paths
        self._visitor = visitor  # the handle `k8smeta_py_visit_thread` receives
        self._value = ffi.new("ss_plugin_state_data*")
        # Set by `bind` for one call: its vtables, and an input struct with the owner and
        # its error getter.
        self._reader: Any = ffi.NULL
        self._writer: Any = ffi.NULL
        self._errors_from: Any = ffi.NULL
        self._visit: Callable[[ThreadView], None] | None = None

    def bind(self, reader: Any, writer: Any, owner_errors: Any) -> IteratedTable:
        """Use these vtables (and this input's owner error getter) for the current call."""
        self._reader = reader
        self._writer = writer
        self._errors_from = owner_errors
        return self

    def for_each_thread(self, visit: Callable[[ThreadView], None]) -> None:
        self._visit = visit
        try:
            self._reader.iterate_entries(
                self._acc.table, self._lib.k8smeta_py_visit_thread, self._visitor
            )
        finally:
            self._visit = None

    def visit_entry(self, entry: Any) -> bool:
        """Iterator callback body: visit one entry; True to continue."""
        if self._visit is not None:
            self._visit(_Entry(self, entry))
        return True

    def cgroup_paths(self, entry: Any) -> list[str]:
        acc = self._acc
        n = self._lib.k8smeta_read_cgroups(
            self._reader,
            acc.table,
            entry,
            acc.f_cgroups,
            acc.f_second,
            self._paths.buffer,
            CGROUPS_SIZE,
        )
        if n == CgroupsRead.UNREADABLE:
            raise TableError(CGROUPS_UNREADABLE)
        return self._paths.split(n)

    def write_pod_uid(self, entry: Any, uid: str) -> None:
        self._write(entry, self._acc.f_pod, uid, "pod_uid")

    def write_container_id(self, entry: Any, container_id: str) -> None:
        self._write(entry, self._acc.f_container, container_id, "the container ID")

    def _write(self, entry: Any, field: Any, value: str, what: str) -> None:
        text = self._ffi.new("char[]", value.encode())
        self._value.str = text
        rc = self._writer.write_entry_field(self._acc.table, entry, field, self._value)
        if rc != SS_PLUGIN_SUCCESS:
            raise TableError(f"cannot write {what}: {owner_error(self._ffi, self._errors_from)}")
