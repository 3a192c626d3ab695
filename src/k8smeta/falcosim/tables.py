"""libsinsp's `threads` table as a plugin sees it: handles, field accessors and vtables.

Each thread has a `cgroups` sub-table (entries `first` = subsystem, `second` = path,
keyed by a UINT64 index) when the host generation exposes it (API >= 3.9), and the
dynamic string fields plugins add (`pod_uid`). Vtables are built per call, as libsinsp
builds them on its stack; their functions find the table through the table handle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from k8smeta.falcosim.declarations import ST_STRING, ST_TABLE, ffi

_F_CGROUPS, _F_FIRST, _F_SECOND = 1, 2, 3
_F_DYNAMIC = 16  # accessor of the first dynamic field; the next ones follow


class Cgroup:
    """One `cgroups` sub-table entry."""

    def __init__(self, first: str, second: str) -> None:
        self.first = ffi.new("char[]", first.encode())
        self.second = ffi.new("char[]", second.encode())
        self.handle = ffi.new_handle(self)


class Thread:
    """One `threads` entry: cgroups as libsinsp stores them, dynamic string fields."""

    def __init__(self, table: ThreadsTable, tid: int) -> None:
        self.tid = tid
        self.cgroups: list[Cgroup] = []
        self.dynamic: dict[int, Any] = {}
        self.handle = ffi.new_handle(self)
        self.sub_table = Table(table, self)

    def read_dynamic(self, field: int) -> Any:
        value = self.dynamic.get(field)
        if value is None:
            value = self.dynamic[field] = ffi.new("char[]", b"")
        return value


class Table:
    """A table handle's target: the threads table (thread None) or one cgroups sub-table."""

    def __init__(self, threads: ThreadsTable, thread: Thread | None) -> None:
        self.threads = threads
        self.thread = thread
        self.handle = ffi.new_handle(self)


class ThreadsTable:
    """The `threads` table of one owner."""

    def __init__(self, fail: Callable[[str], None], *, with_cgroups: bool) -> None:
        self.fail = fail
        self.with_cgroups = with_cgroups
        self.threads: dict[int, Thread] = {}
        self.table = Table(self, None)
        self.dynamic_names: list[bytes] = []
        self.released = 0
        self.violations: list[str] = []  # members past the generation's structs that were used
        self.detached: list[Thread] = []
        self._keep: list[Any] = []
        self.name = ffi.new("char[]", b"threads")
        self.sub_name = ffi.new("char[]", b"cgroups")
        self.cgroup_fields = self._infos([(b"first", ST_STRING, 1), (b"second", ST_STRING, 1)])
        self.thread_fields = self._infos([])

    def _infos(self, rows: list[tuple[bytes, int, int]]) -> Any:
        infos = ffi.new("ss_plugin_table_fieldinfo[]", max(len(rows), 1))
        for info, (name, kind, read_only) in zip(infos, rows, strict=False):
            text = ffi.new("char[]", name)
            self._keep.append(text)
            info.name, info.field_type, info.read_only = text, kind, read_only
        return infos

    def field_rows(self) -> list[tuple[bytes, int, int]]:
        """The fields this generation lists for `threads` (plus the dynamic ones)."""
        rows = [(b"cgroups", ST_TABLE, 1)] if self.with_cgroups else []
        return rows + [(name, ST_STRING, 0) for name in self.dynamic_names]

    def ensure(self, tid: int) -> Thread:
        thread = self.threads.get(tid)
        if thread is None:
            thread = self.threads[tid] = Thread(self, tid)
        return thread

    def set_cgroups(self, tid: int, pairs: list[tuple[str, str]]) -> None:
        self.ensure(tid).cgroups = [Cgroup(first, second) for first, second in pairs]

    def dynamic_field(self, name: bytes) -> int:
        """The accessor of a dynamic field (0 when there is none of this name)."""
        if name in self.dynamic_names:
            return _F_DYNAMIC + self.dynamic_names.index(name)
        return 0

    def read_string(self, tid: int, name: bytes) -> str | None:
        """A dynamic field's value; None when the thread or the field does not exist."""
        thread, field = self.threads.get(tid), self.dynamic_field(name)
        if thread is None or not field:
            return None
        text: bytes = ffi.string(thread.read_dynamic(field))
        return text.decode()

    def write_string(self, tid: int, name: bytes, value: str) -> None:
        self.threads[tid].dynamic[self.dynamic_field(name)] = ffi.new("char[]", value.encode())


def _callback(cdecl: str, **options: Any) -> Callable[[Callable[..., Any]], Any]:
    """`ffi.callback` as a typed decorator (the callbacks live as long as the module)."""
    decorator: Callable[[Callable[..., Any]], Any] = ffi.callback(cdecl, **options)
    return decorator


def _table_of(t: Any) -> Table:
    table: Table = ffi.from_handle(t)
    return table


@_callback("ss_plugin_table_fieldinfo*(ss_plugin_table_t*, uint32_t*)")
def _list_fields(t: Any, n: Any) -> Any:
    table = _table_of(t)
    if table.thread is not None:
        n[0] = 2
        return table.threads.cgroup_fields
    rows = table.threads.field_rows()
    table.threads.thread_fields = table.threads._infos(rows)
    n[0] = len(rows)
    return table.threads.thread_fields


@_callback("ss_plugin_table_field_t*(ss_plugin_table_t*, const char*, ss_plugin_state_type)")
def _get_field(t: Any, name: Any, data_type: int) -> Any:
    table, text = _table_of(t), ffi.string(name)
    if table.thread is None:
        if (text, data_type) == (b"cgroups", ST_TABLE) and table.threads.with_cgroups:
            field = _F_CGROUPS
        else:
            field = table.threads.dynamic_field(text) if data_type == ST_STRING else 0
    else:
        field = {(b"first", ST_STRING): _F_FIRST, (b"second", ST_STRING): _F_SECOND}.get(
            (text, data_type), 0
        )
    if not field:
        table.threads.fail("field not found")
    return ffi.cast("void*", field)


@_callback("ss_plugin_table_field_t*(ss_plugin_table_t*, const char*, ss_plugin_state_type)")
def _add_field(t: Any, name: Any, data_type: int) -> Any:
    table, text = _table_of(t), ffi.string(name)
    if table.thread is not None or data_type == ST_TABLE:
        table.threads.fail("dynamic fields of this type are not supported")
        return ffi.NULL
    if data_type != ST_STRING or text in (b"cgroups", b"tid"):
        table.threads.fail("unexpected dynamic field")
        return ffi.NULL
    if text not in table.threads.dynamic_names:
        table.threads.dynamic_names.append(text)
    return ffi.cast("void*", table.threads.dynamic_field(text))


@_callback("const char*(ss_plugin_table_t*)")
def _table_name(t: Any) -> Any:
    table = _table_of(t)
    return table.threads.name if table.thread is None else table.threads.sub_name


@_callback("uint64_t(ss_plugin_table_t*)")
def _table_size(t: Any) -> int:
    table = _table_of(t)
    return len(table.threads.threads) if table.thread is None else len(table.thread.cgroups)


@_callback("ss_plugin_table_entry_t*(ss_plugin_table_t*, const ss_plugin_state_data*)")
def _get_entry(t: Any, key: Any) -> Any:
    table = _table_of(t)
    if table.thread is None:
        found = table.threads.threads.get(key.s64)
        if found is not None:
            return found.handle
    elif key.u64 < len(table.thread.cgroups):
        return table.thread.cgroups[key.u64].handle
    table.threads.fail("get_entry found no element at given key")
    return ffi.NULL


@_callback(
    "ss_plugin_rc(ss_plugin_table_t*, ss_plugin_table_entry_t*, const ss_plugin_table_field_t*,"
    " ss_plugin_state_data*)",
    error=1,
)
def _read(t: Any, e: Any, f: Any, out: Any) -> int:
    field, table = int(ffi.cast("uintptr_t", f)), _table_of(t)
    entry = ffi.from_handle(e)
    if field == _F_CGROUPS and table.thread is None:
        out.table = entry.sub_table.handle
    elif field >= _F_DYNAMIC and table.thread is None:
        out.str = entry.read_dynamic(field)
    elif field in (_F_FIRST, _F_SECOND) and table.thread is not None:
        out.str = entry.first if field == _F_FIRST else entry.second
    else:
        table.threads.fail("unknown field")
        return 1
    return 0


@_callback("void(ss_plugin_table_t*, ss_plugin_table_entry_t*)")
def _release(t: Any, e: Any) -> None:
    _table_of(t).threads.released += 1


@_callback(
    "ss_plugin_bool(ss_plugin_table_t*, ss_plugin_table_iterator_func_t,"
    " ss_plugin_table_iterator_state_t*)"
)
def _iterate(t: Any, it: Any, state: Any) -> int:
    table = _table_of(t)
    entries: list[Any] = (
        list(table.threads.threads.values()) if table.thread is None else list(table.thread.cgroups)
    )
    for entry in entries:
        if not it(state, entry.handle):
            return 0
    return 1


@_callback("ss_plugin_rc(ss_plugin_table_t*)", error=1)
def _clear(t: Any) -> int:
    return 1


@_callback("ss_plugin_rc(ss_plugin_table_t*, const ss_plugin_state_data*)", error=1)
def _erase(t: Any, key: Any) -> int:
    return 1


@_callback("ss_plugin_table_entry_t*(ss_plugin_table_t*)")
def _create(t: Any) -> Any:
    threads = _table_of(t).threads
    thread = Thread(threads, -1)
    threads.detached.append(thread)
    return thread.handle


@_callback("void(ss_plugin_table_t*, ss_plugin_table_entry_t*)")
def _destroy_entry(t: Any, e: Any) -> None:
    threads = _table_of(t).threads
    threads.detached = [d for d in threads.detached if d.handle != e]


@_callback(
    "ss_plugin_table_entry_t*(ss_plugin_table_t*, const ss_plugin_state_data*,"
    " ss_plugin_table_entry_t*)"
)
def _add_entry(t: Any, key: Any, e: Any) -> Any:
    return ffi.NULL


@_callback(
    "ss_plugin_rc(ss_plugin_table_t*, ss_plugin_table_entry_t*, const ss_plugin_table_field_t*,"
    " const ss_plugin_state_data*)",
    error=1,
)
def _write(t: Any, e: Any, f: Any, value: Any) -> int:
    field, table = int(ffi.cast("uintptr_t", f)), _table_of(t)
    if field < _F_DYNAMIC or table.thread is not None:
        table.threads.fail("field is read-only")
        return 1
    entry: Thread = ffi.from_handle(e)
    entry.dynamic[field] = ffi.new("char[]", ffi.string(value.str))  # the framework copies
    return 0


def fields_vtable() -> Any:
    """A fields vtable (`fields_ext`)."""
    return ffi.new("fields_vtable*", [_list_fields, _get_field, _add_field])


def reader_vtable() -> Any:
    """A reader vtable (`reader_ext`), built per call as libsinsp does."""
    return ffi.new(
        "reader_vtable_ext*", [_table_name, _table_size, _get_entry, _read, _release, _iterate]
    )


def writer_vtable() -> Any:
    """A writer vtable (`writer_ext`), built per call as libsinsp does."""
    return ffi.new("writer_vtable*", [_clear, _erase, _create, _destroy_entry, _add_entry, _write])
