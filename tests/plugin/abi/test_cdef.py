"""Our C declarations have the sizes and offsets of the plugin API headers (LP64)."""

from __future__ import annotations

import pytest
from cffi import FFI

from k8smeta.plugin.abi.cdef import PLUGIN_API_CDEF, PLUGIN_API_CDEF_ALIGNED, PLUGIN_SYMBOLS_CDEF
from tests.plugin.abi.exported import PLUGIN_SYMBOLS

_FFI = FFI()
_FFI.cdef(PLUGIN_API_CDEF, packed=True)
_FFI.cdef(PLUGIN_API_CDEF_ALIGNED)
_FFI.cdef(PLUGIN_SYMBOLS_CDEF)


@pytest.mark.parametrize(
    ("struct", "size"),
    [
        ("ss_plugin_event", 26),
        ("ss_plugin_event_input", 24),
        ("ss_plugin_byte_buffer", 16),
        ("ss_plugin_extract_value_offsets", 16),
        ("ss_plugin_extract_field", 64),
        ("ss_plugin_state_data", 8),
        ("ss_plugin_table_info", 16),
        ("ss_plugin_table_fieldinfo", 16),
        ("ss_plugin_table_fields_vtable_ext", 24),
        ("ss_plugin_table_reader_vtable", 32),
        ("ss_plugin_table_reader_vtable_ext", 48),
        ("ss_plugin_table_writer_vtable_ext", 48),
        ("ss_plugin_routine_vtable", 16),
        ("ss_plugin_table_input", 152),
        ("ss_plugin_init_tables_input", 72),
        ("ss_plugin_init_input", 40),
        ("ss_plugin_field_extract_input", 80),
        ("ss_plugin_event_parse_input", 112),
        ("ss_plugin_set_config_input", 8),
        ("ss_plugin_capture_listen_input", 40),
        ("ss_plugin_metric", 32),
    ],
)
def test_struct_sizes(struct: str, size: int) -> None:
    assert _FFI.sizeof(struct) == size


@pytest.mark.parametrize(
    ("struct", "member", "offset"),
    [
        ("ss_plugin_event", "len", 16),
        ("ss_plugin_event", "type", 20),
        ("ss_plugin_event", "nparams", 22),
        ("ss_plugin_event_input", "evtsrc", 16),
        ("ss_plugin_extract_field", "res_len", 8),
        ("ss_plugin_extract_field", "field_id", 16),
        ("ss_plugin_extract_field", "arg_key", 32),
        ("ss_plugin_extract_field", "arg_present", 48),
        ("ss_plugin_extract_field", "flist", 56),
        ("ss_plugin_table_fieldinfo", "read_only", 12),
        ("ss_plugin_table_reader_vtable_ext", "release_table_entry", 32),
        ("ss_plugin_table_reader_vtable_ext", "iterate_entries", 40),
        ("ss_plugin_table_writer_vtable_ext", "write_entry_field", 40),
        ("ss_plugin_table_input", "reader", 24),
        ("ss_plugin_table_input", "writer", 56),
        ("ss_plugin_table_input", "fields", 104),
        ("ss_plugin_table_input", "fields_ext", 144),
        ("ss_plugin_init_tables_input", "fields", 24),
        ("ss_plugin_init_tables_input", "fields_ext", 48),
        ("ss_plugin_init_tables_input", "writer_ext", 64),
        ("ss_plugin_init_input", "tables", 24),
        ("ss_plugin_init_input", "log_fn", 32),
        ("ss_plugin_field_extract_input", "num_fields", 16),
        ("ss_plugin_field_extract_input", "fields", 24),
        ("ss_plugin_field_extract_input", "table_reader", 32),
        ("ss_plugin_field_extract_input", "table_reader_ext", 64),
        ("ss_plugin_field_extract_input", "value_offsets", 72),
        ("ss_plugin_event_parse_input", "table_reader", 16),
        ("ss_plugin_event_parse_input", "table_writer", 48),
        ("ss_plugin_event_parse_input", "table_reader_ext", 96),
        ("ss_plugin_event_parse_input", "table_writer_ext", 104),
        ("ss_plugin_capture_listen_input", "get_owner_last_error", 32),
        ("ss_plugin_metric", "type", 8),
        ("ss_plugin_metric", "value", 16),
        ("ss_plugin_metric", "value_type", 24),
    ],
)
def test_member_offsets(struct: str, member: str, offset: int) -> None:
    assert _FFI.offsetof(struct, member) == offset


def test_exactly_25_symbols_declared() -> None:
    assert len(PLUGIN_SYMBOLS) == len(set(PLUGIN_SYMBOLS)) == 25
    assert all(name.startswith("plugin_") for name in PLUGIN_SYMBOLS)
