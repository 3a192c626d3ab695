"""The plugin API as a host declares it (3.12 layout), and the one `ffi` of the host.

Written from the specification, independently of the plugin's own declarations: a host
must not trust the library's idea of the ABI. Older generations pass prefixes of these
structs (see `generations`).
"""

from __future__ import annotations

from typing import Final

from cffi import FFI

_PACKED: Final = r"""
typedef uint32_t ss_plugin_bool;
typedef int ss_plugin_rc;
typedef int ss_plugin_state_type;
typedef int ss_plugin_schema_type;
typedef int ss_plugin_log_severity;
typedef void ss_plugin_t;
typedef void ss_plugin_owner_t;
typedef void ss_plugin_table_t;
typedef void ss_plugin_table_entry_t;
typedef void ss_plugin_table_field_t;
typedef void ss_plugin_table_iterator_state_t;
typedef struct { uint64_t ts; uint64_t tid; uint32_t len; uint16_t type; uint32_t nparams; }
    ss_plugin_event;
"""

_ALIGNED: Final = r"""
typedef struct { const ss_plugin_event* evt; uint64_t evtnum; const char* evtsrc; }
    ss_plugin_event_input;
typedef struct { uint32_t len; const void* ptr; } ss_plugin_byte_buffer;
typedef struct { uint32_t* start; uint32_t* length; } ss_plugin_extract_value_offsets;
typedef struct {
    union { const char** str; uint64_t* u64; uint32_t* u32; ss_plugin_bool* boolean;
            ss_plugin_byte_buffer* buf; } res;
    uint64_t res_len; uint32_t field_id; const char* field; const char* arg_key;
    uint64_t arg_index; ss_plugin_bool arg_present; uint32_t ftype; ss_plugin_bool flist;
} ss_plugin_extract_field;
typedef union { int8_t s8; int16_t s16; int32_t s32; int64_t s64; uint8_t u8; uint16_t u16;
    uint32_t u32; uint64_t u64; const char* str; ss_plugin_bool b; ss_plugin_table_t* table; }
    ss_plugin_state_data;
typedef struct { const char* name; ss_plugin_state_type key_type; } ss_plugin_table_info;
typedef struct { const char* name; ss_plugin_state_type field_type; ss_plugin_bool read_only; }
    ss_plugin_table_fieldinfo;
typedef ss_plugin_bool (*ss_plugin_table_iterator_func_t)(
    ss_plugin_table_iterator_state_t*, ss_plugin_table_entry_t*);
typedef void (*ss_plugin_log_fn_t)(ss_plugin_owner_t*, const char*, const char*,
    ss_plugin_log_severity);
typedef ss_plugin_rc (*ss_plugin_async_event_handler_t)(ss_plugin_owner_t*,
    const ss_plugin_event*, char*);
typedef const char* (*owner_error_fn)(ss_plugin_owner_t*);
typedef struct {
    const ss_plugin_table_fieldinfo* (*list_table_fields)(ss_plugin_table_t*, uint32_t*);
    ss_plugin_table_field_t* (*get_table_field)(ss_plugin_table_t*, const char*,
        ss_plugin_state_type);
    ss_plugin_table_field_t* (*add_table_field)(ss_plugin_table_t*, const char*,
        ss_plugin_state_type);
} fields_vtable;
typedef struct {
    const char* (*get_table_name)(ss_plugin_table_t*);
    uint64_t (*get_table_size)(ss_plugin_table_t*);
    ss_plugin_table_entry_t* (*get_table_entry)(ss_plugin_table_t*, const ss_plugin_state_data*);
    ss_plugin_rc (*read_entry_field)(ss_plugin_table_t*, ss_plugin_table_entry_t*,
        const ss_plugin_table_field_t*, ss_plugin_state_data*);
} reader_vtable;
typedef struct {
    const char* (*get_table_name)(ss_plugin_table_t*);
    uint64_t (*get_table_size)(ss_plugin_table_t*);
    ss_plugin_table_entry_t* (*get_table_entry)(ss_plugin_table_t*, const ss_plugin_state_data*);
    ss_plugin_rc (*read_entry_field)(ss_plugin_table_t*, ss_plugin_table_entry_t*,
        const ss_plugin_table_field_t*, ss_plugin_state_data*);
    void (*release_table_entry)(ss_plugin_table_t*, ss_plugin_table_entry_t*);
    ss_plugin_bool (*iterate_entries)(ss_plugin_table_t*, ss_plugin_table_iterator_func_t,
        ss_plugin_table_iterator_state_t*);
} reader_vtable_ext;
typedef struct {
    ss_plugin_rc (*clear_table)(ss_plugin_table_t*);
    ss_plugin_rc (*erase_table_entry)(ss_plugin_table_t*, const ss_plugin_state_data*);
    ss_plugin_table_entry_t* (*create_table_entry)(ss_plugin_table_t*);
    void (*destroy_table_entry)(ss_plugin_table_t*, ss_plugin_table_entry_t*);
    ss_plugin_table_entry_t* (*add_table_entry)(ss_plugin_table_t*, const ss_plugin_state_data*,
        ss_plugin_table_entry_t*);
    ss_plugin_rc (*write_entry_field)(ss_plugin_table_t*, ss_plugin_table_entry_t*,
        const ss_plugin_table_field_t*, const ss_plugin_state_data*);
} writer_vtable;
typedef struct { void* subscribe; void* unsubscribe; } routine_vtable;
typedef struct {
    ss_plugin_table_info* (*list_tables)(ss_plugin_owner_t*, uint32_t*);
    ss_plugin_table_t* (*get_table)(ss_plugin_owner_t*, const char*, ss_plugin_state_type);
    ss_plugin_rc (*add_table)(ss_plugin_owner_t*, const void*);
    fields_vtable fields;
    fields_vtable* fields_ext;
    reader_vtable_ext* reader_ext;
    writer_vtable* writer_ext;
} ss_plugin_init_tables_input;
typedef struct {
    const char* config; ss_plugin_owner_t* owner; owner_error_fn get_owner_last_error;
    const ss_plugin_init_tables_input* tables; ss_plugin_log_fn_t log_fn;
} ss_plugin_init_input;
typedef struct {
    ss_plugin_owner_t* owner; owner_error_fn get_owner_last_error; uint32_t num_fields;
    ss_plugin_extract_field* fields; reader_vtable table_reader;
    reader_vtable_ext* table_reader_ext; ss_plugin_extract_value_offsets* value_offsets;
} ss_plugin_field_extract_input;
typedef struct {
    ss_plugin_owner_t* owner; owner_error_fn get_owner_last_error;
    reader_vtable table_reader; writer_vtable table_writer;
    reader_vtable_ext* table_reader_ext; writer_vtable* table_writer_ext;
} ss_plugin_event_parse_input;
typedef struct { const char* config; } ss_plugin_set_config_input;
typedef struct {
    ss_plugin_owner_t* owner; routine_vtable* routine; reader_vtable_ext* table_reader_ext;
    writer_vtable* table_writer_ext; owner_error_fn get_owner_last_error;
} ss_plugin_capture_listen_input;
typedef struct {
    const char* name; int type; union { uint32_t u32; int32_t s32; uint64_t u64; int64_t s64;
    double d; float f; int i; } value; int value_type;
} ss_plugin_metric;
"""

#: Every `plugin_*` function a host resolves.
SYMBOLS_CDEF: Final = r"""
const char* plugin_get_required_api_version(void);
const char* plugin_get_version(void);
const char* plugin_get_name(void);
const char* plugin_get_description(void);
const char* plugin_get_contact(void);
const char* plugin_get_init_schema(ss_plugin_schema_type*);
const char* plugin_get_fields(void);
const char* plugin_get_extract_event_sources(void);
const char* plugin_get_parse_event_sources(void);
const char* plugin_get_async_events(void);
const char* plugin_get_async_event_sources(void);
ss_plugin_t* plugin_init(const ss_plugin_init_input*, ss_plugin_rc*);
void plugin_destroy(ss_plugin_t*);
const char* plugin_get_last_error(ss_plugin_t*);
uint16_t* plugin_get_extract_event_types(uint32_t*, ss_plugin_t*);
uint16_t* plugin_get_parse_event_types(uint32_t*, ss_plugin_t*);
ss_plugin_rc plugin_extract_fields(ss_plugin_t*, const ss_plugin_event_input*,
    const ss_plugin_field_extract_input*);
ss_plugin_rc plugin_parse_event(ss_plugin_t*, const ss_plugin_event_input*,
    const ss_plugin_event_parse_input*);
ss_plugin_rc plugin_set_async_event_handler(ss_plugin_t*, ss_plugin_owner_t*,
    ss_plugin_async_event_handler_t);
ss_plugin_rc plugin_dump_state(ss_plugin_t*, ss_plugin_owner_t*,
    ss_plugin_async_event_handler_t);
ss_plugin_rc plugin_capture_open(ss_plugin_t*, const ss_plugin_capture_listen_input*);
ss_plugin_rc plugin_capture_close(ss_plugin_t*, const ss_plugin_capture_listen_input*);
ss_plugin_rc plugin_set_config(ss_plugin_t*, const ss_plugin_set_config_input*);
ss_plugin_metric* plugin_get_metrics(ss_plugin_t*, uint32_t*);
const char* plugin_get_required_event_schema_version(ss_plugin_t*);
"""

ffi = FFI()
ffi.cdef(_PACKED, packed=True)
ffi.cdef(_ALIGNED)
ffi.cdef(SYMBOLS_CDEF)

SUCCESS: Final = 0
ST_INT64: Final = 4
ST_STRING: Final = 9
ST_TABLE: Final = 10
FTYPE_STRING: Final = 9
MAX_ERRLEN: Final = 1024
#: ss_plugin_log_severity -> level name.
SEVERITY_NAMES: Final = {
    1: "fatal",
    2: "critical",
    3: "error",
    4: "warning",
    5: "notice",
    6: "info",
    7: "debug",
    8: "trace",
}
