"""`FalcoHost` over the built libk8smeta.so, loaded in this process with cffi's ABI mode.

Plays libsinsp's side of the ABI: the `threads` table (cgroups sub-tables, dynamic
fields) behind table/reader/writer vtables built per call, owner last errors, the log
function, and an async handler with the framework's checks (spec 7.2 step 1) feeding a
queue that `drain()` delivers back through parse_event on the calling ("event") thread.
Events are built here, in the real binary layout, independently of the plugin's code.
"""

from __future__ import annotations

import struct
import threading
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson
from cffi import FFI

from k8smeta.plugin.abi.cdef import PLUGIN_API_CDEF, PLUGIN_API_CDEF_ALIGNED, PLUGIN_SYMBOLS_CDEF
from tests.host.base import CLONE_FAMILY, EXECVE_X, EXECVEAT_X
from tests.host.inprocess import split_cgroups

ffi = FFI()
ffi.cdef(PLUGIN_API_CDEF, packed=True)
ffi.cdef(PLUGIN_API_CDEF_ALIGNED)
ffi.cdef(PLUGIN_SYMBOLS_CDEF)

ST_INT64, ST_UINT64, ST_STRING, ST_TABLE = 4, 8, 9, 10
_F_CGROUPS, _F_POD, _F_FIRST, _F_SECOND = 1, 2, 3, 4
_SEVERITY_NAMES = {8: "trace", 7: "debug", 6: "info", 4: "warning", 3: "error", 2: "critical"}
QUEUE_CAPACITY = 4096
_NO_ID = 0xFFFFFFFFFFFFFFFF
_HEADER = struct.Struct("<QQIHI")
_LIBS: dict[str, Any] = {}
_SYSCALL = ffi.new("char[]", b"syscall")


def load(path: Path) -> Any:
    """The library opened once per path (it is linked with -z nodelete anyway)."""
    key = str(path)
    if key not in _LIBS:
        _LIBS[key] = ffi.dlopen(key)
    return _LIBS[key]


def process_event(code: int, tid: int, res: int, cgroups: Sequence[str] | None) -> bytes:
    """A process exit event: 16-bit slots, res at 0, cgroups at 14 (spec 7.3)."""
    nparams = 31 if code == EXECVE_X else 30 if code == EXECVEAT_X else 21
    params = [b""] * nparams
    params[0] = struct.pack("<q", res)
    if cgroups is not None:
        params[14] = b"".join(c.encode() + b"\0" for c in cgroups)
    body = b"".join(params)
    length = 26 + 2 * nparams + len(body)
    slots = struct.pack(f"<{nparams}H", *map(len, params))
    return _HEADER.pack(1, tid & _NO_ID, length, code, nparams) + slots + body


def async_event(name: str, data: bytes, *, length_delta: int = 0) -> bytes:
    """A PPME_ASYNCEVENT_E event: 32-bit slots (spec 7.2); `length_delta` forges len[2]."""
    name_bytes = name.encode() + b"\0"
    length = 42 + len(name_bytes) + len(data)
    slots = struct.pack("<III", 4, len(name_bytes), len(data) + length_delta)
    header = _HEADER.pack(_NO_ID, _NO_ID, length, 402, 3)
    return header + slots + b"\0\0\0\0" + name_bytes + data


class _Cgroup:
    def __init__(self, first: str, second: str) -> None:
        self.first = ffi.new("char[]", first.encode())
        self.second = ffi.new("char[]", second.encode())
        self.handle = ffi.new_handle(self)


class _Thread:
    def __init__(self, tid: int) -> None:
        self.tid = tid
        self.cgroups: list[_Cgroup] = []
        self.pod_uid = ffi.new("char[]", b"")
        self.handle = ffi.new_handle(self)
        self.sub_table = _Table(self)


class _Table:
    """A table handle target: the threads table (thread None) or one cgroups sub-table."""

    def __init__(self, thread: _Thread | None) -> None:
        self.thread = thread
        self.handle = ffi.new_handle(self)


class ThreadsTable:
    """The host's `threads` table."""

    def __init__(self) -> None:
        self.threads: dict[int, _Thread] = {}
        self.table = _Table(None)
        self.pod_uid_added = False

    def ensure(self, tid: int) -> _Thread:
        thread = self.threads.get(tid)
        if thread is None:
            thread = self.threads[tid] = _Thread(tid)
        return thread

    def set_cgroups(self, tid: int, pairs: list[tuple[str, str]]) -> None:
        self.ensure(tid).cgroups = [_Cgroup(first, second) for first, second in pairs]


# -- the vtables' functions (libsinsp's side), created once --------------------------------
_CURRENT: list[SharedLibHost] = []


def _callback(cdecl: str, **options: Any) -> Callable[[Callable[..., Any]], Any]:
    """`ffi.callback` as a typed decorator (the callbacks live as long as the module)."""
    decorator: Callable[[Callable[..., Any]], Any] = ffi.callback(cdecl, **options)
    return decorator


def _host() -> SharedLibHost:
    return _CURRENT[-1]


def _fail(message: str) -> None:
    _host().owner_error = message.encode()


def _table_of(t: Any) -> _Table:
    table: _Table = ffi.from_handle(t)
    return table


@_callback("ss_plugin_table_info*(ss_plugin_owner_t*, uint32_t*)")
def _list_tables(owner: Any, n: Any) -> Any:
    host: SharedLibHost = ffi.from_handle(owner)
    n[0] = 1
    return host.table_infos


@_callback("ss_plugin_table_t*(ss_plugin_owner_t*, const char*, ss_plugin_state_type)")
def _get_table(owner: Any, name: Any, key_type: int) -> Any:
    host: SharedLibHost = ffi.from_handle(owner)
    if ffi.string(name) == b"threads" and key_type == ST_INT64 and not host.hide_threads_table:
        return host.threads.table.handle
    host.owner_error = b"table not found"
    return ffi.NULL


@_callback("ss_plugin_rc(ss_plugin_owner_t*, const ss_plugin_table_input*)", error=1)
def _add_table(owner: Any, table_input: Any) -> int:
    return 1


@_callback("ss_plugin_table_fieldinfo*(ss_plugin_table_t*, uint32_t*)")
def _list_fields(t: Any, n: Any) -> Any:
    host = _host()
    infos = host.thread_fields if _table_of(t).thread is None else host.cgroup_fields
    n[0] = len(infos)
    return infos


@_callback("ss_plugin_table_field_t*(ss_plugin_table_t*, const char*, ss_plugin_state_type)")
def _get_field(t: Any, name: Any, data_type: int) -> Any:
    key = (_table_of(t).thread is None, ffi.string(name), data_type)
    field = {
        (True, b"cgroups", ST_TABLE): _F_CGROUPS,
        (True, b"pod_uid", ST_STRING): _F_POD if _host().threads.pod_uid_added else 0,
        (False, b"first", ST_STRING): _F_FIRST,
        (False, b"second", ST_STRING): _F_SECOND,
    }.get(key, 0)
    if not field:
        _fail("field not found")
    return ffi.cast("void*", field)


@_callback("ss_plugin_table_field_t*(ss_plugin_table_t*, const char*, ss_plugin_state_type)")
def _add_field(t: Any, name: Any, data_type: int) -> Any:
    if _table_of(t).thread is not None or data_type == ST_TABLE:
        _fail("dynamic fields of this type are not supported")
        return ffi.NULL
    if ffi.string(name) != b"pod_uid" or data_type != ST_STRING:
        _fail("unexpected dynamic field")
        return ffi.NULL
    _host().threads.pod_uid_added = True
    return ffi.cast("void*", _F_POD)


@_callback("const char*(ss_plugin_table_t*)")
def _table_name(t: Any) -> Any:
    return _host().names[_table_of(t).thread is None]


@_callback("uint64_t(ss_plugin_table_t*)")
def _table_size(t: Any) -> int:
    thread = _table_of(t).thread
    return len(_host().threads.threads) if thread is None else len(thread.cgroups)


@_callback("ss_plugin_table_entry_t*(ss_plugin_table_t*, const ss_plugin_state_data*)")
def _get_entry(t: Any, key: Any) -> Any:
    thread = _table_of(t).thread
    if thread is None:
        found = _host().threads.threads.get(key.s64)
        if found is not None:
            return found.handle
    elif key.u64 < len(thread.cgroups):
        return thread.cgroups[key.u64].handle
    _fail("get_entry found no element at given key")
    return ffi.NULL


@_callback(
    "ss_plugin_rc(ss_plugin_table_t*, ss_plugin_table_entry_t*, const ss_plugin_table_field_t*,"
    " ss_plugin_state_data*)",
    error=1,
)
def _read(t: Any, e: Any, f: Any, out: Any) -> int:
    field = int(ffi.cast("uintptr_t", f))
    entry = ffi.from_handle(e)
    if field == _F_CGROUPS:
        out.table = entry.sub_table.handle
    elif field == _F_POD:
        out.str = entry.pod_uid
    elif field in (_F_FIRST, _F_SECOND):
        out.str = entry.first if field == _F_FIRST else entry.second
    else:
        _fail("unknown field")
        return 1
    return 0


@_callback("void(ss_plugin_table_t*, ss_plugin_table_entry_t*)")
def _release(t: Any, e: Any) -> None:
    _host().released += 1


@_callback(
    "ss_plugin_bool(ss_plugin_table_t*, ss_plugin_table_iterator_func_t,"
    " ss_plugin_table_iterator_state_t*)"
)
def _iterate(t: Any, it: Any, state: Any) -> int:
    thread = _table_of(t).thread
    entries = list(_host().threads.threads.values()) if thread is None else list(thread.cgroups)
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
    thread = _Thread(-1)
    _host().detached.append(thread)
    return thread.handle


@_callback("void(ss_plugin_table_t*, ss_plugin_table_entry_t*)")
def _destroy_entry(t: Any, e: Any) -> None:
    host = _host()
    host.detached = [d for d in host.detached if d.handle != e]


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
    if int(ffi.cast("uintptr_t", f)) != _F_POD or _table_of(t).thread is not None:
        _fail("field is read-only")
        return 1
    entry: _Thread = ffi.from_handle(e)
    entry.pod_uid = ffi.new("char[]", ffi.string(value.str))  # the framework copies
    return 0


@_callback("const char*(ss_plugin_owner_t*)")
def _owner_error(owner: Any) -> Any:
    host: SharedLibHost = ffi.from_handle(owner)
    host.owner_error_buffer = ffi.new("char[]", host.owner_error)
    return host.owner_error_buffer


@_callback("void(ss_plugin_owner_t*, const char*, const char*, ss_plugin_log_severity)")
def _log(owner: Any, component: Any, message: Any, severity: int) -> None:
    host: SharedLibHost = ffi.from_handle(owner)
    comp = None if component == ffi.NULL else ffi.string(component).decode()
    host.log_records.append(
        (comp, _SEVERITY_NAMES.get(severity, "?"), ffi.string(message).decode())
    )


@_callback("ss_plugin_rc(ss_plugin_owner_t*, const ss_plugin_event*, char*)", error=1)
def async_handler(owner: Any, evt: Any, err: Any) -> int:
    host: SharedLibHost = ffi.from_handle(owner)
    return host.accept_async(evt, err)


def reader_vtable() -> Any:
    """A reader vtable as libsinsp builds one for a call."""
    return ffi.new(
        "ss_plugin_table_reader_vtable_ext*",
        [_table_name, _table_size, _get_entry, _read, _release, _iterate],
    )


def writer_vtable() -> Any:
    """A writer vtable as libsinsp builds one for a call."""
    return ffi.new(
        "ss_plugin_table_writer_vtable_ext*",
        [_clear, _erase, _create, _destroy_entry, _add_entry, _write],
    )


class SharedLibHost:
    """FalcoHost implementation over the real shared library."""

    def __init__(self, library: Path) -> None:
        self.lib = load(library)
        self.threads = ThreadsTable()
        self.state: Any = ffi.NULL
        self.handle = ffi.new_handle(self)
        self.owner_error = b""
        self.owner_error_buffer: Any = ffi.NULL
        self.log_records: list[tuple[str | None, str, str]] = []
        self.released = 0
        self.detached: list[_Thread] = []
        self.queue: deque[bytes] = deque()
        self.queue_changed = threading.Condition()
        self.async_accepted = 0
        self.reject_async: str | None = None  # error text to refuse pushes with
        self.refused = 0
        self.hide_threads_table = False  # a host without the table the plugin needs
        self.with_log_fn = True  # False: like a host that passes no log function
        self.handler_set = False
        self._evtnum = 0
        self._last_error = ""
        self._names = [ffi.new("char[]", b"cgroups"), ffi.new("char[]", b"threads")]
        self.names = self._names
        self._fields_json: list[dict[str, Any]] = orjson.loads(
            ffi.string(self.lib.plugin_get_fields())
        )
        self._keep: list[Any] = []
        self.table_infos = ffi.new("ss_plugin_table_info[1]")
        self._threads_name = ffi.new("char[]", b"threads")
        self.table_infos[0].name = self._threads_name
        self.table_infos[0].key_type = ST_INT64
        self.thread_fields = self._field_infos(
            [(b"cgroups", ST_TABLE, 1), (b"pod_uid", ST_STRING, 0)]
        )
        self.cgroup_fields = self._field_infos(
            [(b"first", ST_STRING, 1), (b"second", ST_STRING, 1)]
        )

    def _field_infos(self, rows: list[tuple[bytes, int, int]]) -> Any:
        infos = ffi.new("ss_plugin_table_fieldinfo[]", len(rows))
        for info, (name, kind, read_only) in zip(infos, rows, strict=True):
            text = ffi.new("char[]", name)
            self._keep.append(text)
            info.name, info.field_type, info.read_only = text, kind, read_only
        return infos

    def _call(self) -> _Called:
        return _Called(self)

    # -- lifecycle ---------------------------------------------------------------------
    def init(self, config_json: str) -> str | None:
        fields = ffi.new(
            "ss_plugin_table_fields_vtable_ext*", [_list_fields, _get_field, _add_field]
        )
        reader, writer = reader_vtable(), writer_vtable()
        tables = ffi.new("ss_plugin_init_tables_input*")
        tables.list_tables, tables.get_table, tables.add_table = (
            _list_tables,
            _get_table,
            _add_table,
        )
        tables.fields_ext, tables.reader_ext, tables.writer_ext = fields, reader, writer
        config = ffi.new("char[]", config_json.encode())
        init_input = ffi.new(
            "ss_plugin_init_input*",
            [config, self.handle, _owner_error, tables, _log if self.with_log_fn else ffi.NULL],
        )
        rc = ffi.new("ss_plugin_rc*")
        with self._call():
            self.state = self.lib.plugin_init(init_input, rc)
        if rc[0] != 0:
            self._last_error = self.last_error()
            return self._last_error
        return None

    def close(self) -> None:
        if self.state == ffi.NULL:
            return
        with self._call():
            if self.handler_set:
                self.lib.plugin_set_async_event_handler(self.state, self.handle, ffi.NULL)
                self.handler_set = False
            self.lib.plugin_destroy(self.state)
        self.state = ffi.NULL

    def last_error(self) -> str:
        text: bytes = ffi.string(self.lib.plugin_get_last_error(self.state))
        return text.decode()

    # -- threads table ---------------------------------------------------------------
    def set_thread(self, tid: int, cgroups: Sequence[str]) -> None:
        self._evtnum += 1
        pairs = split_cgroups(cgroups)
        self.threads.ensure(tid)
        if pairs is not None:
            self.threads.set_cgroups(tid, pairs)

    def remove_thread(self, tid: int) -> None:
        self._evtnum += 1
        self.threads.threads.pop(tid, None)

    def thread_ids(self) -> list[int]:
        return sorted(self.threads.threads)

    def pod_uid(self, tid: int) -> str | None:
        thread = self.threads.threads.get(tid)
        return None if thread is None else ffi.string(thread.pod_uid).decode()

    def set_pod_uid(self, tid: int, uid: str) -> None:
        self._evtnum += 1
        self.threads.threads[tid].pod_uid = ffi.new("char[]", uid.encode())

    # -- events ------------------------------------------------------------------------
    def process_event(
        self, code: int, tid: int, res: int, cgroups: Sequence[str] | None = None
    ) -> bool:
        self.threads.ensure(tid)
        pairs = None if cgroups is None or res < 0 else split_cgroups(cgroups)
        if pairs is not None:
            target = res if code in CLONE_FAMILY and res > 0 else tid
            self.threads.ensure(target)
            self.threads.set_cgroups(target, pairs)
        return self.parse_raw(process_event(code, tid, res, cgroups))

    def parse_only(self, code: int, tid: int, res: int) -> bool:
        return self.parse_raw(process_event(code, tid, res, None))

    def async_event(self, name: str, data: bytes) -> bool:
        return self.parse_raw(async_event(name, data))

    def parse_raw(self, event: bytes) -> bool:
        """Deliver one event buffer to parse_event, as libsinsp's parser loop does."""
        self._evtnum += 1
        evt_input = ffi.new(
            "ss_plugin_event_input*",
            [ffi.from_buffer("ss_plugin_event*", event), self._evtnum, _SYSCALL],
        )
        parse_input = ffi.new("ss_plugin_event_parse_input*")
        parse_input.owner, parse_input.get_owner_last_error = self.handle, _owner_error
        reader, writer = reader_vtable(), writer_vtable()
        parse_input.table_reader_ext, parse_input.table_writer_ext = reader, writer
        with self._call():
            rc = self.lib.plugin_parse_event(self.state, evt_input, parse_input)
        return bool(rc == 0)

    def capture_open(self) -> None:
        reader, writer = reader_vtable(), writer_vtable()
        listen = ffi.new(
            "ss_plugin_capture_listen_input*", [self.handle, ffi.NULL, reader, writer, _owner_error]
        )
        with self._call():
            assert self.lib.plugin_capture_open(self.state, listen) == 0

    # -- async -------------------------------------------------------------------------
    def accept_async(self, evt: Any, err: Any) -> int:
        """The framework's checks (spec 7.2 step 1), then a copy into the queue."""
        if self.state == ffi.NULL or not self.handler_set:
            return _refuse(err, b"no async handler is set")
        raw = bytes(ffi.buffer(evt, 26))
        _, _, length, code, nparams = _HEADER.unpack(raw)
        if code != 402 or nparams != 3 or length < 42:
            return _refuse(err, b"malformed async event")
        event = bytes(ffi.buffer(evt, length))
        name_len = struct.unpack_from("<I", event, 30)[0]
        if event[42 : 42 + name_len] != b"k8s\0":
            return _refuse(err, b"async event name is not registered")
        if self.reject_async is not None:
            with self.queue_changed:
                self.refused += 1
                self.queue_changed.notify_all()
            return _refuse(err, self.reject_async.encode())
        with self.queue_changed:
            if len(self.queue) < QUEUE_CAPACITY:  # else dropped with a warning only
                self.queue.append(event)
                self.async_accepted += 1
            self.queue_changed.notify_all()
        return 0

    def start_feed(self) -> None:
        with self._call():
            assert (
                self.lib.plugin_set_async_event_handler(self.state, self.handle, async_handler) == 0
            )
        self.handler_set = True

    def stop_feed(self) -> None:
        with self._call():
            assert self.lib.plugin_set_async_event_handler(self.state, self.handle, ffi.NULL) == 0
        self.handler_set = False

    def wait_queued(self, count: int, timeout: float) -> bool:
        """Wait until `count` events were accepted in total."""
        with self.queue_changed:
            return self.queue_changed.wait_for(lambda: self.async_accepted >= count, timeout)

    def wait_refused(self, count: int, timeout: float) -> bool:
        """Wait until `count` pushes were refused in total."""
        with self.queue_changed:
            return self.queue_changed.wait_for(lambda: self.refused >= count, timeout)

    def drain(self) -> int:
        """Deliver the queued async events through parse_event (the event thread)."""
        delivered = 0
        while True:
            with self.queue_changed:
                if not self.queue:
                    return delivered
                event = self.queue.popleft()
            self.parse_raw(event)
            delivered += 1

    # -- extraction --------------------------------------------------------------------
    def resolve(self, field: str) -> tuple[int, str | None, bool]:
        name, bracket, rest = field.partition("[")
        arg = rest[:-1] if bracket and rest.endswith("]") else None
        if bracket and arg is None:
            raise ValueError(f"malformed field argument in '{field}'")
        for field_id, info in enumerate(self._fields_json):
            if info["name"] == name:
                if info["arg"]["isRequired"] != (arg is not None):
                    raise ValueError(f"argument mismatch for '{field}'")
                return field_id, arg, bool(info["isList"])
        raise ValueError(f"unknown field '{field}'")

    def extract(self, tid: int, field: str, evtnum: int | None = None) -> list[str] | None:
        field_id, arg, _ = self.resolve(field)
        values = self.extract_id(tid, field_id, arg, self._evtnum if evtnum is None else evtnum)
        return None if values is None else [v.decode() for v in values]

    def extract_id(
        self, tid: int, field_id: int, arg: str | None, evtnum: int
    ) -> list[bytes] | None:
        """One extract_fields call with num_fields = 1, as libsinsp makes them."""
        event = _HEADER.pack(1, tid & _NO_ID, 26, EXECVE_X, 0)
        evt_input = ffi.new(
            "ss_plugin_event_input*",
            [ffi.from_buffer("ss_plugin_event*", event), evtnum, _SYSCALL],
        )
        request = ffi.new("ss_plugin_extract_field*")
        key = ffi.NULL if arg is None else ffi.new("char[]", arg.encode())
        request.field_id, request.arg_key, request.arg_present = field_id, key, arg is not None
        request.ftype = 9
        extract_input = ffi.new("ss_plugin_field_extract_input*")
        extract_input.owner, extract_input.get_owner_last_error = self.handle, _owner_error
        extract_input.num_fields, extract_input.fields = 1, request
        reader = reader_vtable()
        extract_input.table_reader_ext = reader
        with self._call():
            rc = self.lib.plugin_extract_fields(self.state, evt_input, extract_input)
        if rc != 0 or request.res_len == 0:
            return None
        return [ffi.string(request.res.str[i]) for i in range(request.res_len)]

    def is_list(self, field: str) -> bool:
        return self.resolve(field)[2]

    # -- state ---------------------------------------------------------------------
    def metrics(self) -> dict[str, int]:
        num = ffi.new("uint32_t*")
        with self._call():
            array = self.lib.plugin_get_metrics(self.state, num)
        return {ffi.string(array[i].name).decode(): int(array[i].value.u64) for i in range(num[0])}

    def dump_state(self) -> list[bytes]:
        before = len(self.queue)
        handler_was = self.handler_set
        self.handler_set = True  # dump_state works on live and offline inspectors
        try:
            with self._call():
                assert self.lib.plugin_dump_state(self.state, self.handle, async_handler) == 0
        finally:
            self.handler_set = handler_was
        dumped = [self.queue.pop() for _ in range(len(self.queue) - before)][::-1]
        return [event[42 + 4 :] for event in dumped]

    def logs(self) -> list[tuple[str, str]]:
        return [(level, message) for _, level, message in self.log_records]


class _Called:
    """Marks the host as the one libsinsp callbacks act for, during one plugin call."""

    def __init__(self, host: SharedLibHost) -> None:
        self.host = host

    def __enter__(self) -> None:
        _CURRENT.append(self.host)

    def __exit__(self, *exc: object) -> None:
        _CURRENT.pop()


def _refuse(err: Any, message: bytes) -> int:
    ffi.memmove(err, message[:1023] + b"\0", min(len(message), 1023) + 1)
    return 1


LIBRARY = Path(__file__).resolve().parents[2] / "build" / "libk8smeta.so"


def make_host() -> SharedLibHost:
    """A host over build/libk8smeta.so (skipped when not built outside CI)."""
    import os

    import pytest

    if not LIBRARY.exists():
        if os.environ.get("CI"):
            pytest.fail("build/libk8smeta.so is missing: CI must run `make plugin` first")
        pytest.skip("build/libk8smeta.so is not built: run `make plugin`")
    return SharedLibHost(LIBRARY)
