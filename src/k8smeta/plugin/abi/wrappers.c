/* The plugin_* symbols that call into Python (part of the cffi preamble, after tables.c):
 * each checks its inputs and that Python is usable, does in C what needs no Python (the
 * thread reads of tables.c, the answers of cache.c), then calls one `extern "Python"`
 * function, which calls one method of the state's session (k8smeta.plugin.abi.exports). */

/* ---- results and errors -------------------------------------------------------------- */

/* A `char*` array from Python or the cache (NULL: no value) as a field's result. */
static void k8smeta_set_result(ss_plugin_extract_field* f, const char** res) {
    if (res == NULL) {
        f->res_len = 0;
    } else {
        f->res.str = res;
        f->res_len = (uint64_t)(uintptr_t)res[-1];
    }
}

/* No value for the fields from `first` on. */
static void k8smeta_no_values(const ss_plugin_field_extract_input* in, uint32_t first) {
    for (uint32_t i = first; i < in->num_fields; i++) in->fields[i].res_len = 0;
}

/* FAILURE with `msg` as the state's last error: a NULL where the API promises a pointer
 * (libsinsp never does this; a faulty host must get an error, not a crash). */
static ss_plugin_rc k8smeta_bad_input(k8smeta_state* s, const char* msg) {
    k8smeta_copy_error(s->last_error, msg);
    return SS_PLUGIN_FAILURE;
}

/* FAILURE with the start-up error as the state's last error. */
static ss_plugin_rc k8smeta_unavailable(ss_plugin_t* s) {
    if (s != NULL) k8smeta_copy_error(((k8smeta_state*)s)->last_error, k8smeta_boot_error);
    return SS_PLUGIN_FAILURE;
}

/* FAILURE, no values: the thread's pod_uid could not be read (the owner's error says why). */
static ss_plugin_rc k8smeta_read_failed(k8smeta_state* st,
                                        const ss_plugin_field_extract_input* in) {
    const char* err = in->get_owner_last_error != NULL ? in->get_owner_last_error(in->owner)
                                                       : NULL;
    snprintf(st->last_error, sizeof st->last_error, "cannot read pod_uid: %s",
             err != NULL ? err : "");
    k8smeta_no_values(in, 0);
    return SS_PLUGIN_FAILURE;
}

/* Whether field `id` is one of the container fields (their value depends on the thread's
 * container ID, read and cached with them). */
static int k8smeta_is_container_field(uint32_t id) {
    return id >= K8SMETA_CONTAINER_FIELDS_FIRST && id < K8SMETA_CONTAINER_FIELDS_END;
}

/* ---- the symbols ---------------------------------------------------------------------- */

K8SMETA_EXPORT ss_plugin_t* plugin_init(const ss_plugin_init_input* in, ss_plugin_rc* rc) {
    ss_plugin_rc ignored;
    if (rc == NULL) rc = &ignored;
    k8smeta_state* s = calloc(1, sizeof(k8smeta_state));
    if (s == NULL) {
        k8smeta_copy_error(k8smeta_boot_error, "k8smeta: out of memory");
        *rc = SS_PLUGIN_FAILURE;
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
    s->cache = k8smeta_cache_new();
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

/* SUCCESS when state `s` can take a call into Python, else FAILURE. A state whose init
 * failed keeps its init error; other calls on it fail. */
static ss_plugin_rc k8smeta_state_ready(ss_plugin_t* s) {
    if (s == NULL) return SS_PLUGIN_FAILURE;
    if (!k8smeta_python_usable()) return k8smeta_unavailable(s);
    if (((k8smeta_state*)s)->handle == NULL) return SS_PLUGIN_FAILURE;
    return SS_PLUGIN_SUCCESS;
}

#define K8SMETA_RETURN_UNLESS_READY(s)                    \
    do {                                                  \
        ss_plugin_rc ready_ = k8smeta_state_ready(s);     \
        if (ready_ != SS_PLUGIN_SUCCESS) return ready_;   \
    } while (0)

#define K8SMETA_WRAP(call)              \
    K8SMETA_RETURN_UNLESS_READY(s);     \
    return call

/* The thread's pod_uid (and container ID) is read here, once per call; a thread in no pod is answered here
 * ("no value", and Python only to log why when the verbosity would show it), and so are
 * cached values. Python gets plain scalars per other field and returns a `char*` array
 * whose slot [-1] holds its length. */
K8SMETA_EXPORT ss_plugin_rc plugin_extract_fields(
    ss_plugin_t* s, const ss_plugin_event_input* evt, const ss_plugin_field_extract_input* in) {
    K8SMETA_RETURN_UNLESS_READY(s);
    k8smeta_state* st = (k8smeta_state*)s;
    if (evt == NULL || evt->evt == NULL || in == NULL || (in->fields == NULL && in->num_fields))
        return k8smeta_bad_input(st, "plugin_extract_fields: NULL event or extraction input");
    if (in->num_fields == 0) return SS_PLUGIN_SUCCESS;
    int64_t tid = (int64_t)evt->evt->tid;
    int status = -1;
    int with_container = 0;   /* the container ID is read only for the container fields */
    for (uint32_t i = 0; i < in->num_fields; i++)
        with_container |= k8smeta_is_container_field(in->fields[i].field_id);
    if (tid > 0 && in->table_reader_ext != NULL)
        status = k8smeta_read_thread_ids(in->table_reader_ext, st, tid, with_container);
    if (status == -2) return k8smeta_read_failed(st, in);
    if (status <= 0) {   /* no thread id, no such thread (-1), or an empty pod_uid (0) */
        k8smeta_no_values(in, 0);
        st->absent[0] += in->num_fields;   /* reason 0: no pod_uid (Python counts none) */
        if (st->quiet_absent) return SS_PLUGIN_SUCCESS;
        st->failed = 0;
        k8smeta_py_no_pod(st, evt->evtnum, tid, status);
        return st->failed ? SS_PLUGIN_FAILURE : SS_PLUGIN_SUCCESS;
    }
    uint64_t call = ++st->extract_calls;
    k8smeta_cache_slot* cache = (k8smeta_cache_slot*)st->cache;
    int cacheable = cache != NULL && st->quiet_absent;
    for (uint32_t i = 0; i < in->num_fields; i++) {
        ss_plugin_extract_field* f = &in->fields[i];
        /* a container field's value depends on the thread's container too */
        const char* cid = k8smeta_is_container_field(f->field_id) ? st->container_id : NULL;
        int slot = cacheable ? k8smeta_cache_slot_of(st->uid, cid, f->field_id, f->arg_key) : -1;
        if (slot >= 0 &&
            k8smeta_cache_matches(&cache[slot], st->generation, st->uid, cid, f->field_id,
                                  f->arg_key)) {
            k8smeta_set_result(f, cache[slot].res);
            if (cache[slot].res == NULL && cache[slot].why >= 0) st->absent[cache[slot].why]++;
            continue;
        }
        st->failed = 0;
        st->why = -1;
        const char** res =
            k8smeta_py_extract_one(st, evt->evtnum, f->field_id, f->arg_key, call, slot);
        if (st->failed) {
            k8smeta_no_values(in, i);
            return SS_PLUGIN_FAILURE;
        }
        if (slot >= 0) k8smeta_cache_store(&cache[slot], st->generation, st->uid, cid,
                                           f->field_id, f->arg_key, res, st->why);
        k8smeta_set_result(f, res);
    }
    return SS_PLUGIN_SUCCESS;
}

/* An async event goes to Python. A process event is parsed here: its thread is tagged in
 * C (tables.c), and Python is entered only for the /proc scan of old hosts (once), for an
 * outcome the verbosity would log, and for errors (logged and counted there). */
K8SMETA_EXPORT ss_plugin_rc plugin_parse_event(
    ss_plugin_t* s, const ss_plugin_event_input* evt, const ss_plugin_event_parse_input* in) {
    K8SMETA_RETURN_UNLESS_READY(s);
    k8smeta_state* st = (k8smeta_state*)s;
    if (evt == NULL || evt->evt == NULL || in == NULL)
        return k8smeta_bad_input(st, "plugin_parse_event: NULL event or parse input");
    const ss_plugin_event* e = evt->evt;
    if (!k8smeta_is_process_event(e->type)) {
        st->generation++;   /* an async event may change the store: drop cached values */
        return k8smeta_py_parse(st, evt, in);
    }
    int64_t tid = (int64_t)e->tid;
    if (st->scan_pending) {   /* hosts without the cgroups sub-table: once, before tagging */
        ss_plugin_rc scanned = k8smeta_py_scan_threads(st, in);
        if (scanned != SS_PLUGIN_SUCCESS) return scanned;
    }
    int64_t res = 0;
    int outcome;
    if (!k8smeta_event_res(e, &res))
        outcome = K8SMETA_OUTCOME_NO_RES;
    else if (res < 0)
        outcome = K8SMETA_OUTCOME_FAILED_SYSCALL;
    else
        outcome = k8smeta_tag_thread(st, in->table_reader_ext, in->table_writer_ext, tid, e);
    switch (outcome) {
    case K8SMETA_OUTCOME_TAGGED:
        st->tagged++;
        return SS_PLUGIN_SUCCESS;
    case K8SMETA_OUTCOME_NO_POD:
        return SS_PLUGIN_SUCCESS;
    case K8SMETA_OUTCOME_NO_RES:
    case K8SMETA_OUTCOME_FAILED_SYSCALL:
    case K8SMETA_OUTCOME_NO_THREAD:   /* logged at DEBUG or TRACE only */
        if (st->quiet_absent) return SS_PLUGIN_SUCCESS;
        break;
    default:   /* errors: logged and counted whatever the verbosity */
        break;
    }
    return k8smeta_py_parse_process(st, in, e->type, tid, outcome);
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

