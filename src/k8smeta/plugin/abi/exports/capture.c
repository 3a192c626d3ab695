/* plugin_capture_open, and the threads-table iterator callback it hands the host (part of
 * the cffi preamble; Python bodies: capture.py). plugin_capture_close needs no Python: it is
 * one of boot.c's static symbols. */

#ifdef K8SMETA_CFFI_DECLARATIONS
extern "Python" ss_plugin_rc k8smeta_py_capture_open(k8smeta_state* s,
    const ss_plugin_capture_listen_input* in);
extern "Python" ss_plugin_bool k8smeta_py_visit_thread(ss_plugin_table_iterator_state_t* s,
    ss_plugin_table_entry_t* e);
#endif /* K8SMETA_CFFI_DECLARATIONS */

K8SMETA_EXPORT ss_plugin_rc plugin_capture_open(
    ss_plugin_t* s, const ss_plugin_capture_listen_input* in) {
    if (s != NULL && in == NULL)
        return k8smeta_bad_input((k8smeta_state*)s, "plugin_capture_open: the input is NULL");
    K8SMETA_WRAP(k8smeta_py_capture_open((k8smeta_state*)s, in));
}
