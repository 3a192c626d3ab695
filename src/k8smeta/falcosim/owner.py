"""The owner a plugin state talks back to: owner errors, the log function, the async queue.

The async handler applies libsinsp's checks of a push (docs/plugin-contract.md, "Events"),
copies `len` bytes into a bounded queue (capacity 4096; overflow drops with a warning only)
and the host delivers queued events through `parse_event` on its event thread. The owner
also answers the init tables' `list_tables`/`get_table`/`add_table`.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from typing import Any

from k8smeta.falcosim.declarations import MAX_ERRLEN, SEVERITY_NAMES, ST_INT64, ffi
from k8smeta.falcosim.events import HEADER_SIZE, async_check, async_name
from k8smeta.falcosim.tables import ThreadsTable, _callback

QUEUE_CAPACITY = 4096
_log = logging.getLogger(__name__)


class Owner:
    """Everything libsinsp keeps per plugin owner."""

    def __init__(self, async_names: list[bytes], *, with_cgroups: bool) -> None:
        self.handle = ffi.new_handle(self)
        self.error = b""
        self._error_buffer: Any = ffi.NULL
        self.log_records: list[tuple[str | None, str, str]] = []
        self.threads = ThreadsTable(self.fail, with_cgroups=with_cgroups)
        self.hide_threads_table = False
        self.async_names = async_names
        self.queue: deque[bytes] = deque()
        self.queue_changed = threading.Condition()
        self.handler_set = False
        self.reject_async: str | None = None
        self.accepted = 0
        self.refused = 0
        self.table_infos = ffi.new("ss_plugin_table_info[1]")
        self.table_infos[0].name = self.threads.name
        self.table_infos[0].key_type = ST_INT64

    def fail(self, message: str) -> None:
        self.error = message.encode()

    def error_text(self) -> Any:
        self._error_buffer = ffi.new("char[]", self.error)
        return self._error_buffer

    def accept_async(self, evt: Any, err: Any) -> int:
        """The framework's checks, then a copy of the event into the queue."""
        if not self.handler_set:
            return _refuse(err, b"no async handler is set")
        length, refusal = async_check(bytes(ffi.buffer(evt, HEADER_SIZE)))
        if refusal is not None:
            return _refuse(err, refusal.encode())
        event = bytes(ffi.buffer(evt, length))
        if async_name(event).rstrip(b"\0") not in self.async_names:
            return _refuse(err, b"async event name is not registered")
        with self.queue_changed:
            if self.reject_async is not None:
                self.refused += 1
                self.queue_changed.notify_all()
                return _refuse(err, self.reject_async.encode())
            if len(self.queue) < QUEUE_CAPACITY:
                self.queue.append(event)
                self.accepted += 1
            else:
                _log.warning("async event queue is full")
            self.queue_changed.notify_all()
        return 0

    def pop_async(self) -> bytes | None:
        with self.queue_changed:
            return self.queue.popleft() if self.queue else None


def _refuse(err: Any, message: bytes) -> int:
    text = message[: MAX_ERRLEN - 1] + b"\0"
    ffi.memmove(err, text, len(text))
    return 1


def _owner_of(o: Any) -> Owner:
    owner: Owner = ffi.from_handle(o)
    return owner


@_callback("const char*(ss_plugin_owner_t*)")
def owner_error(o: Any) -> Any:
    return _owner_of(o).error_text()


@_callback("void(ss_plugin_owner_t*, const char*, const char*, ss_plugin_log_severity)")
def log_fn(o: Any, component: Any, message: Any, severity: int) -> None:
    comp = None if component == ffi.NULL else ffi.string(component).decode()
    _owner_of(o).log_records.append(
        (comp, SEVERITY_NAMES.get(severity, "?"), ffi.string(message).decode())
    )


@_callback("ss_plugin_rc(ss_plugin_owner_t*, const ss_plugin_event*, char*)", error=1)
def async_handler(o: Any, evt: Any, err: Any) -> int:
    return _owner_of(o).accept_async(evt, err)


@_callback("ss_plugin_table_info*(ss_plugin_owner_t*, uint32_t*)")
def list_tables(o: Any, n: Any) -> Any:
    n[0] = 1
    return _owner_of(o).table_infos


@_callback("ss_plugin_table_t*(ss_plugin_owner_t*, const char*, ss_plugin_state_type)")
def get_table(o: Any, name: Any, key_type: int) -> Any:
    owner = _owner_of(o)
    if ffi.string(name) == b"threads" and key_type == ST_INT64 and not owner.hide_threads_table:
        return owner.threads.table.handle
    owner.fail("table not found")
    return ffi.NULL


@_callback("ss_plugin_rc(ss_plugin_owner_t*, const void*)", error=1)
def add_table(o: Any, _table_input: Any) -> int:
    _owner_of(o).fail("adding tables is not supported by this host")
    return 1
