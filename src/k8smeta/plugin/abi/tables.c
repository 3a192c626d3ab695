/* Reads of the host's threads table and of process events, done in C before Python runs
 * (part of the cffi preamble, after cache.c): one entry visit per event, no Python object,
 * no GIL. The event layout sizes come from k8smeta.plugin.abi.events, the statuses
 * (K8SMETA_POD_*, K8SMETA_WRITE_*, K8SMETA_CGROUPS_*) from k8smeta.plugin.abi.protocol
 * (generated). */

/* The helpers Python calls (session.py, thread_views.py), for cffi's declarations (build.py
 * reads this block; the compiler skips it). */
#ifdef K8SMETA_CFFI_DECLARATIONS
int k8smeta_read_cgroups(ss_plugin_table_reader_vtable_ext* r, ss_plugin_table_t* t,
    ss_plugin_table_entry_t* e, ss_plugin_table_field_t* f_cgroups,
    ss_plugin_table_field_t* f_second, char* out, int size);
int k8smeta_write_thread_pod(k8smeta_state* s, ss_plugin_table_reader_vtable_ext* r,
    ss_plugin_table_writer_vtable_ext* w, int64_t tid, const char* value);
int k8smeta_write_thread_container(k8smeta_state* s, ss_plugin_table_reader_vtable_ext* r,
    ss_plugin_table_writer_vtable_ext* w, int64_t tid, const char* value);
#endif /* K8SMETA_CFFI_DECLARATIONS */

/* ---- threads table ------------------------------------------------------------------ */

/* Copy string field `f` of entry `e` into out (NUL-terminated, cut to size): its length,
 * or `failed` when the read failed (out is then ""). */
static int k8smeta_read_entry_string(ss_plugin_table_reader_vtable_ext* r, ss_plugin_table_t* t,
                                     ss_plugin_table_entry_t* e, ss_plugin_table_field_t* f,
                                     char* out, int size, int failed) {
    ss_plugin_state_data value;
    out[0] = '\0';
    if (r->read_entry_field(t, e, f, &value) != SS_PLUGIN_SUCCESS) return failed;
    return (int)k8smeta_copy_cut(out, (size_t)size, value.str != NULL ? value.str : "");
}

/* Thread `tid`'s pod_uid into `uid` and, when `with_container`, its container ID into `cid`
 * (else ""), in one entry visit. Returns the pod_uid's length (> 0), K8SMETA_POD_EMPTY,
 * K8SMETA_POD_NO_THREAD or K8SMETA_POD_FAILED (a failed container ID read leaves it ""). */
static int k8smeta_read_thread_ids(ss_plugin_table_reader_vtable_ext* r, k8smeta_state* st,
                                   int64_t tid, char uid[K8SMETA_POD_UID_SIZE],
                                   char cid[K8SMETA_CONTAINER_ID_SIZE], int with_container) {
    ss_plugin_state_data key;
    key.s64 = tid;
    cid[0] = '\0';
    ss_plugin_table_entry_t* e = r->get_table_entry(st->table, &key);
    if (e == NULL) return K8SMETA_POD_NO_THREAD;
    int n = k8smeta_read_entry_string(r, st->table, e, st->f_pod, uid, K8SMETA_POD_UID_SIZE,
                                      K8SMETA_POD_FAILED);
    if (n > 0 && with_container)
        k8smeta_read_entry_string(r, st->table, e, st->f_container, cid,
                                  K8SMETA_CONTAINER_ID_SIZE, K8SMETA_POD_FAILED);
    if (r->release_table_entry != NULL) r->release_table_entry(st->table, e);
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
    if (w->r->read_entry_field(w->sub, e, w->f_second, &value) != SS_PLUGIN_SUCCESS) {
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
 * a NUL. Returns the bytes used, or K8SMETA_CGROUPS_UNREADABLE. */
static int k8smeta_read_cgroups(ss_plugin_table_reader_vtable_ext* r, ss_plugin_table_t* t,
                                ss_plugin_table_entry_t* e, ss_plugin_table_field_t* f_cgroups,
                                ss_plugin_table_field_t* f_second, char* out, int size) {
    ss_plugin_state_data value;
    value.table = NULL;
    if (r->read_entry_field(t, e, f_cgroups, &value) != SS_PLUGIN_SUCCESS || value.table == NULL)
        return K8SMETA_CGROUPS_UNREADABLE;
    k8smeta_cgroup_walk w = {r, value.table, f_second, out, size, 0, 0};
    r->iterate_entries(value.table, k8smeta_collect_second, &w);
    return w.failed ? K8SMETA_CGROUPS_UNREADABLE : w.used;
}

/* Write the string field `f` of thread `tid` (skipped when it already holds `value`).
 * Returns K8SMETA_WRITE_WRITTEN, K8SMETA_WRITE_NO_THREAD or K8SMETA_WRITE_FAILED. */
static int k8smeta_write_thread_string(ss_plugin_table_reader_vtable_ext* r,
                                       ss_plugin_table_writer_vtable_ext* w, ss_plugin_table_t* t,
                                       ss_plugin_table_field_t* f, int64_t tid,
                                       const char* value) {
    ss_plugin_state_data key;
    ss_plugin_state_data data;
    key.s64 = tid;
    ss_plugin_table_entry_t* e = r->get_table_entry(t, &key);
    if (e == NULL) return K8SMETA_WRITE_NO_THREAD;
    int rc = K8SMETA_WRITE_WRITTEN;
    if (r->read_entry_field(t, e, f, &data) != SS_PLUGIN_SUCCESS || data.str == NULL ||
        strcmp(data.str, value) != 0) {
        data.str = value;
        rc = w->write_entry_field(t, e, f, &data) == SS_PLUGIN_SUCCESS ? K8SMETA_WRITE_WRITTEN
                                                                        : K8SMETA_WRITE_FAILED;
    }
    if (r->release_table_entry != NULL) r->release_table_entry(t, e);
    return rc;
}

/* ---- process events ------------------------------------------------------------------ */

/* Param 0 (`res`) of a process event; 0 when absent or not an int64. */
static int k8smeta_event_res(const ss_plugin_event* e, int64_t* res) {
    uint16_t len0;
    uint32_t start = K8SMETA_HEADER_SIZE + K8SMETA_LEN_SIZE * e->nparams;
    if (e->nparams < 1 || e->nparams > 0xFFFF || e->len < start + sizeof *res) return 0;
    memcpy(&len0, (const char*)e + K8SMETA_HEADER_SIZE, K8SMETA_LEN_SIZE);
    if (len0 != sizeof *res) return 0;
    memcpy(res, (const char*)e + start, sizeof *res);
    return 1;
}

/* The index of the `cgroups` parameter in execve/clone exit events. */
#define K8SMETA_CGROUPS_PARAM 14

/* Hosts without the cgroups sub-table (API < 3.9): the paths of the event's `cgroups`
 * parameter (present only when nparams > K8SMETA_CGROUPS_PARAM), each element
 * `subsystem=path` reduced to its path, written to out NUL-separated. Returns the bytes
 * used (0 when the parameter is absent, empty or out of the event's bounds). */
static int k8smeta_event_cgroups(const ss_plugin_event* e, char* out, int size) {
    const char* base = (const char*)e;
    uint32_t nparams = e->nparams;
    uint32_t start = K8SMETA_HEADER_SIZE + K8SMETA_LEN_SIZE * nparams;
    if (nparams <= K8SMETA_CGROUPS_PARAM || nparams > 0xFFFF || e->len < start) return 0;
    uint16_t len = 0;
    for (uint32_t i = 0; i <= K8SMETA_CGROUPS_PARAM; i++) {
        memcpy(&len, base + K8SMETA_HEADER_SIZE + K8SMETA_LEN_SIZE * i, K8SMETA_LEN_SIZE);
        if (i < K8SMETA_CGROUPS_PARAM) start += len;
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

/* ---- the event thread of parse_event ----------------------------------------------- */

/* Write string field `f` of `entry` unless it already holds `value`; K8SMETA_WRITE_WRITTEN
 * or K8SMETA_WRITE_FAILED. */
static int k8smeta_write_if_changed(ss_plugin_table_reader_vtable_ext* r,
                                    ss_plugin_table_writer_vtable_ext* w, ss_plugin_table_t* t,
                                    ss_plugin_table_entry_t* entry, ss_plugin_table_field_t* f,
                                    const char* value) {
    ss_plugin_state_data data;
    if (r->read_entry_field(t, entry, f, &data) == SS_PLUGIN_SUCCESS && data.str != NULL &&
        strcmp(data.str, value) == 0)
        return K8SMETA_WRITE_WRITTEN;
    data.str = value;
    return w != NULL && w->write_entry_field(t, entry, f, &data) == SS_PLUGIN_SUCCESS
               ? K8SMETA_WRITE_WRITTEN
               : K8SMETA_WRITE_FAILED;
}

/* Tag thread `tid` of a successful process event in one entry visit with this call's
 * vtables: read its cgroups (from the sub-table, or on hosts without it from the event `e`),
 * find the first pod UID in them and the container ID of the same path, and write each into
 * the thread's pod_uid and k8smeta.container_id unless the thread already holds it; without
 * a UID both are kept. Returns the K8SMETA_OUTCOME_* it came to (TAGGED also when nothing
 * needed writing). */
static int k8smeta_tag_thread(k8smeta_state* st, ss_plugin_table_reader_vtable_ext* r,
                              ss_plugin_table_writer_vtable_ext* w, int64_t tid,
                              const ss_plugin_event* e) {
    ss_plugin_state_data key;
    char uid[K8SMETA_POD_UID_LEN + 1];
    char cid[K8SMETA_CONTAINER_ID_LEN + 1];
    char cgroups[K8SMETA_CGROUPS_SIZE];   /* the thread's cgroup paths, NUL-separated */
    if (r == NULL) return K8SMETA_OUTCOME_NO_THREAD;
    key.s64 = tid;
    ss_plugin_table_entry_t* entry = r->get_table_entry(st->table, &key);
    if (entry == NULL) return K8SMETA_OUTCOME_NO_THREAD;
    int n = st->f_cgroups == NULL
                ? k8smeta_event_cgroups(e, cgroups, (int)sizeof cgroups)
                : k8smeta_read_cgroups(r, st->table, entry, st->f_cgroups, st->f_second,
                                       cgroups, (int)sizeof cgroups);
    int outcome = K8SMETA_OUTCOME_TAGGED;
    if (n == K8SMETA_CGROUPS_UNREADABLE) {
        outcome = K8SMETA_OUTCOME_CGROUPS_UNREADABLE;
    } else if (!k8smeta_find_ids(cgroups, (size_t)n, uid, cid)) {
        outcome = K8SMETA_OUTCOME_NO_POD;
    } else if (k8smeta_write_if_changed(r, w, st->table, entry, st->f_pod, uid) !=
                   K8SMETA_WRITE_WRITTEN ||
               k8smeta_write_if_changed(r, w, st->table, entry, st->f_container, cid) !=
                   K8SMETA_WRITE_WRITTEN) {
        outcome = K8SMETA_OUTCOME_WRITE_FAILED;
    }
    if (r->release_table_entry != NULL) r->release_table_entry(st->table, entry);
    return outcome;
}

/* Write thread `tid`'s pod_uid with the given vtables (flush of the /proc scan on hosts
 * without the cgroups sub-table): K8SMETA_WRITE_*. */
static int k8smeta_write_thread_pod(k8smeta_state* st, ss_plugin_table_reader_vtable_ext* r,
                                    ss_plugin_table_writer_vtable_ext* w, int64_t tid,
                                    const char* value) {
    if (r == NULL || w == NULL) return K8SMETA_WRITE_FAILED;
    return k8smeta_write_thread_string(r, w, st->table, st->f_pod, tid, value);
}

/* Write thread `tid`'s container ID with the given vtables (the /proc scan's flush). */
static int k8smeta_write_thread_container(k8smeta_state* st, ss_plugin_table_reader_vtable_ext* r,
                                          ss_plugin_table_writer_vtable_ext* w, int64_t tid,
                                          const char* value) {
    if (r == NULL || w == NULL) return K8SMETA_WRITE_FAILED;
    return k8smeta_write_thread_string(r, w, st->table, st->f_container, tid, value);
}
