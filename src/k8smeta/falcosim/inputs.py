"""The `in` structs of each call, as a host of one generation fills them.

Members a generation does not have are not filled with real values: the struct is
allocated at full (3.12) size so a read stays inside the allocation, and the missing tail
holds traps that record a violation when the plugin uses them (a log function, owner-error
getter or vtables that complain). The C host checks real over-reads under valgrind.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from k8smeta.falcosim import tables
from k8smeta.falcosim.declarations import FTYPE_STRING, ffi
from k8smeta.falcosim.generations import Generation
from k8smeta.falcosim.owner import Owner, add_table, get_table, list_tables, owner_error
from k8smeta.falcosim.owner import log_fn as host_log_fn
from k8smeta.falcosim.traps import (
    trap_log,
    trap_owner_error,
    trap_reader_vtable,
    trap_writer_vtable,
)

_SYSCALL = ffi.new("char[]", b"syscall")


class Inputs:
    """Builds the per-call inputs of one owner on one generation; keeps them alive."""

    def __init__(self, owner: Owner, generation: Generation) -> None:
        self.owner = owner
        self.generation = generation
        self._keep: list[Any] = []
        self.offsets_trap = ffi.new("ss_plugin_extract_value_offsets*")

    def _fits(self, struct: str, member: str) -> bool:
        return bool(ffi.offsetof(struct, member) < self.generation.size_of(struct))

    def init(self, config: bytes, *, with_log_fn: bool) -> Any:
        """`ss_plugin_init_input` with its tables input (vtables live until the next init)."""
        gen_tables = ffi.new("ss_plugin_init_tables_input*")
        gen_tables.list_tables, gen_tables.get_table = list_tables, get_table
        gen_tables.add_table = add_table
        fields = tables.fields_vtable()
        gen_tables.fields.list_table_fields = fields.list_table_fields
        gen_tables.fields.get_table_field = fields.get_table_field
        gen_tables.fields.add_table_field = fields.add_table_field
        gen_tables.fields_ext = fields
        ext = self._fits("ss_plugin_init_tables_input", "reader_ext")
        reader = tables.reader_vtable() if ext else trap_reader_vtable()
        writer = tables.writer_vtable() if ext else trap_writer_vtable()
        gen_tables.reader_ext, gen_tables.writer_ext = reader, writer
        text = ffi.new("char[]", config)
        init_input = ffi.new("ss_plugin_init_input*")
        init_input.config, init_input.owner = text, self.owner.handle
        init_input.get_owner_last_error, init_input.tables = owner_error, gen_tables
        has_log = self._fits("ss_plugin_init_input", "log_fn")
        init_input.log_fn = (host_log_fn if with_log_fn else ffi.NULL) if has_log else trap_log
        self._keep = [gen_tables, fields, reader, writer, text]
        return init_input

    def event(self, event: bytes, evtnum: int) -> tuple[Any, Any]:
        """(`ss_plugin_event_input`, the buffer it points to)."""
        buffer = ffi.from_buffer("ss_plugin_event*", event)
        return ffi.new("ss_plugin_event_input*", [buffer, evtnum, _SYSCALL]), buffer

    def parse(self) -> tuple[Any, list[Any]]:
        """`ss_plugin_event_parse_input` with fresh vtables (and what keeps them alive)."""
        parse_input = ffi.new("ss_plugin_event_parse_input*")
        parse_input.owner, parse_input.get_owner_last_error = self.owner.handle, owner_error
        reader, writer = tables.reader_vtable(), tables.writer_vtable()
        parse_input.table_reader_ext, parse_input.table_writer_ext = reader, writer
        return parse_input, [reader, writer]

    def extract(self, request: Any, count: int = 1) -> tuple[Any, list[Any]]:
        """`ss_plugin_field_extract_input` for `count` requests (an array of them), with a
        fresh reader vtable."""
        extract_input = ffi.new("ss_plugin_field_extract_input*")
        extract_input.owner, extract_input.get_owner_last_error = self.owner.handle, owner_error
        extract_input.num_fields, extract_input.fields = count, request
        reader = tables.reader_vtable()
        extract_input.table_reader_ext = reader
        offsets = ffi.NULL
        if not self._fits("ss_plugin_field_extract_input", "value_offsets"):
            offsets = self.offsets_trap
        extract_input.value_offsets = offsets
        return extract_input, [reader]

    def check_offsets_trap(self) -> None:
        if self.offsets_trap.start != ffi.NULL or self.offsets_trap.length != ffi.NULL:
            self.owner.threads.violations.append("field_extract_input.value_offsets (3.11)")

    def capture_listen(self) -> tuple[Any, list[Any]]:
        """`ss_plugin_capture_listen_input` with fresh vtables."""
        listen = ffi.new("ss_plugin_capture_listen_input*")
        reader, writer = tables.reader_vtable(), tables.writer_vtable()
        listen.owner, listen.routine = self.owner.handle, ffi.NULL
        listen.table_reader_ext, listen.table_writer_ext = reader, writer
        has_error = self._fits("ss_plugin_capture_listen_input", "get_owner_last_error")
        listen.get_owner_last_error = owner_error if has_error else trap_owner_error
        return listen, [reader, writer]

    @staticmethod
    def request(field_id: int, arg: Any) -> Any:
        """One `ss_plugin_extract_field` asking for a string field."""
        request = ffi.new("ss_plugin_extract_field*")
        request.field_id, request.arg_key, request.arg_present = field_id, arg, arg != ffi.NULL
        request.ftype = FTYPE_STRING
        return request

    @staticmethod
    def requests(fields: Sequence[tuple[int, Any]]) -> Any:
        """An array of `ss_plugin_extract_field`, one per (field id, arg key), strings."""
        array = ffi.new("ss_plugin_extract_field[]", len(fields))
        for i, (field_id, arg) in enumerate(fields):
            array[i].field_id, array[i].arg_key = field_id, arg
            array[i].arg_present, array[i].ftype = arg != ffi.NULL, FTYPE_STRING
        return array
