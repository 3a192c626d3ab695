"""The `threads` table at plugin_init: find it, add `pod_uid` and the container ID, get
the field accessors.

`setup_threads_table` runs the init sequence (docs/plugin-contract.md, "Threads table")
and returns the accessors kept for the plugin's lifetime; `has_cgroups_table` tells the
host generation apart. The per-call views of threads are in `thread_views`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from k8smeta.plugin.abi.cdef import (
    SS_PLUGIN_ST_INT64,
    SS_PLUGIN_ST_STRING,
    SS_PLUGIN_ST_TABLE,
    SS_PLUGIN_SUCCESS,
)
from k8smeta.plugin.abi.marshal import c_text

CONTAINER_ID_FIELD = b"k8smeta.container_id"
"""The thread's container ID (ours: `container_id` belongs to the host or its container
plugin)."""


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
    f_container: Any

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

    Read through `fields_ext->list_table_fields` (API 3.1), it is the evidence that
    licenses reading the members that arrived up to 3.9 (docs/falco-versions.md). False
    when anything fails.
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
    """Get `threads`, its `cgroups` sub-table accessors (only when the host has the
    sub-table) and add the `pod_uid` and container ID string fields."""
    table = threads_table(ffi, inp)
    fields = inp.tables.fields_ext
    f_cgroups = f_second = ffi.NULL
    if sub_table:
        f_cgroups, f_second = _cgroups_accessors(ffi, inp, table)
    f_pod = fields.add_table_field(table, b"pod_uid", SS_PLUGIN_ST_STRING)
    if f_pod == ffi.NULL:
        raise TableSetupError(owner_error(ffi, inp))
    f_container = fields.add_table_field(table, CONTAINER_ID_FIELD, SS_PLUGIN_ST_STRING)
    if f_container == ffi.NULL:
        raise TableSetupError(owner_error(ffi, inp))
    return Accessors(table, f_cgroups, f_second, f_pod, f_container)


def _cgroups_accessors(ffi: Any, inp: Any, table: Any) -> tuple[Any, Any]:
    """The `cgroups` field and its sub-table's `second` field, found through a scratch
    entry; reads `reader_ext`/`writer_ext` of the tables input (API 3.5)."""
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
        if reader.read_entry_field(table, entry, f_cgroups, out) != SS_PLUGIN_SUCCESS:
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
