/* plugin_set_async_event_handler and plugin_dump_state (part of the cffi preamble; Python
 * bodies: async_events.py). */

#ifdef K8SMETA_CFFI_DECLARATIONS
extern "Python" ss_plugin_rc k8smeta_py_set_async(k8smeta_state* s,
    ss_plugin_owner_t* owner, ss_plugin_async_event_handler_t handler);
extern "Python" ss_plugin_rc k8smeta_py_dump_state(k8smeta_state* s,
    ss_plugin_owner_t* owner, ss_plugin_async_event_handler_t handler);
#endif /* K8SMETA_CFFI_DECLARATIONS */

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
