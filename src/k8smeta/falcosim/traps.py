"""Traps for struct members past a generation's end: using them records a violation.

The Python host allocates full-size structs and fills members the generation does not
have with these, so a plugin that uses such a member (calls the log function, the owner
error getter, reads through the init tables' reader/writer vtables) is caught.
"""

from __future__ import annotations

from typing import Any

from k8smeta.falcosim.declarations import ffi
from k8smeta.falcosim.owner import Owner
from k8smeta.falcosim.tables import (
    _add_entry,
    _callback,
    _clear,
    _destroy_entry,
    _erase,
    _get_entry,
    _iterate,
    _release,
    _table_name,
    _table_of,
    _table_size,
    _write,
)


def _violation(o: Any, what: str) -> None:
    owner: Owner = ffi.from_handle(o)
    owner.threads.violations.append(what)


@_callback("void(ss_plugin_owner_t*, const char*, const char*, ss_plugin_log_severity)")
def trap_log(o: Any, component: Any, message: Any, severity: int) -> None:
    _violation(o, "init_input.log_fn (3.4.1)")


@_callback("const char*(ss_plugin_owner_t*)")
def trap_owner_error(o: Any) -> Any:
    _violation(o, "capture_listen_input.get_owner_last_error (3.9)")
    return ffi.NULL


@_callback("ss_plugin_table_entry_t*(ss_plugin_table_t*)")
def _trap_create(t: Any) -> Any:
    _table_of(t).threads.violations.append("init tables reader_ext/writer_ext (3.5)")
    return ffi.NULL


@_callback(
    "ss_plugin_rc(ss_plugin_table_t*, ss_plugin_table_entry_t*, const ss_plugin_table_field_t*,"
    " ss_plugin_state_data*)",
    error=1,
)
def _trap_read(t: Any, e: Any, f: Any, out: Any) -> int:
    _table_of(t).threads.violations.append("init tables reader_ext/writer_ext (3.5)")
    return 1


def trap_reader_vtable() -> Any:
    """A reader vtable past a struct's end: reading through it records a violation."""
    return ffi.new(
        "reader_vtable_ext*", [_table_name, _table_size, _get_entry, _trap_read, _release, _iterate]
    )


def trap_writer_vtable() -> Any:
    """A writer vtable past a struct's end: creating an entry records a violation."""
    return ffi.new(
        "writer_vtable*", [_clear, _erase, _trap_create, _destroy_entry, _add_entry, _write]
    )
