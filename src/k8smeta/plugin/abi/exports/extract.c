/* plugin_extract_fields (part of the cffi preamble; Python bodies: extract.py).
 *
 * The thread's pod_uid (and container ID) is read here, once per call, into this call's
 * stack; a thread in no pod is answered here ("no value", and Python only to log why when
 * the verbosity would show it), and so are cached values (cache.c). Python gets the call's
 * data (a `k8smeta_call`; whether it is the call's first field Python answers; the event
 * number) and one field, and answers through the `k8smeta_call`'s out-parameters: the
 * value (a `k8smeta_value`, NULL for none) and, without value, its K8SMETA_REASON_*. */

#ifdef K8SMETA_CFFI_DECLARATIONS
extern "Python" ss_plugin_rc k8smeta_py_extract_one(k8smeta_state* s, k8smeta_call* call,
    int first, uint64_t evtnum, uint32_t field_id, const char* arg, int slot);
extern "Python" ss_plugin_rc k8smeta_py_no_pod(k8smeta_state* s, uint64_t evtnum, int64_t tid,
    int read);
#endif /* K8SMETA_CFFI_DECLARATIONS */

/* A value from Python or the cache (NULL: no value) as a field's result. */
static void k8smeta_set_result(ss_plugin_extract_field* f, k8smeta_value* value) {
    if (value == NULL) {
        f->res_len = 0;
    } else {
        f->res.str = value->strings;
        f->res_len = value->count;
    }
}

/* No value for the fields from `first` on. */
static void k8smeta_no_values(const ss_plugin_field_extract_input* in, uint32_t first) {
    for (uint32_t i = first; i < in->num_fields; i++) in->fields[i].res_len = 0;
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

/* Field `f` from Python (its value not cached; `first`: the first of this extract_fields
 * call) on event `evtnum` of the thread with `uid` and `cid`: into its result, and into
 * cache slot `slot` unless K8SMETA_CACHE_NONE (`field_cid`: its cache key's container ID).
 * SUCCESS, or FAILURE with the last error set by Python. Out of line: the cached path
 * stays small. */
static __attribute__((noinline)) ss_plugin_rc k8smeta_extract_from_python(
    k8smeta_state* st, int first, uint64_t evtnum, const char* uid, const char* cid,
    ss_plugin_extract_field* f, const char* field_cid, int slot) {
    k8smeta_call call = {uid, cid, NULL, K8SMETA_REASON_NOT_COUNTED};
    ss_plugin_rc rc =
        k8smeta_py_extract_one(st, &call, first, evtnum, f->field_id, f->arg_key, slot);
    if (rc != SS_PLUGIN_SUCCESS) return rc;
    if (slot != K8SMETA_CACHE_NONE)
        k8smeta_cache_store(&((k8smeta_cache_slot*)st->cache)[slot], st->generation, uid,
                            field_cid, f->field_id, f->arg_key, call.value, call.why);
    k8smeta_set_result(f, call.value);
    return SS_PLUGIN_SUCCESS;
}

K8SMETA_EXPORT ss_plugin_rc plugin_extract_fields(
    ss_plugin_t* s, const ss_plugin_event_input* evt, const ss_plugin_field_extract_input* in) {
    K8SMETA_RETURN_UNLESS_READY(s);
    k8smeta_state* st = (k8smeta_state*)s;
    if (evt == NULL || evt->evt == NULL || in == NULL || (in->fields == NULL && in->num_fields))
        return k8smeta_bad_input(st, "plugin_extract_fields: NULL event or extraction input");
    if (in->num_fields == 0) return SS_PLUGIN_SUCCESS;
    int64_t tid = (int64_t)evt->evt->tid;
    char uid[K8SMETA_POD_UID_SIZE];
    char cid[K8SMETA_CONTAINER_ID_SIZE];
    int read = K8SMETA_POD_NO_THREAD;
    int with_container = 0;   /* the container ID is read only for the container fields */
    for (uint32_t i = 0; i < in->num_fields; i++)
        with_container |= k8smeta_is_container_field(in->fields[i].field_id);
    if (tid > 0 && in->table_reader_ext != NULL)
        read = k8smeta_read_thread_ids(in->table_reader_ext, st, tid, uid, cid, with_container);
    if (read <= K8SMETA_POD_EMPTY) {   /* no pod: K8SMETA_POD_EMPTY, _NO_THREAD or _FAILED */
        if (read == K8SMETA_POD_FAILED) return k8smeta_read_failed(st, in);
        k8smeta_no_values(in, 0);
        st->absent[K8SMETA_REASON_NO_POD_UID] += in->num_fields;   /* Python counts none */
        if (st->quiet_absent) return SS_PLUGIN_SUCCESS;
        return k8smeta_py_no_pod(st, evt->evtnum, tid, read);
    }
    int first = 1;   /* no field of this call has gone to Python yet */
    k8smeta_cache_slot* cache = (k8smeta_cache_slot*)st->cache;
    int cacheable = cache != NULL && st->quiet_absent;
    for (uint32_t i = 0; i < in->num_fields; i++) {
        ss_plugin_extract_field* f = &in->fields[i];
        /* a container field's value depends on the thread's container too */
        const char* field_cid = k8smeta_is_container_field(f->field_id) ? cid : NULL;
        int slot = cacheable ? k8smeta_cache_slot_of(uid, field_cid, f->field_id, f->arg_key)
                             : K8SMETA_CACHE_NONE;
        if (slot != K8SMETA_CACHE_NONE &&
            k8smeta_cache_matches(&cache[slot], st->generation, uid, field_cid, f->field_id,
                                  f->arg_key)) {
            k8smeta_set_result(f, cache[slot].value);
            if (cache[slot].value == NULL && cache[slot].why != K8SMETA_REASON_NOT_COUNTED)
                st->absent[cache[slot].why]++;
            continue;
        }
        if (k8smeta_extract_from_python(st, first, evt->evtnum, uid, cid, f, field_cid, slot) !=
            SS_PLUGIN_SUCCESS) {
            k8smeta_no_values(in, i);
            return SS_PLUGIN_FAILURE;
        }
        first = 0;
    }
    return SS_PLUGIN_SUCCESS;
}
