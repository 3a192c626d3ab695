"""The core's ThreadTable/ThreadView over libsinsp's table vtables (spec section 11).

`setup_threads_table` runs the init sequence of 11.1 and returns the accessors kept for
the plugin's lifetime. `VtableThreads` is one per state and is re-bound to the reader and
writer vtables of each call (they live on libsinsp's stack for that call only). Hot paths
are single C calls made by the C wrappers before Python runs (see calls.c).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from k8smeta.plugin.abi.cdef import SS_PLUGIN_ST_INT64, SS_PLUGIN_ST_STRING, SS_PLUGIN_ST_TABLE
from k8smeta.plugin.abi.marshal import c_text
from k8smeta.plugin.core.errors import TableError
from k8smeta.plugin.core.host import ThreadView, Tid

_CGROUPS_BUFFER = 16384
_PATHS_CACHE = 4096


class TableSetupError(Exception):
    """The threads table does not offer what the plugin needs; the message says what."""


@dataclass(frozen=True, slots=True)
class Accessors:
    """Table handle and field accessors, valid for the plugin's lifetime.

    `f_cgroups`/`f_second` are NULL on hosts without the cgroups sub-table (API < 3.9).
    """

    table: Any
    f_cgroups: Any
    f_second: Any
    f_pod: Any

    @property
    def sub_table(self) -> bool:
        return bool(self.f_cgroups)


def threads_table(ffi: Any, inp: Any) -> Any:
    """The `threads` table handle (members of API 3.1 only)."""
    tables = inp.tables
    if tables == ffi.NULL or not tables.fields_ext:
        raise TableSetupError("the host offers no table API")
    table = tables.get_table(inp.owner, b"threads", SS_PLUGIN_ST_INT64)
    if table == ffi.NULL:
        raise TableSetupError(f"can't get table: {owner_error(ffi, inp)}")
    return table


def has_cgroups_table(ffi: Any, inp: Any) -> bool:
    """Whether `threads` lists a `cgroups` field of table type: the host is API >= 3.9.

    The evidence of spec §8.2, read through `fields_ext->list_table_fields` (API 3.1); it
    licenses reading the members that arrived up to 3.9. False when anything fails.
    """
    try:
        table = threads_table(ffi, inp)
    except TableSetupError:
        return False
    count = ffi.new("uint32_t*")
    infos = inp.tables.fields_ext.list_table_fields(table, count)
    if infos == ffi.NULL:
        return False
    return any(
        infos[i].name != ffi.NULL
        and ffi.string(infos[i].name) == b"cgroups"
        and infos[i].field_type == SS_PLUGIN_ST_TABLE
        for i in range(count[0])
    )


def setup_threads_table(ffi: Any, inp: Any, *, sub_table: bool) -> Accessors:
    """Steps 1-4 of spec 11.1 (steps 2-3 only when the host has the cgroups sub-table)."""
    table = threads_table(ffi, inp)
    fields = inp.tables.fields_ext
    f_cgroups = f_second = ffi.NULL
    if sub_table:
        f_cgroups, f_second = _cgroups_accessors(ffi, inp, table)
    f_pod = fields.add_table_field(table, b"pod_uid", SS_PLUGIN_ST_STRING)
    if f_pod == ffi.NULL:
        raise TableSetupError(owner_error(ffi, inp))
    return Accessors(table, f_cgroups, f_second, f_pod)


def _cgroups_accessors(ffi: Any, inp: Any, table: Any) -> tuple[Any, Any]:
    """Steps 2-3 of 11.1; reads `reader_ext`/`writer_ext` of the tables input (API 3.5)."""
    tables = inp.tables
    fields, reader, writer = tables.fields_ext, tables.reader_ext, tables.writer_ext
    f_cgroups = fields.get_table_field(table, b"cgroups", SS_PLUGIN_ST_TABLE)
    if f_cgroups == ffi.NULL:
        raise TableSetupError(f"can't get the cgroups field: {owner_error(ffi, inp)}")
    entry = writer.create_table_entry(table)
    if entry == ffi.NULL:
        raise TableSetupError(f"can't create a thread entry: {owner_error(ffi, inp)}")
    try:
        out = ffi.new("ss_plugin_state_data*")
        if reader.read_entry_field(table, entry, f_cgroups, out) != 0:
            raise TableSetupError(f"can't read the cgroups table: {owner_error(ffi, inp)}")
        f_second = fields.get_table_field(out.table, b"second", SS_PLUGIN_ST_STRING)
    finally:
        writer.destroy_table_entry(table, entry)
    if f_second == ffi.NULL:
        raise TableSetupError(f"can't get the cgroups 'second' field: {owner_error(ffi, inp)}")
    return f_cgroups, f_second


def owner_error(ffi: Any, inp: Any) -> str:
    """The owner's last error, from an input struct that has `owner` and the getter.

    `inp` is NULL where the host's struct may lack the getter (capture listening < 3.9).
    """
    if inp == ffi.NULL:
        return ""
    getter = inp.get_owner_last_error
    return "" if getter == ffi.NULL else c_text(ffi, getter(inp.owner))


class _Entry:
    """ThreadView over one entry of the current call."""

    __slots__ = ("_entry", "_threads")

    def __init__(self, threads: VtableThreads, entry: Any) -> None:
        self._threads = threads
        self._entry = entry

    def cgroup_paths(self) -> Iterable[str]:
        return self._threads.cgroup_paths(self._entry)

    def set_pod_uid(self, uid: str) -> None:
        self._threads.write_pod_uid(self._entry, uid)


class _PrefetchedView:
    """ThreadView of the current parse_event's thread, read by the C wrapper beforehand."""

    __slots__ = ("_paths", "_threads", "_tid")

    def __init__(self, threads: VtableThreads, tid: Tid, paths: list[str] | None) -> None:
        self._threads = threads
        self._tid = tid
        self._paths = paths

    def cgroup_paths(self) -> Iterable[str]:
        if self._paths is None:
            raise TableError("can't get subtable")
        return self._paths

    def set_pod_uid(self, uid: str) -> None:
        self._threads.write_pod_uid_of(self._tid, uid)


class VtableThreads:
    """The core's ThreadTable over the vtables of the current call (one per state)."""

    def __init__(self, ffi: Any, lib: Any, accessors: Accessors, cstate: Any) -> None:
        self._ffi = ffi
        self._lib = lib
        self._acc = accessors
        self._cstate = cstate
        self.errors_from: Any = ffi.NULL  # an input struct with owner + error getter
        self.uid_status = -1  # set per extraction by the C wrapper's read
        self._prefetched_tid = 0
        self._prefetched_status = -1
        self._paths_of: dict[bytes, list[str]] = {}
        self._key = ffi.new("ss_plugin_state_data*")
        self._value = ffi.new("ss_plugin_state_data*")
        self.reader: Any = ffi.NULL
        self.writer: Any = ffi.NULL
        self._visit: Callable[[ThreadView], None] | None = None
        self._handle = ffi.new_handle(self)

    def bind(self, reader: Any, writer: Any, owner_errors: Any) -> VtableThreads:
        """Use these vtables (and this input's owner error getter) for the current call."""
        self.reader = reader
        self.writer = writer
        self.errors_from = owner_errors
        return self

    def pod_uid(self, tid: Tid) -> str | None:
        """The pod_uid the extract wrapper read for this call's thread (`uid_status`)."""
        status = self.uid_status
        if status < 0:
            if status == -1:
                return None
            error = self._ffi.string(self._cstate.table_error).decode("utf-8", "replace")
            raise TableError(f"cannot read pod_uid: {error}")
        return self._ffi.string(self._cstate.uid).decode("utf-8", "replace")  # type: ignore[no-any-return]

    def prefetched(self, tid: int, status: int) -> VtableThreads:
        """The C wrapper read thread `tid` (status: cgroups bytes, -1 absent, -2 error)."""
        self._prefetched_tid = tid
        self._prefetched_status = status
        return self

    def with_thread(self, tid: Tid, visit: Callable[[ThreadView], None]) -> bool:
        """Only for the thread the parse_event wrapper prefetched (the event's thread)."""
        status = self._prefetched_status if tid == self._prefetched_tid else -1
        if status == -1:
            return False
        visit(_PrefetchedView(self, tid, None if status < 0 else self._split(status)))
        return True

    def for_each_thread(self, visit: Callable[[ThreadView], None]) -> None:
        self._visit = visit
        try:
            self.reader.iterate_entries(
                self._acc.table, self._lib.k8smeta_py_visit_thread, self._handle
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
            self.reader,
            acc.table,
            entry,
            acc.f_cgroups,
            acc.f_second,
            self._cstate.cgroups,
            _CGROUPS_BUFFER,
        )
        if n < 0:
            raise TableError("can't get subtable")
        return self._split(n)

    def _split(self, n: int) -> list[str]:
        """The paths of the `n` bytes in the cgroups buffer (cached by content)."""
        raw: bytes = self._ffi.buffer(self._cstate.cgroups, n)[:]
        paths = self._paths_of.get(raw)
        if paths is None:
            if len(self._paths_of) >= _PATHS_CACHE:
                self._paths_of.clear()
            paths = [p.decode("utf-8", "replace") for p in raw.split(b"\0")[:-1]]
            self._paths_of[raw] = paths
        return paths

    def write_pod_uid_of(self, tid: Tid, uid: str) -> None:
        """Write the prefetched thread's pod_uid (nothing to do when it already holds it)."""
        encoded = uid.encode()
        if encoded == self._ffi.string(self._cstate.uid):
            return
        if self._lib.k8smeta_write_pod_uid(self._cstate, tid, encoded) == -2:
            error = owner_error(self._ffi, self._cstate.parse_in)
            raise TableError(f"cannot write pod_uid: {error}")

    def write_pod_uid(self, entry: Any, uid: str) -> None:
        text = self._ffi.new("char[]", uid.encode())
        self._value.str = text
        rc = self.writer.write_entry_field(self._acc.table, entry, self._acc.f_pod, self._value)
        if rc != 0:
            raise TableError(f"cannot write pod_uid: {self._error()}")

    def _error(self) -> str:
        return owner_error(self._ffi, self.errors_from)
