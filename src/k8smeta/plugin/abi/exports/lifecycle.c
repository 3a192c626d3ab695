/* plugin_init and plugin_destroy (part of the cffi preamble; Python bodies: lifecycle.py). */

#ifdef K8SMETA_CFFI_DECLARATIONS
extern "Python" ss_plugin_rc k8smeta_py_init(k8smeta_state* s, const ss_plugin_init_input* in);
extern "Python" void k8smeta_py_destroy(k8smeta_state* s);
#endif /* K8SMETA_CFFI_DECLARATIONS */

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
