/* The plugin_* symbols that call into Python, the extraction cache, and the table reads
 * done in C before Python runs (part of the cffi preamble, after boot.c). */

/* ---- extraction cache --------------------------------------------------------------- */

/* Values by (pod UID, field id, arg), valid for one store generation: every async event
 * bumps the generation, so only the first extraction after an update enters Python; the
 * others are answered here without the GIL. Python keeps each cached array alive (by
 * slot) and hands replaced ones to the per-call keep list. Used only when the verbosity
 * is above debug (extraction logs nothing then). Event thread only. */
#define K8SMETA_CACHE_SLOTS 4096
#define K8SMETA_CACHE_UID 48
#define K8SMETA_CACHE_ARG 80

typedef struct {
    uint64_t generation;   /* 0 = empty (state generations start at 1) */
    uint32_t field_id;
    char uid[K8SMETA_CACHE_UID];
    char arg[K8SMETA_CACHE_ARG];
    int has_arg;
    const char** res;
} k8smeta_cache_slot;

/* The slot for this key, or -1 when the key is too long to cache. */
static int k8smeta_cache_slot_of(const char* uid, uint32_t field_id, const char* arg) {
    uint32_t h = 2166136261u;
    size_t n = 0;
    for (const char* c = uid; *c; c++, n++) h = (h ^ (uint8_t)*c) * 16777619u;
    if (n >= K8SMETA_CACHE_UID) return -1;
    h = (h ^ field_id) * 16777619u;
    if (arg != NULL) {
        n = 0;
        for (const char* c = arg; *c; c++, n++) h = (h ^ (uint8_t)*c) * 16777619u;
        if (n >= K8SMETA_CACHE_ARG) return -1;
        h = (h ^ 0xFFu) * 16777619u;
    }
    return (int)(h % K8SMETA_CACHE_SLOTS);
}

static int k8smeta_cache_matches(const k8smeta_cache_slot* e, uint64_t generation,
                                 const char* uid, uint32_t field_id, const char* arg) {
    return e->generation == generation && e->field_id == field_id &&
           e->has_arg == (arg != NULL) && strcmp(e->uid, uid) == 0 &&
           (arg == NULL || strcmp(e->arg, arg) == 0);
}

static void k8smeta_cache_store(k8smeta_cache_slot* e, uint64_t generation, const char* uid,
                                uint32_t field_id, const char* arg, const char** res) {
    e->generation = generation;
    e->field_id = field_id;
    snprintf(e->uid, sizeof e->uid, "%.47s", uid);
    e->has_arg = arg != NULL;
    snprintf(e->arg, sizeof e->arg, "%.79s", arg != NULL ? arg : "");
    e->res = res;
}

static void k8smeta_set_result(ss_plugin_extract_field* f, const char** res) {
    if (res == NULL) {
        f->res_len = 0;
    } else {
        f->res.str = res;
        f->res_len = (uint64_t)(uintptr_t)res[-1];
    }
}

/* ---- wrappers into Python ----------------------------------------------------------- */

/* FAILURE with `msg` as the state's last error: a NULL where the API promises a pointer
 * (libsinsp never does this; a faulty host must get an error, not a crash). */
static ss_plugin_rc k8smeta_bad_input(k8smeta_state* s, const char* msg) {
    k8smeta_copy_error(s->last_error, msg);
    return 1;
}

/* FAILURE with the start-up error as the state's last error. */
static ss_plugin_rc k8smeta_unavailable(ss_plugin_t* s) {
    if (s != NULL) k8smeta_copy_error(((k8smeta_state*)s)->last_error, k8smeta_boot_error);
    return 1;
}

K8SMETA_EXPORT ss_plugin_t* plugin_init(const ss_plugin_init_input* in, ss_plugin_rc* rc) {
    ss_plugin_rc ignored;
    if (rc == NULL) rc = &ignored;
    k8smeta_state* s = calloc(1, sizeof(k8smeta_state));
    if (s == NULL) {
        k8smeta_copy_error(k8smeta_boot_error, "k8smeta: out of memory");
        *rc = 1;
        return NULL;
    }
    if (in == NULL) {
        *rc = k8smeta_bad_input(s, "plugin_init: the init input is NULL");
        return s;
    }
    if (!k8smeta_python_usable()) {
        *rc = k8smeta_unavailable(s);
        return s;
    }
    s->generation = 1;
    s->cache = calloc(K8SMETA_CACHE_SLOTS, sizeof(k8smeta_cache_slot));
    *rc = k8smeta_py_init(s, in);
    return s;
}

K8SMETA_EXPORT void plugin_destroy(ss_plugin_t* s) {
    k8smeta_state* state = (k8smeta_state*)s;
    if (state == NULL) return;
    if (state->handle != NULL && k8smeta_python_usable()) k8smeta_py_destroy(state);
    free(state->cache);
    free(state);
}

/* A state whose init failed keeps its init error; other calls on it fail. */
#define K8SMETA_WRAP(call)                                       \
    if (s == NULL) return 1;                                     \
    if (!k8smeta_python_usable()) return k8smeta_unavailable(s); \
    if (((k8smeta_state*)s)->handle == NULL) return 1;           \
    return call

/* The thread's pod_uid is read here, once per call (spec 13.1 step 2); Python gets plain
 * scalars per field and returns a cached `char*` array whose slot [-1] holds its length. */
K8SMETA_EXPORT ss_plugin_rc plugin_extract_fields(
    ss_plugin_t* s, const ss_plugin_event_input* evt, const ss_plugin_field_extract_input* in) {
    k8smeta_state* st = (k8smeta_state*)s;
    if (st == NULL) return 1;
    if (!k8smeta_python_usable()) return k8smeta_unavailable(s);
    if (st->handle == NULL) return 1;
    if (evt == NULL || evt->evt == NULL || in == NULL || (in->fields == NULL && in->num_fields))
        return k8smeta_bad_input(st, "plugin_extract_fields: NULL event or extraction input");
    int64_t tid = (int64_t)evt->evt->tid;
    int status = -1;
    if (tid > 0 && in->table_reader_ext != NULL) {
        status = k8smeta_read_thread_string(in->table_reader_ext, st->table, st->f_pod, tid,
                                            st->uid, (int)sizeof st->uid);
        if (status == -2 && in->get_owner_last_error != NULL) {
            const char* err = in->get_owner_last_error(in->owner);
            snprintf(st->table_error, sizeof st->table_error, "%s", err ? err : "");
        }
    }
    if (st->quiet_absent && (tid <= 0 || status == -1 || (status >= 0 && st->uid[0] == '\0'))) {
        /* no thread or no pod: no value, and nothing the verbosity would log (13.1 1-3) */
        for (uint32_t i = 0; i < in->num_fields; i++) in->fields[i].res_len = 0;
        return 0;
    }
    uint64_t call = ++st->extract_calls;
    k8smeta_cache_slot* cache = (k8smeta_cache_slot*)st->cache;
    int cacheable = cache != NULL && st->quiet_absent && status > 0;
    for (uint32_t i = 0; i < in->num_fields; i++) {
        ss_plugin_extract_field* f = &in->fields[i];
        int slot = cacheable ? k8smeta_cache_slot_of(st->uid, f->field_id, f->arg_key) : -1;
        if (slot >= 0 &&
            k8smeta_cache_matches(&cache[slot], st->generation, st->uid, f->field_id,
                                  f->arg_key)) {
            k8smeta_set_result(f, cache[slot].res);
            continue;
        }
        st->failed = 0;
        const char** res = k8smeta_py_extract_one(st, evt->evtnum, tid, f->field_id, f->arg_key,
                                                  status, call, slot);
        if (st->failed) {
            for (uint32_t j = i; j < in->num_fields; j++) in->fields[j].res_len = 0;
            return 1;
        }
        if (slot >= 0) k8smeta_cache_store(&cache[slot], st->generation, st->uid, f->field_id,
                                           f->arg_key, res);
        k8smeta_set_result(f, res);
    }
    return 0;
}

/* Param 0 (`res`) of a process event with 16-bit slots; 0 when absent or not 8 bytes. */
static int k8smeta_event_res(const ss_plugin_event* e, int64_t* res) {
    uint16_t len0;
    uint32_t start = 26 + 2 * e->nparams;
    if (e->nparams < 1 || e->nparams > 0xFFFF || e->len < start + 8) return 0;
    memcpy(&len0, (const char*)e + 26, 2);
    if (len0 != 8) return 0;
    memcpy(res, (const char*)e + start, 8);
    return 1;
}

K8SMETA_EXPORT ss_plugin_rc plugin_parse_event(
    ss_plugin_t* s, const ss_plugin_event_input* evt, const ss_plugin_event_parse_input* in) {
    k8smeta_state* st = (k8smeta_state*)s;
    if (st == NULL) return 1;
    if (!k8smeta_python_usable()) return k8smeta_unavailable(s);
    if (st->handle == NULL) return 1;
    if (evt == NULL || evt->evt == NULL || in == NULL)
        return k8smeta_bad_input(st, "plugin_parse_event: NULL event or parse input");
    const ss_plugin_event* e = evt->evt;
    switch (e->type) {
        case 223: case 225: case 227: case 335: case 293: case 331: {
            int64_t res = 0;
            int has_res = k8smeta_event_res(e, &res);
            int status = -1;
            st->reader = in->table_reader_ext;
            st->writer = in->table_writer_ext;
            st->parse_in = in;
            if (has_res && res >= 0) status = k8smeta_prefetch_thread(st, (int64_t)e->tid, e);
            ss_plugin_rc rc =
                k8smeta_py_parse_process(st, e->type, (int64_t)e->tid, res, has_res, status);
            st->reader = NULL;
            st->writer = NULL;
            st->parse_in = NULL;
            return rc;
        }
        default:
            st->generation++;   /* an async event may change the store: drop cached values */
            return k8smeta_py_parse(st, evt, in);
    }
}

K8SMETA_EXPORT ss_plugin_rc plugin_set_async_event_handler(
    ss_plugin_t* s, ss_plugin_owner_t* owner, const ss_plugin_async_event_handler_t handler) {
    K8SMETA_WRAP(k8smeta_py_set_async((k8smeta_state*)s, owner, handler));
}

K8SMETA_EXPORT ss_plugin_rc plugin_dump_state(
    ss_plugin_t* s, ss_plugin_owner_t* owner, const ss_plugin_async_event_handler_t handler) {
    if (s != NULL && handler == NULL)
        return k8smeta_bad_input((k8smeta_state*)s, "plugin_dump_state: the handler is NULL");
    K8SMETA_WRAP(k8smeta_py_dump_state((k8smeta_state*)s, owner, handler));
}

K8SMETA_EXPORT ss_plugin_rc plugin_capture_open(
    ss_plugin_t* s, const ss_plugin_capture_listen_input* in) {
    if (s != NULL && in == NULL)
        return k8smeta_bad_input((k8smeta_state*)s, "plugin_capture_open: the input is NULL");
    K8SMETA_WRAP(k8smeta_py_capture_open((k8smeta_state*)s, in));
}

K8SMETA_EXPORT ss_plugin_metric* plugin_get_metrics(ss_plugin_t* s, uint32_t* num_metrics) {
    if (num_metrics == NULL) return NULL;
    *num_metrics = 0;
    if (s == NULL || ((k8smeta_state*)s)->handle == NULL || !k8smeta_python_usable()) return NULL;
    return k8smeta_py_get_metrics((k8smeta_state*)s, num_metrics);
}

/* ---- hot-path helpers called from Python --------------------------------------------- */

/* Copy the string field `f` of the entry of `tid` into out (NUL-terminated).
 * Returns its length, -1 when the thread is absent, -2 when the read failed. */
static int k8smeta_read_thread_string(ss_plugin_table_reader_vtable_ext* r, ss_plugin_table_t* t,
                                      ss_plugin_table_field_t* f, int64_t tid, char* out,
                                      int size) {
    ss_plugin_state_data key;
    ss_plugin_state_data value;
    key.s64 = tid;
    ss_plugin_table_entry_t* e = r->get_table_entry(t, &key);
    if (e == NULL) return -1;
    int n = -2;
    if (r->read_entry_field(t, e, f, &value) == 0) {
        const char* str = value.str != NULL ? value.str : "";
        size_t len = strlen(str);
        if (len >= (size_t)size) len = (size_t)size - 1;
        memcpy(out, str, len);
        out[len] = '\0';
        n = (int)len;
    }
    if (r->release_table_entry != NULL) r->release_table_entry(t, e);
    return n;
}

typedef struct {
    ss_plugin_table_reader_vtable_ext* r;
    ss_plugin_table_t* sub;
    ss_plugin_table_field_t* f_second;
    char* out;
    int size;
    int used;
    int failed;
} k8smeta_cgroup_walk;

static ss_plugin_bool k8smeta_collect_second(ss_plugin_table_iterator_state_t* st,
                                             ss_plugin_table_entry_t* e) {
    k8smeta_cgroup_walk* w = (k8smeta_cgroup_walk*)st;
    ss_plugin_state_data value;
    if (w->r->read_entry_field(w->sub, e, w->f_second, &value) != 0) {
        w->failed = 1;
        return 0;
    }
    const char* str = value.str != NULL ? value.str : "";
    size_t len = strlen(str);
    if (w->used + (int)len + 1 > w->size) return 0;   /* out of room: keep what fits */
    memcpy(w->out + w->used, str, len + 1);
    w->used += (int)len + 1;
    return 1;
}

/* Write the `second` strings of the entry's cgroups sub-table into out, each followed by
 * a NUL. Returns the bytes used, or -1 when the sub-table cannot be read. */
static int k8smeta_read_cgroups(ss_plugin_table_reader_vtable_ext* r, ss_plugin_table_t* t,
                                ss_plugin_table_entry_t* e, ss_plugin_table_field_t* f_cgroups,
                                ss_plugin_table_field_t* f_second, char* out, int size) {
    ss_plugin_state_data value;
    value.table = NULL;
    if (r->read_entry_field(t, e, f_cgroups, &value) != 0 || value.table == NULL) return -1;
    k8smeta_cgroup_walk w = {r, value.table, f_second, out, size, 0, 0};
    r->iterate_entries(value.table, k8smeta_collect_second, &w);
    return w.failed ? -1 : w.used;
}

/* Write the string field `f` of thread `tid` (skipped when it already holds `value`).
 * Returns 0, -1 when the thread is absent, -2 when the write failed. */
static int k8smeta_write_thread_string(ss_plugin_table_reader_vtable_ext* r,
                                       ss_plugin_table_writer_vtable_ext* w, ss_plugin_table_t* t,
                                       ss_plugin_table_field_t* f, int64_t tid,
                                       const char* value) {
    ss_plugin_state_data key;
    ss_plugin_state_data data;
    key.s64 = tid;
    ss_plugin_table_entry_t* e = r->get_table_entry(t, &key);
    if (e == NULL) return -1;
    int rc = 0;
    if (r->read_entry_field(t, e, f, &data) != 0 || data.str == NULL ||
        strcmp(data.str, value) != 0) {
        data.str = value;
        rc = w->write_entry_field(t, e, f, &data) == 0 ? 0 : -2;
    }
    if (r->release_table_entry != NULL) r->release_table_entry(t, e);
    return rc;
}

/* Hosts without the cgroups sub-table (API < 3.9): the paths of the event's `cgroups`
 * parameter (index 14, 16-bit slots, present only when nparams > 14), each element
 * `subsystem=path` reduced to its path, written to out NUL-separated. Returns the bytes
 * used (0 when the parameter is absent, empty or out of the event's bounds). */
static int k8smeta_event_cgroups(const ss_plugin_event* e, char* out, int size) {
    const char* base = (const char*)e;
    uint32_t nparams = e->nparams;
    if (nparams <= 14 || nparams > 0xFFFF || e->len < 26 + 2 * nparams) return 0;
    uint32_t start = 26 + 2 * nparams;
    uint16_t len = 0;
    for (uint32_t i = 0; i <= 14; i++) {
        memcpy(&len, base + 26 + 2 * i, 2);
        if (i < 14) start += len;
    }
    if (len == 0 || start + len > e->len || start + len < start) return 0;
    int used = 0;
    const char* p = base + start;
    const char* end = p + len;
    while (p < end) {
        const char* nul = memchr(p, '\0', (size_t)(end - p));
        const char* stop = nul != NULL ? nul : end;
        const char* eq = memchr(p, '=', (size_t)(stop - p));
        const char* path = eq != NULL ? eq + 1 : p;
        size_t n = (size_t)(stop - path);
        if (n > 0) {
            if (used + (int)n + 1 > size) break;   /* out of room: keep what fits */
            memcpy(out + used, path, n);
            out[used + (int)n] = '\0';
            used += (int)n + 1;
        }
        p = stop + 1;
    }
    return used;
}

/* Read thread `tid`'s pod_uid into st->uid and its cgroups into st->cgroups with this
 * call's reader (one entry, released): from the cgroups sub-table, or on hosts without it
 * from the event `e`. Returns the cgroups bytes, -1 when the thread is absent, -2 when its
 * cgroups cannot be read. */
static int k8smeta_prefetch_thread(k8smeta_state* st, int64_t tid,
                                   const ss_plugin_event* evt) {
    ss_plugin_table_reader_vtable_ext* r = st->reader;
    ss_plugin_state_data key;
    ss_plugin_state_data data;
    if (r == NULL) return -1;
    key.s64 = tid;
    ss_plugin_table_entry_t* entry = r->get_table_entry(st->table, &key);
    if (entry == NULL) return -1;
    st->uid[0] = '\0';
    if (r->read_entry_field(st->table, entry, st->f_pod, &data) == 0 && data.str != NULL)
        snprintf(st->uid, sizeof st->uid, "%s", data.str);
    int n = st->f_cgroups == NULL
                ? k8smeta_event_cgroups(evt, st->cgroups, (int)sizeof st->cgroups)
                : k8smeta_read_cgroups(r, st->table, entry, st->f_cgroups, st->f_second,
                                       st->cgroups, (int)sizeof st->cgroups);
    if (r->release_table_entry != NULL) r->release_table_entry(st->table, entry);
    return n < 0 ? -2 : n;
}

/* Write thread `tid`'s pod_uid with the vtables of the current parse_event call. */
static int k8smeta_write_pod_uid(k8smeta_state* st, int64_t tid, const char* value) {
    if (st->reader == NULL || st->writer == NULL) return -2;
    return k8smeta_write_thread_string(st->reader, st->writer, st->table, st->f_pod, tid, value);
}

/* Write thread `tid`'s pod_uid with the given vtables (flush of the /proc scan on hosts
 * without the cgroups sub-table). 0, -1 when the thread is absent, -2 when the write failed. */
static int k8smeta_write_thread_pod(k8smeta_state* st, ss_plugin_table_reader_vtable_ext* r,
                                    ss_plugin_table_writer_vtable_ext* w, int64_t tid,
                                    const char* value) {
    if (r == NULL || w == NULL) return -2;
    return k8smeta_write_thread_string(r, w, st->table, st->f_pod, tid, value);
}
