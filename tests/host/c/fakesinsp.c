/* A small libsinsp stand-in in C (see fakesinsp.h). */
#include "plugin_api.h"
#include "fakesinsp.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define F_CGROUPS ((ss_plugin_table_field_t*)1)
#define F_POD ((ss_plugin_table_field_t*)2)
#define F_SECOND ((ss_plugin_table_field_t*)3)
#define F_FIRST ((ss_plugin_table_field_t*)4)
#define F_CONTAINER ((ss_plugin_table_field_t*)5)
#define FS_CONTAINER_FIELD "k8smeta.container_id"

int fs_api_minor = 12;   /* the host generation: plugin API 3.<minor> */
int fs_claims_cgroups = 0;   /* a lying host: lists the cgroups sub-table before 3.9 */

static fs_thread fs_threads[FS_MAX_TID];
static fs_table fs_threads_table = {1, NULL};
static __thread fs_owner* fs_current_owner;   /* owner of the current call */

static void fs_error(const char* msg) {
    if (fs_current_owner) snprintf(fs_current_owner->last_error, 1024, "%s", msg);
}

void fs_threads_reset(void) { memset(fs_threads, 0, sizeof fs_threads); }

/* A heap copy of exactly the generation's `size` bytes of a struct built at full (3.12)
 * size: a plugin reading past the end reads past the block, which valgrind reports. */
__attribute__((noinline)) void* fs_struct_copy(const void* full, size_t size) {
    void* block = malloc(size);
    memcpy(block, full, size);
    return block;
}

/* The struct to pass: `full` itself when the generation has all of it (no copy on the
 * hot paths of the newest hosts, which the benchmarks measure), else an exact copy. */
#define FS_EXACT(full, size) \
    ((size) < sizeof *(full) ? fs_struct_copy((full), (size)) : (void*)(full))
#define FS_EXACT_FREE(passed, full) \
    do {                               \
        if ((void*)(passed) != (void*)(full)) free(passed); \
    } while (0)

/* Struct sizes per generation (3.4.x hosts are not emulated). */
static size_t fs_size_init_input(void) { return fs_api_minor >= 5 ? 40 : 32; }
static size_t fs_size_init_tables(void) { return fs_api_minor >= 5 ? 72 : 56; }
static size_t fs_size_extract_input(void) { return fs_api_minor >= 11 ? 80 : 72; }
static size_t fs_size_listen_input(void) { return fs_api_minor >= 9 ? 40 : 32; }

fs_thread* fs_set_thread(int64_t tid, const char* const* cgroups, int n) {
    if (tid < 0 || tid >= FS_MAX_TID) return NULL;
    fs_thread* t = &fs_threads[tid];
    if (!t->present) {
        memset(t, 0, sizeof *t);
        t->present = 1;
        t->tid = tid;
    }
    t->cgroups_table.kind = 2;
    t->cgroups_table.thread = t;
    if (cgroups != NULL) {
        t->ncgroups = 0;
        for (int i = 0; i < n && i < FS_MAX_CGROUPS; i++) {
            const char* eq = strchr(cgroups[i], '=');
            if (eq == NULL) continue;
            fs_cgroup* c = &t->cgroups[t->ncgroups++];
            snprintf(c->first, FS_STR, "%.*s", (int)(eq - cgroups[i]), cgroups[i]);
            snprintf(c->second, FS_STR, "%s", eq + 1);
        }
    }
    return t;
}

/* ---- tables ----------------------------------------------------------------------- */

static ss_plugin_table_info fs_table_list[1] = {{"threads", SS_PLUGIN_ST_INT64_}};

static ss_plugin_table_info* fs_list_tables(ss_plugin_owner_t* o, uint32_t* n) {
    (void)o;
    *n = 1;
    return fs_table_list;
}

static ss_plugin_table_t* fs_get_table(ss_plugin_owner_t* o, const char* name, int key_type) {
    (void)o;
    if (strcmp(name, "threads") == 0 && key_type == SS_PLUGIN_ST_INT64_) return &fs_threads_table;
    fs_error("table not found");
    return NULL;
}

static ss_plugin_rc fs_add_table(ss_plugin_owner_t* o, const ss_plugin_table_input* in) {
    (void)o;
    (void)in;
    fs_error("add_table is not supported by this host");
    return 1;
}

static const ss_plugin_table_fieldinfo* fs_list_fields(ss_plugin_table_t* t, uint32_t* n) {
    static ss_plugin_table_fieldinfo threads[2] = {{"cgroups", SS_PLUGIN_ST_TABLE_, 1},
                                                   {"pod_uid", SS_PLUGIN_ST_STRING_, 0}};
    static ss_plugin_table_fieldinfo cgroups[2] = {{"first", SS_PLUGIN_ST_STRING_, 1},
                                                   {"second", SS_PLUGIN_ST_STRING_, 1}};
    fs_table* table = t;
    *n = 2;
    if (table->kind != 1) return cgroups;
    if (fs_api_minor >= 9 || fs_claims_cgroups) return threads;
    *n = 1;   /* no cgroups sub-table before API 3.9 */
    return threads + 1;
}

static ss_plugin_table_field_t* fs_get_field(ss_plugin_table_t* t, const char* name, int type) {
    fs_table* table = t;
    if (table->kind == 1 && strcmp(name, "cgroups") == 0 && type == SS_PLUGIN_ST_TABLE_ &&
        (fs_api_minor >= 9 || fs_claims_cgroups))
        return F_CGROUPS;
    if (table->kind == 1 && strcmp(name, "pod_uid") == 0 && type == SS_PLUGIN_ST_STRING_)
        return F_POD;
    if (table->kind == 1 && strcmp(name, FS_CONTAINER_FIELD) == 0 && type == SS_PLUGIN_ST_STRING_)
        return F_CONTAINER;
    if (table->kind == 2 && strcmp(name, "second") == 0 && type == SS_PLUGIN_ST_STRING_)
        return F_SECOND;
    if (table->kind == 2 && strcmp(name, "first") == 0 && type == SS_PLUGIN_ST_STRING_)
        return F_FIRST;
    fs_error("field not found");
    return NULL;
}

static ss_plugin_table_field_t* fs_add_field(ss_plugin_table_t* t, const char* name, int type) {
    fs_table* table = t;
    if (table->kind == 1 && strcmp(name, "pod_uid") == 0 && type == SS_PLUGIN_ST_STRING_) {
        if (fs_current_owner) fs_current_owner->pod_uid_added = 1;
        return F_POD;
    }
    if (table->kind == 1 && strcmp(name, FS_CONTAINER_FIELD) == 0 && type == SS_PLUGIN_ST_STRING_)
        return F_CONTAINER;
    fs_error("dynamic fields of this type are not supported");
    return NULL;
}

static const char* fs_table_name(ss_plugin_table_t* t) {
    return ((fs_table*)t)->kind == 1 ? "threads" : "cgroups";
}

static uint64_t fs_table_size(ss_plugin_table_t* t) {
    fs_table* table = t;
    uint64_t n = 0;
    if (table->kind == 2) return (uint64_t)table->thread->ncgroups;
    for (int i = 0; i < FS_MAX_TID; i++) n += fs_threads[i].present ? 1 : 0;
    return n;
}

static ss_plugin_table_entry_t* fs_get_entry(ss_plugin_table_t* t, const ss_plugin_state_data* k) {
    fs_table* table = t;
    if (table->kind == 1) {
        if (k->s64 >= 0 && k->s64 < FS_MAX_TID && fs_threads[k->s64].present)
            return &fs_threads[k->s64];
    } else if (k->u64 < (uint64_t)table->thread->ncgroups) {
        return &table->thread->cgroups[k->u64];
    }
    fs_error("get_entry found no element at given key");
    return NULL;
}

static ss_plugin_rc fs_read(ss_plugin_table_t* t, ss_plugin_table_entry_t* e,
                            const ss_plugin_table_field_t* f, ss_plugin_state_data* out) {
    (void)t;
    if (f == F_CGROUPS) out->table = &((fs_thread*)e)->cgroups_table;
    else if (f == F_POD) out->str = ((fs_thread*)e)->pod_uid;
    else if (f == F_CONTAINER) out->str = ((fs_thread*)e)->container_id;
    else if (f == F_SECOND) out->str = ((fs_cgroup*)e)->second;
    else if (f == F_FIRST) out->str = ((fs_cgroup*)e)->first;
    else {
        fs_error("unknown field");
        return 1;
    }
    return 0;
}

static void fs_release(ss_plugin_table_t* t, ss_plugin_table_entry_t* e) {
    (void)t;
    (void)e;
}

static ss_plugin_bool fs_iterate(ss_plugin_table_t* t, ss_plugin_table_iterator_func_t it,
                                 ss_plugin_table_iterator_state_t* s) {
    fs_table* table = t;
    if (table->kind == 2) {
        for (int i = 0; i < table->thread->ncgroups; i++)
            if (!it(s, &table->thread->cgroups[i])) return 0;
        return 1;
    }
    for (int i = 0; i < FS_MAX_TID; i++)
        if (fs_threads[i].present && !it(s, &fs_threads[i])) return 0;
    return 1;
}

static ss_plugin_rc fs_clear(ss_plugin_table_t* t) {
    (void)t;
    return 1;
}

static ss_plugin_rc fs_erase(ss_plugin_table_t* t, const ss_plugin_state_data* k) {
    (void)t;
    if (k->s64 >= 0 && k->s64 < FS_MAX_TID) fs_threads[k->s64].present = 0;
    return 0;
}

static ss_plugin_table_entry_t* fs_create(ss_plugin_table_t* t) {
    (void)t;
    fs_thread* th = calloc(1, sizeof(fs_thread));
    th->cgroups_table.kind = 2;
    th->cgroups_table.thread = th;
    return th;
}

static void fs_destroy_entry(ss_plugin_table_t* t, ss_plugin_table_entry_t* e) {
    (void)t;
    free(e);
}

static ss_plugin_table_entry_t* fs_add_entry(ss_plugin_table_t* t, const ss_plugin_state_data* k,
                                             ss_plugin_table_entry_t* e) {
    (void)t;
    (void)k;
    (void)e;
    return NULL;
}

static ss_plugin_rc fs_write(ss_plugin_table_t* t, ss_plugin_table_entry_t* e,
                             const ss_plugin_table_field_t* f, const ss_plugin_state_data* in) {
    (void)t;
    if (f != F_POD && f != F_CONTAINER) {
        fs_error("field is read-only");
        return 1;
    }
    fs_thread* th = e;
    snprintf(f == F_POD ? th->pod_uid : th->container_id, FS_STR, "%s", in->str ? in->str : "");
    return 0;
}

static const char* fs_owner_error(ss_plugin_owner_t* o) { return ((fs_owner*)o)->last_error; }

static void fs_log(ss_plugin_owner_t* o, const char* component, const char* msg, int sev) {
    fs_owner* owner = o;
    owner->logs++;
    if (owner->log_to_stderr)
        fprintf(stderr, "%s: [%d] %s\n", component ? component : "k8smeta", sev, msg);
}

#define FS_READER_EXT                                                                \
    ss_plugin_table_reader_vtable_ext reader = {fs_table_name, fs_table_size, fs_get_entry, \
                                                fs_read, fs_release, fs_iterate}
#define FS_WRITER_EXT                                                                  \
    ss_plugin_table_writer_vtable_ext writer = {fs_clear, fs_erase, fs_create, fs_destroy_entry, \
                                                fs_add_entry, fs_write}

/* ---- loading ------------------------------------------------------------------------ */

#define FS_SYM(p, name)                                                \
    do {                                                               \
        *(void**)(&(p)->name) = dlsym((p)->handle, "plugin_" #name);   \
        if ((p)->name == NULL) {                                       \
            fprintf(stderr, "missing symbol plugin_%s\n", #name);      \
            return 1;                                                  \
        }                                                              \
    } while (0)

int fs_load(fs_plugin* p, const char* path, int mode) {
    memset(p, 0, sizeof *p);
    p->handle = dlopen(path, mode);
    if (p->handle == NULL) {
        fprintf(stderr, "dlopen failed: %s\n", dlerror());
        return 1;
    }
    FS_SYM(p, get_required_api_version);
    FS_SYM(p, get_version);
    FS_SYM(p, get_name);
    FS_SYM(p, get_description);
    FS_SYM(p, get_contact);
    FS_SYM(p, get_init_schema);
    FS_SYM(p, get_fields);
    FS_SYM(p, get_async_events);
    FS_SYM(p, get_async_event_sources);
    FS_SYM(p, init);
    FS_SYM(p, destroy);
    FS_SYM(p, get_last_error);
    FS_SYM(p, get_parse_event_types);
    FS_SYM(p, extract_fields);
    FS_SYM(p, parse_event);
    FS_SYM(p, set_async_event_handler);
    FS_SYM(p, capture_open);
    FS_SYM(p, get_metrics);
    return 0;
}

void fs_unload(fs_plugin* p) {
    if (p->handle) dlclose(p->handle);
    p->handle = NULL;
}

/* ---- owner, init ------------------------------------------------------------------- */

void fs_owner_init(fs_owner* o, size_t capacity) {
    memset(o, 0, sizeof *o);
    pthread_mutex_init(&o->lock, NULL);
    o->capacity = capacity;
    o->queue = calloc(capacity, sizeof(fs_event));
}

void fs_owner_free(fs_owner* o) {
    while (o->head != o->tail) free(o->queue[o->head++ % o->capacity].data);
    free(o->queue);
    pthread_mutex_destroy(&o->lock);
}

uint64_t fs_owner_pushed(fs_owner* o) {
    pthread_mutex_lock(&o->lock);
    uint64_t n = o->pushed;
    pthread_mutex_unlock(&o->lock);
    return n;
}

uint64_t fs_owner_wait_pushed(fs_owner* o, long wait_ms) {
    struct timespec step = {0, 10 * 1000 * 1000};
    for (long waited = 0; fs_owner_pushed(o) == 0 && waited < wait_ms; waited += 10)
        nanosleep(&step, NULL);
    return fs_owner_pushed(o);
}

ss_plugin_t* fs_init(fs_plugin* p, fs_owner* o, const char* config, ss_plugin_rc* rc) {
    ss_plugin_table_fields_vtable_ext fields = {fs_list_fields, fs_get_field, fs_add_field};
    FS_READER_EXT;
    FS_WRITER_EXT;
    ss_plugin_init_tables_input tables;
    memset(&tables, 0, sizeof tables);
    tables.list_tables = fs_list_tables;
    tables.get_table = fs_get_table;
    tables.add_table = fs_add_table;
    tables.fields_ext = &fields;
    tables.reader_ext = &reader;
    tables.writer_ext = &writer;
    ss_plugin_init_tables_input* tables_in = FS_EXACT(&tables, fs_size_init_tables());
    ss_plugin_init_input full = {config, o, fs_owner_error, tables_in, fs_log};
    ss_plugin_init_input* in = FS_EXACT(&full, fs_size_init_input());
    fs_current_owner = o;
    ss_plugin_t* s = p->init(in, rc);
    FS_EXACT_FREE(in, &full);
    FS_EXACT_FREE(tables_in, &tables);
    return s;
}

/* ---- events ------------------------------------------------------------------------- */

static fs_event fs_event_alloc(uint16_t type, uint32_t nparams, int wide, const uint32_t* lens,
                               const void* const* params) {
    uint32_t slot = wide ? 4 : 2;
    uint32_t len = 26 + nparams * slot;
    for (uint32_t i = 0; i < nparams; i++) len += lens[i];
    fs_event e = {calloc(1, len), len};
    ss_plugin_event* h = (ss_plugin_event*)e.data;
    h->len = len;
    h->type = type;
    h->nparams = nparams;
    uint8_t* at = e.data + 26 + nparams * slot;
    for (uint32_t i = 0; i < nparams; i++) {
        if (wide) memcpy(e.data + 26 + 4 * i, &lens[i], 4);
        else {
            uint16_t l16 = (uint16_t)lens[i];
            memcpy(e.data + 26 + 2 * i, &l16, 2);
        }
        if (lens[i]) memcpy(at, params[i], lens[i]);
        at += lens[i];
    }
    return e;
}

fs_event fs_process_event(uint16_t code, int64_t tid, int64_t res, const char* cgroups,
                          uint32_t cgroups_len) {
    uint32_t nparams = code == 293 ? 31 : code == 331 ? 30 : 21;
    uint32_t lens[31] = {0};
    const void* params[31] = {0};
    lens[0] = 8;
    params[0] = &res;
    lens[14] = cgroups_len;
    params[14] = cgroups;
    fs_event e = fs_event_alloc(code, nparams, 0, lens, params);
    ((ss_plugin_event*)e.data)->tid = (uint64_t)tid;
    ((ss_plugin_event*)e.data)->ts = 1;
    return e;
}

fs_event fs_async_event(const char* name, const char* data, uint32_t data_len) {
    uint32_t zero = 0;
    uint32_t lens[3] = {4, (uint32_t)strlen(name) + 1, data_len};
    const void* params[3] = {&zero, name, data};
    fs_event e = fs_event_alloc(402, 3, 1, lens, params);
    ((ss_plugin_event*)e.data)->tid = UINT64_MAX;
    ((ss_plugin_event*)e.data)->ts = UINT64_MAX;
    return e;
}

/* ---- calls -------------------------------------------------------------------------- */

ss_plugin_rc fs_parse(fs_plugin* p, ss_plugin_t* s, fs_owner* o, const fs_event* e,
                      uint64_t evtnum) {
    FS_READER_EXT;
    FS_WRITER_EXT;
    ss_plugin_event_parse_input in;
    memset(&in, 0, sizeof in);
    in.owner = o;
    in.get_owner_last_error = fs_owner_error;
    in.table_reader_ext = &reader;
    in.table_writer_ext = &writer;
    ss_plugin_event_input ev = {(const ss_plugin_event*)e->data, evtnum, "syscall"};
    ss_plugin_event_parse_input* exact = FS_EXACT(&in, sizeof in);   /* 112 bytes since 3.1 */
    fs_current_owner = o;
    ss_plugin_rc rc = p->parse_event(s, &ev, exact);
    FS_EXACT_FREE(exact, &in);
    return rc;
}

int fs_extract(fs_plugin* p, ss_plugin_t* s, fs_owner* o, const fs_event* e, uint64_t evtnum,
               uint32_t field_id, const char* arg, const char*** values) {
    FS_READER_EXT;
    ss_plugin_extract_field f;
    memset(&f, 0, sizeof f);
    f.field_id = field_id;
    f.field = "k8smeta";
    f.arg_key = arg;
    f.arg_present = arg != NULL;
    f.ftype = 9;
    ss_plugin_field_extract_input in;
    memset(&in, 0, sizeof in);
    in.owner = o;
    in.get_owner_last_error = fs_owner_error;
    in.num_fields = 1;
    in.fields = &f;
    in.table_reader_ext = &reader;
    ss_plugin_event_input ev = {(const ss_plugin_event*)e->data, evtnum, "syscall"};
    ss_plugin_field_extract_input* exact = FS_EXACT(&in, fs_size_extract_input());
    fs_current_owner = o;
    ss_plugin_rc rc = p->extract_fields(s, &ev, exact);
    FS_EXACT_FREE(exact, &in);
    if (rc != 0) return -1;
    *values = f.res.str;
    return (int)f.res_len;
}

ss_plugin_rc fs_capture_open(fs_plugin* p, ss_plugin_t* s, fs_owner* o) {
    FS_READER_EXT;
    FS_WRITER_EXT;
    if (fs_api_minor < 7) return 0;   /* no capture listening before API 3.7 */
    ss_plugin_capture_listen_input in = {o, NULL, &reader, &writer, fs_owner_error};
    ss_plugin_capture_listen_input* exact = FS_EXACT(&in, fs_size_listen_input());
    fs_current_owner = o;
    ss_plugin_rc rc = p->capture_open(s, exact);
    FS_EXACT_FREE(exact, &in);
    return rc;
}

/* libsinsp's checks of a push, then a copy into the bounded queue. */
static ss_plugin_rc fs_async_handler(ss_plugin_owner_t* owner, const ss_plugin_event* evt,
                                     char* err) {
    fs_owner* o = owner;
    uint32_t name_len;
    if (evt->type != 402 || evt->nparams != 3 || evt->len < 42) {
        snprintf(err, 1024, "malformed async event");
        return 1;
    }
    memcpy(&name_len, (const uint8_t*)evt + 30, 4);
    if (name_len != 4 || evt->len < 42 + name_len ||
        memcmp((const uint8_t*)evt + 42, "k8s", 4) != 0) {
        snprintf(err, 1024, "async event name not registered");
        return 1;
    }
    pthread_mutex_lock(&o->lock);
    if (o->tail - o->head >= o->capacity) {
        pthread_mutex_unlock(&o->lock);
        o->rejected++;
        return 0;   /* libsinsp drops with a warning and still returns SUCCESS */
    }
    fs_event copy = {malloc(evt->len), evt->len};
    memcpy(copy.data, evt, evt->len);
    o->queue[o->tail++ % o->capacity] = copy;
    o->pushed++;
    pthread_mutex_unlock(&o->lock);
    return 0;
}

ss_plugin_rc fs_set_handler(fs_plugin* p, ss_plugin_t* s, fs_owner* o, int on) {
    return p->set_async_event_handler(s, o, on ? fs_async_handler : NULL);
}

size_t fs_drain(fs_plugin* p, ss_plugin_t* s, fs_owner* o, uint64_t* evtnum) {
    size_t n = 0;
    for (;;) {
        fs_event e = {NULL, 0};
        pthread_mutex_lock(&o->lock);
        if (o->head != o->tail) e = o->queue[o->head++ % o->capacity];
        pthread_mutex_unlock(&o->lock);
        if (e.data == NULL) return n;
        fs_parse(p, s, o, &e, ++*evtnum);
        free(e.data);
        n++;
    }
}

long fs_rss_kb(void) {
    long pages = 0, resident = 0;
    FILE* f = fopen("/proc/self/statm", "r");
    if (f == NULL) return -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = -1;
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

long fs_parse_payload_file(fs_plugin* p, ss_plugin_t* s, fs_owner* o, const char* path,
                           uint64_t* evtnum) {
    FILE* f = fopen(path, "r");
    if (f == NULL) return -1;
    static char line[1 << 20];
    long ok = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        size_t len = strlen(line);
        if (len && line[len - 1] == '\n') line[--len] = '\0';
        fs_event e = fs_async_event("k8s", line, (uint32_t)len + 1);
        ok += fs_parse(p, s, o, &e, ++*evtnum) == 0;
        free(e.data);
    }
    fclose(f);
    return ok;
}
