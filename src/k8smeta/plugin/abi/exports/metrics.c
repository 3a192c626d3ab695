/* plugin_get_metrics (part of the cffi preamble; Python body: metrics.py). */

#ifdef K8SMETA_CFFI_DECLARATIONS
extern "Python" ss_plugin_metric* k8smeta_py_get_metrics(k8smeta_state* s, uint32_t* num);
#endif /* K8SMETA_CFFI_DECLARATIONS */

K8SMETA_EXPORT ss_plugin_metric* plugin_get_metrics(ss_plugin_t* s, uint32_t* num_metrics) {
    if (num_metrics == NULL) return NULL;
    *num_metrics = 0;
    if (s == NULL || ((k8smeta_state*)s)->handle == NULL || !k8smeta_python_usable()) return NULL;
    return k8smeta_py_get_metrics((k8smeta_state*)s, num_metrics);
}
