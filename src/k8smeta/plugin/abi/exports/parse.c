/* plugin_parse_event (part of the cffi preamble; Python bodies: parse.py).
 *
 * An async event goes to Python. A process event is parsed here: its thread is tagged in
 * C (tables.c), and Python is entered only for the /proc scan of old hosts (once), for an
 * outcome the verbosity would log, and for errors (logged and counted there). The outcomes
 * are K8SMETA_OUTCOME_* (k8smeta.plugin.core.tagging.ProcessOutcome, generated). */

#ifdef K8SMETA_CFFI_DECLARATIONS
extern "Python" ss_plugin_rc k8smeta_py_parse(k8smeta_state* s,
    const ss_plugin_event_input* evt, const ss_plugin_event_parse_input* in);
extern "Python" ss_plugin_rc k8smeta_py_parse_process(k8smeta_state* s,
    const ss_plugin_event_parse_input* in, uint16_t code, int64_t tid, int outcome);
extern "Python" ss_plugin_rc k8smeta_py_scan_threads(k8smeta_state* s,
    const ss_plugin_event_parse_input* in);
#endif /* K8SMETA_CFFI_DECLARATIONS */

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
