/* The C half of every export's guard (part of the cffi preamble, before the export units):
 * a NULL where the API promises a pointer, a Python that did not start, a state whose init
 * failed: each becomes FAILURE plus a last error, before any Python runs. The Python half,
 * guard.py, turns an exception of an export's body into the same. */

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
