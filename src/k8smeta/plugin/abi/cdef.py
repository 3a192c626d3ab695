"""Our C declarations of the Falco plugin API (3.12 layout), written from its headers.

One text, `PLUGIN_API_CDEF`, declares the types shared by the library build and the test
hosts; `PLUGIN_SYMBOLS_CDEF` declares the 25 exported `plugin_*` functions (used by hosts
that load the library). Member order is normative; sizes are checked by the tests.
"""

from __future__ import annotations

from typing import Final

PLUGIN_API_CDEF: Final = r"""
typedef uint32_t ss_plugin_bool;
typedef int ss_plugin_rc;                 /* SS_PLUGIN_SUCCESS=0, FAILURE=1, TIMEOUT=-1, ... */
typedef uint32_t ss_plugin_field_type;
typedef int ss_plugin_schema_type;
typedef int ss_plugin_state_type;
typedef int ss_plugin_log_severity;
typedef int ss_plugin_metric_value_type;
typedef int ss_plugin_metric_type;

typedef void ss_plugin_t;
typedef void ss_instance_t;
typedef void ss_plugin_owner_t;
typedef void ss_plugin_table_t;
typedef void ss_plugin_table_entry_t;
typedef void ss_plugin_table_field_t;
typedef void ss_plugin_table_iterator_state_t;
typedef void ss_plugin_routine_t;
typedef void ss_plugin_routine_state_t;

typedef struct {
    uint64_t ts;
    uint64_t tid;
    uint32_t len;
    uint16_t type;
    uint32_t nparams;
} ss_plugin_event;                        /* packed: declared with pack=1 */
"""

# Everything below uses natural alignment.
PLUGIN_API_CDEF_ALIGNED: Final = r"""
typedef struct {
    const ss_plugin_event* evt;
    uint64_t evtnum;
    const char* evtsrc;
} ss_plugin_event_input;

typedef struct {
    uint32_t len;
    const void* ptr;
} ss_plugin_byte_buffer;

typedef struct {
    uint32_t* start;
    uint32_t* length;
} ss_plugin_extract_value_offsets;

typedef struct {
    union {
        const char** str;
        uint64_t* u64;
        uint32_t* u32;
        ss_plugin_bool* boolean;
        ss_plugin_byte_buffer* buf;
    } res;
    uint64_t res_len;
    uint32_t field_id;
    const char* field;
    const char* arg_key;
    uint64_t arg_index;
    ss_plugin_bool arg_present;
    uint32_t ftype;
    ss_plugin_bool flist;
} ss_plugin_extract_field;

typedef union {
    int8_t s8;
    int16_t s16;
    int32_t s32;
    int64_t s64;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    const char* str;
    ss_plugin_bool b;
    ss_plugin_table_t* table;
} ss_plugin_state_data;

typedef struct {
    const char* name;
    ss_plugin_state_type key_type;
} ss_plugin_table_info;

typedef struct {
    const char* name;
    ss_plugin_state_type field_type;
    ss_plugin_bool read_only;
} ss_plugin_table_fieldinfo;

typedef ss_plugin_bool (*ss_plugin_table_iterator_func_t)(
    ss_plugin_table_iterator_state_t* s, ss_plugin_table_entry_t* e);
typedef void (*ss_plugin_log_fn_t)(
    ss_plugin_owner_t* o, const char* component, const char* msg, ss_plugin_log_severity sev);
typedef ss_plugin_bool (*ss_plugin_routine_fn_t)(ss_plugin_t* s, ss_plugin_routine_state_t* i);
typedef ss_plugin_rc (*ss_plugin_async_event_handler_t)(
    ss_plugin_owner_t* o, const ss_plugin_event* evt, char* err);
typedef const char* (*ss_plugin_owner_last_error_fn_t)(ss_plugin_owner_t* o);

typedef struct {
    const ss_plugin_table_fieldinfo* (*list_table_fields)(ss_plugin_table_t* t, uint32_t* n);
    ss_plugin_table_field_t* (*get_table_field)(
        ss_plugin_table_t* t, const char* name, ss_plugin_state_type data_type);
    ss_plugin_table_field_t* (*add_table_field)(
        ss_plugin_table_t* t, const char* name, ss_plugin_state_type data_type);
} ss_plugin_table_fields_vtable;

typedef struct {
    const ss_plugin_table_fieldinfo* (*list_table_fields)(ss_plugin_table_t* t, uint32_t* n);
    ss_plugin_table_field_t* (*get_table_field)(
        ss_plugin_table_t* t, const char* name, ss_plugin_state_type data_type);
    ss_plugin_table_field_t* (*add_table_field)(
        ss_plugin_table_t* t, const char* name, ss_plugin_state_type data_type);
} ss_plugin_table_fields_vtable_ext;

typedef struct {
    const char* (*get_table_name)(ss_plugin_table_t* t);
    uint64_t (*get_table_size)(ss_plugin_table_t* t);
    ss_plugin_table_entry_t* (*get_table_entry)(
        ss_plugin_table_t* t, const ss_plugin_state_data* key);
    ss_plugin_rc (*read_entry_field)(ss_plugin_table_t* t, ss_plugin_table_entry_t* e,
        const ss_plugin_table_field_t* f, ss_plugin_state_data* out);
} ss_plugin_table_reader_vtable;

typedef struct {
    const char* (*get_table_name)(ss_plugin_table_t* t);
    uint64_t (*get_table_size)(ss_plugin_table_t* t);
    ss_plugin_table_entry_t* (*get_table_entry)(
        ss_plugin_table_t* t, const ss_plugin_state_data* key);
    ss_plugin_rc (*read_entry_field)(ss_plugin_table_t* t, ss_plugin_table_entry_t* e,
        const ss_plugin_table_field_t* f, ss_plugin_state_data* out);
    void (*release_table_entry)(ss_plugin_table_t* t, ss_plugin_table_entry_t* e);
    ss_plugin_bool (*iterate_entries)(ss_plugin_table_t* t,
        ss_plugin_table_iterator_func_t it, ss_plugin_table_iterator_state_t* s);
} ss_plugin_table_reader_vtable_ext;

typedef struct {
    ss_plugin_rc (*clear_table)(ss_plugin_table_t* t);
    ss_plugin_rc (*erase_table_entry)(ss_plugin_table_t* t, const ss_plugin_state_data* key);
    ss_plugin_table_entry_t* (*create_table_entry)(ss_plugin_table_t* t);
    void (*destroy_table_entry)(ss_plugin_table_t* t, ss_plugin_table_entry_t* e);
    ss_plugin_table_entry_t* (*add_table_entry)(ss_plugin_table_t* t,
        const ss_plugin_state_data* key, ss_plugin_table_entry_t* e);
    ss_plugin_rc (*write_entry_field)(ss_plugin_table_t* t, ss_plugin_table_entry_t* e,
        const ss_plugin_table_field_t* f, const ss_plugin_state_data* in);
} ss_plugin_table_writer_vtable;

typedef struct {
    ss_plugin_rc (*clear_table)(ss_plugin_table_t* t);
    ss_plugin_rc (*erase_table_entry)(ss_plugin_table_t* t, const ss_plugin_state_data* key);
    ss_plugin_table_entry_t* (*create_table_entry)(ss_plugin_table_t* t);
    void (*destroy_table_entry)(ss_plugin_table_t* t, ss_plugin_table_entry_t* e);
    ss_plugin_table_entry_t* (*add_table_entry)(ss_plugin_table_t* t,
        const ss_plugin_state_data* key, ss_plugin_table_entry_t* e);
    ss_plugin_rc (*write_entry_field)(ss_plugin_table_t* t, ss_plugin_table_entry_t* e,
        const ss_plugin_table_field_t* f, const ss_plugin_state_data* in);
} ss_plugin_table_writer_vtable_ext;

typedef struct {
    ss_plugin_routine_t* (*subscribe)(ss_plugin_owner_t* o, ss_plugin_routine_fn_t f,
        ss_plugin_routine_state_t* i);
    ss_plugin_rc (*unsubscribe)(ss_plugin_owner_t* o, ss_plugin_routine_t* r);
} ss_plugin_routine_vtable;

typedef struct {
    const char* name;
    ss_plugin_state_type key_type;
    ss_plugin_table_t* table;
    ss_plugin_table_reader_vtable reader;
    ss_plugin_table_writer_vtable writer;
    ss_plugin_table_fields_vtable fields;
    ss_plugin_table_reader_vtable_ext* reader_ext;
    ss_plugin_table_writer_vtable_ext* writer_ext;
    ss_plugin_table_fields_vtable_ext* fields_ext;
} ss_plugin_table_input;

typedef struct {
    ss_plugin_table_info* (*list_tables)(ss_plugin_owner_t* o, uint32_t* ntables);
    ss_plugin_table_t* (*get_table)(
        ss_plugin_owner_t* o, const char* name, ss_plugin_state_type key_type);
    ss_plugin_rc (*add_table)(ss_plugin_owner_t* o, const ss_plugin_table_input* in);
    ss_plugin_table_fields_vtable fields;
    ss_plugin_table_fields_vtable_ext* fields_ext;
    ss_plugin_table_reader_vtable_ext* reader_ext;
    ss_plugin_table_writer_vtable_ext* writer_ext;
} ss_plugin_init_tables_input;

typedef struct {
    const char* config;
    ss_plugin_owner_t* owner;
    ss_plugin_owner_last_error_fn_t get_owner_last_error;
    const ss_plugin_init_tables_input* tables;
    ss_plugin_log_fn_t log_fn;
} ss_plugin_init_input;

typedef struct {
    ss_plugin_owner_t* owner;
    ss_plugin_owner_last_error_fn_t get_owner_last_error;
    uint32_t num_fields;
    ss_plugin_extract_field* fields;
    ss_plugin_table_reader_vtable table_reader;
    ss_plugin_table_reader_vtable_ext* table_reader_ext;
    ss_plugin_extract_value_offsets* value_offsets;
} ss_plugin_field_extract_input;

typedef struct {
    ss_plugin_owner_t* owner;
    ss_plugin_owner_last_error_fn_t get_owner_last_error;
    ss_plugin_table_reader_vtable table_reader;
    ss_plugin_table_writer_vtable table_writer;
    ss_plugin_table_reader_vtable_ext* table_reader_ext;
    ss_plugin_table_writer_vtable_ext* table_writer_ext;
} ss_plugin_event_parse_input;

typedef struct {
    const char* config;
} ss_plugin_set_config_input;

typedef struct {
    ss_plugin_owner_t* owner;
    ss_plugin_routine_vtable* routine;
    ss_plugin_table_reader_vtable_ext* table_reader_ext;
    ss_plugin_table_writer_vtable_ext* table_writer_ext;
    ss_plugin_owner_last_error_fn_t get_owner_last_error;
} ss_plugin_capture_listen_input;

typedef struct {
    const char* name;
    ss_plugin_metric_type type;
    union {
        uint32_t u32;
        int32_t s32;
        uint64_t u64;
        int64_t s64;
        double d;
        float f;
        int i;
    } value;
    ss_plugin_metric_value_type value_type;
} ss_plugin_metric;
"""

#: The 25 exported functions, as a host declares them to call the library.
PLUGIN_SYMBOLS_CDEF: Final = r"""
const char* plugin_get_required_api_version(void);
const char* plugin_get_version(void);
const char* plugin_get_name(void);
const char* plugin_get_description(void);
const char* plugin_get_contact(void);
const char* plugin_get_init_schema(ss_plugin_schema_type* schema_type);
const char* plugin_get_fields(void);
const char* plugin_get_extract_event_sources(void);
const char* plugin_get_parse_event_sources(void);
const char* plugin_get_async_events(void);
const char* plugin_get_async_event_sources(void);
ss_plugin_t* plugin_init(const ss_plugin_init_input* in, ss_plugin_rc* rc);
void plugin_destroy(ss_plugin_t* s);
const char* plugin_get_last_error(ss_plugin_t* s);
uint16_t* plugin_get_extract_event_types(uint32_t* numtypes, ss_plugin_t* s);
uint16_t* plugin_get_parse_event_types(uint32_t* numtypes, ss_plugin_t* s);
ss_plugin_rc plugin_extract_fields(ss_plugin_t* s, const ss_plugin_event_input* evt,
    const ss_plugin_field_extract_input* in);
ss_plugin_rc plugin_parse_event(ss_plugin_t* s, const ss_plugin_event_input* evt,
    const ss_plugin_event_parse_input* in);
ss_plugin_rc plugin_set_async_event_handler(ss_plugin_t* s, ss_plugin_owner_t* owner,
    const ss_plugin_async_event_handler_t handler);
ss_plugin_rc plugin_dump_state(ss_plugin_t* s, ss_plugin_owner_t* owner,
    const ss_plugin_async_event_handler_t handler);
ss_plugin_rc plugin_capture_open(ss_plugin_t* s, const ss_plugin_capture_listen_input* in);
ss_plugin_rc plugin_capture_close(ss_plugin_t* s, const ss_plugin_capture_listen_input* in);
ss_plugin_rc plugin_set_config(ss_plugin_t* s, const ss_plugin_set_config_input* in);
ss_plugin_metric* plugin_get_metrics(ss_plugin_t* s, uint32_t* num_metrics);
const char* plugin_get_required_event_schema_version(ss_plugin_t* s);
"""


def c_header() -> str:
    """Our API declarations as C source (the event header packed, as in the real ABI)."""
    packed = PLUGIN_API_CDEF.replace(
        "} ss_plugin_event;", "} __attribute__((packed)) ss_plugin_event;"
    )
    return "\n".join(("#include <stdint.h>", packed, PLUGIN_API_CDEF_ALIGNED))


# Constants of the plugin API (its enums and limits).
SS_PLUGIN_SUCCESS: Final = 0
SS_PLUGIN_FAILURE: Final = 1
SS_PLUGIN_SCHEMA_JSON: Final = 1
SS_PLUGIN_ST_INT64: Final = 4
SS_PLUGIN_ST_STRING: Final = 9
SS_PLUGIN_ST_TABLE: Final = 10
SS_PLUGIN_METRIC_TYPE_MONOTONIC: Final = 0
SS_PLUGIN_METRIC_TYPE_NON_MONOTONIC: Final = 1
SS_PLUGIN_METRIC_VALUE_TYPE_U64: Final = 2
PLUGIN_MAX_ERRLEN: Final = 1024
