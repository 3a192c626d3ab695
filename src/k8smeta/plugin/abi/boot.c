/* The C side of libk8smeta.so (spec sections 4.4 and 21), compiled into the cffi module:
 * start-up and static symbols here; wrappers into Python and hot-path helpers in calls.c.
 *
 * - an ELF constructor makes libpython's symbols global (E1) and starts CPython with an
 *   isolated configuration pointing at the project's virtualenv (E2, E7);
 * - the static-info symbols are plain C and never touch Python (E4);
 * - the other plugin_* symbols are thin wrappers: they check that Python is ready, then
 *   call one `extern "Python"` function (defined by k8smeta.plugin.abi.exports);
 * - each state is a small C struct holding the Python handle and the last error, so
 *   get_last_error never needs Python;
 * - hot-path helpers walk the libsinsp vtables in C (one Python->C call per lookup).
 *
 * Build-time values (K8SMETA_*) are #defined by k8smeta.plugin.abi.build before this text.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define K8SMETA_EXPORT __attribute__((visibility("default")))
#define K8SMETA_ERRLEN 1024

/* ---- state ------------------------------------------------------------------------ */

static volatile int k8smeta_boot_ok = 0;     /* CPython is initialized and usable */
static volatile int k8smeta_ready = 0;       /* our Python code is loaded */
static char k8smeta_boot_error[K8SMETA_ERRLEN] = "k8smeta: the Python runtime was not started";

static void k8smeta_set_ready(void) { k8smeta_ready = 1; }

static void k8smeta_copy_error(char* dst, const char* msg) {
    if (dst != msg) snprintf(dst, K8SMETA_ERRLEN, "%s", msg);
}

/* ---- forward declarations ------------------------------------------------------------ */

K8SMETA_EXPORT const char* plugin_get_name(void);

static ss_plugin_rc k8smeta_py_init(k8smeta_state* s, const ss_plugin_init_input* in);
static void k8smeta_py_destroy(k8smeta_state* s);
static const char** k8smeta_py_extract_one(k8smeta_state* s, uint64_t evtnum, int64_t tid,
                                           uint32_t field_id, const char* arg, int uid_status,
                                           uint64_t call, int slot);
static ss_plugin_rc k8smeta_py_parse_process(k8smeta_state* s, uint16_t code, int64_t tid,
                                             int64_t res, int has_res, int cgroups_status);
static int k8smeta_prefetch_thread(k8smeta_state* st, int64_t tid, const ss_plugin_event* evt);
static int k8smeta_read_thread_string(ss_plugin_table_reader_vtable_ext* r, ss_plugin_table_t* t,
                                      ss_plugin_table_field_t* f, int64_t tid, char* out,
                                      int size);
static ss_plugin_rc k8smeta_py_parse(
    k8smeta_state* s, const ss_plugin_event_input* evt, const ss_plugin_event_parse_input* in);
static ss_plugin_rc k8smeta_py_set_async(
    k8smeta_state* s, ss_plugin_owner_t* owner, ss_plugin_async_event_handler_t handler);
static ss_plugin_rc k8smeta_py_dump_state(
    k8smeta_state* s, ss_plugin_owner_t* owner, ss_plugin_async_event_handler_t handler);
static ss_plugin_rc k8smeta_py_capture_open(
    k8smeta_state* s, const ss_plugin_capture_listen_input* in);
static ss_plugin_metric* k8smeta_py_get_metrics(k8smeta_state* s, uint32_t* num);

/* ---- start-up (E1, E2, E7) ------------------------------------------------------------- */

/* The directory holding this .so (symlinks resolved) into `out` (PATH_MAX bytes); 0 if unknown. */
static int k8smeta_library_dir(char* out) {
    Dl_info info;
    if (!dladdr((void*)&plugin_get_name, &info) || info.dli_fname == NULL) return 0;
    if (realpath(info.dli_fname, out) == NULL) return 0;
    char* slash = strrchr(out, '/');
    if (slash == NULL) return 0;
    *slash = '\0';
    return 1;
}

/* <dir of this .so>/../.venv/bin/python3 when it exists, else the build-time venv. */
static void k8smeta_find_python(char* out, size_t size) {
    char so_dir[PATH_MAX];
    snprintf(out, size, "%s", K8SMETA_VENV_PYTHON);
    if (!k8smeta_library_dir(so_dir)) return;
    char candidate[PATH_MAX + 32];
    snprintf(candidate, sizeof candidate, "%s/../.venv/bin/python3", so_dir);
    if (access(candidate, X_OK) == 0 && strlen(candidate) < size) snprintf(out, size, "%s", candidate);
}

/* ---- relocatable bundle (k8smeta.plugin.abi.bundle) ------------------------------------ */
/* Built with K8SMETA_BUNDLE_DIR (a directory name), the library is one part of a bundle:
 * the interpreter's home is <dir of this .so>/K8SMETA_BUNDLE_DIR, wherever the bundle was
 * unpacked, and libpython is found there through the $ORIGIN rpath. Nothing is written
 * next to the library (no bytecode: the bundle ships it). Without the macro, a no-op. */
#ifdef K8SMETA_BUNDLE_DIR
/* Each library of K8SMETA_BUNDLE_FALLBACK (names separated by ':', dependencies first) that
 * the machine's dynamic linker cannot find is loaded from <home>/lib; an extension module
 * that needs it later is then given that copy (the dynamic linker matches its soname). A
 * machine that has the library keeps its own. The handles stay open for the process. */
static void k8smeta_bundle_fallbacks(const char* home) {
    char names[] = K8SMETA_BUNDLE_FALLBACK;
    char path[PATH_MAX];
    char* rest = NULL;
    for (char* name = strtok_r(names, ":", &rest); name != NULL; name = strtok_r(NULL, ":", &rest)) {
        if (dlopen(name, RTLD_NOW | RTLD_LOCAL) != NULL) continue;
        snprintf(path, sizeof path, "%.3900s/lib/%.64s", home, name);
        (void)dlopen(path, RTLD_NOW | RTLD_LOCAL);
    }
}

static PyStatus k8smeta_bundle_home(PyConfig* config, char* python, size_t size) {
    char so_dir[PATH_MAX];
    char home[PATH_MAX];
    PyStatus status;
    if (!k8smeta_library_dir(so_dir)) return PyStatus_Error("cannot find the library's own directory");
    if (strlen(so_dir) + sizeof K8SMETA_BUNDLE_DIR + 16 > sizeof home)
        return PyStatus_Error("the library's directory path is too long");
    snprintf(home, sizeof home, "%.3900s/%s", so_dir, K8SMETA_BUNDLE_DIR);
    k8smeta_bundle_fallbacks(home);
    /* An executable inside home that does not exist: no pyvenv.cfg, no PATH search. */
    snprintf(python, size, "%.4000s/bin/python3", home);
    config->write_bytecode = 0;
    status = PyConfig_SetBytesString(config, &config->home, home);
    if (PyStatus_Exception(status)) return status;
    return PyConfig_SetBytesString(config, &config->executable, python);
}
#else
static PyStatus k8smeta_bundle_home(PyConfig* config, char* python, size_t size) {
    (void)config;
    (void)python;
    (void)size;
    return PyStatus_Ok();
}
#endif

static void k8smeta_promote_libpython(void) {
    Dl_info info;
    if (dladdr((void*)&Py_InitializeEx, &info) && info.dli_fname != NULL) {
        /* Never closed: libpython must stay global for extension modules. */
        (void)dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
    }
}

static int k8smeta_start_python(void) {
    char python[PATH_MAX];
    PyConfig config;
    PyStatus status;
    k8smeta_find_python(python, sizeof python);
    PyConfig_InitIsolatedConfig(&config);
    config.install_signal_handlers = 0;
    config.site_import = 1;
    status = PyConfig_SetBytesString(&config, &config.executable, python);
    if (!PyStatus_Exception(status)) status = k8smeta_bundle_home(&config, python, sizeof python);
    if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) {
        snprintf(k8smeta_boot_error, sizeof k8smeta_boot_error,
                 "k8smeta: cannot start Python with %.512s: %.200s%s%.200s", python,
                 status.func ? status.func : "", status.func ? ": " : "",
                 status.err_msg ? status.err_msg : "unknown error");
        return 0;
    }
    (void)PyEval_SaveThread();   /* the GIL is taken per call by cffi */
    return 1;
}

__attribute__((constructor)) static void k8smeta_boot(void) {
    k8smeta_promote_libpython();
    if (Py_IsInitialized()) {   /* another component owns the interpreter: use it (E3) */
        k8smeta_boot_ok = 1;
        return;
    }
    k8smeta_boot_ok = k8smeta_start_python();
}

/* Python is initialized and our code is loaded (loads it on first use). */
static int k8smeta_python_usable(void) {
    if (k8smeta_ready) return 1;
    if (!k8smeta_boot_ok) return 0;
    if (cffi_start_python() != 0 || !k8smeta_ready) {
        k8smeta_copy_error(k8smeta_boot_error,
                           "k8smeta: the plugin's Python code failed to load (details on stderr)");
        k8smeta_boot_ok = 0;
        return 0;
    }
    return 1;
}

/* ---- static-info symbols (plain C) ------------------------------------------------------ */

K8SMETA_EXPORT const char* plugin_get_required_api_version(void) { return "3.2.0"; }
K8SMETA_EXPORT const char* plugin_get_version(void) { return "0.4.1"; }
K8SMETA_EXPORT const char* plugin_get_name(void) { return "k8smeta"; }
K8SMETA_EXPORT const char* plugin_get_description(void) {
    return "Enrich syscall events with information about the pod that throws them";
}
K8SMETA_EXPORT const char* plugin_get_contact(void) { return "github.com/falcosecurity/plugins"; }
K8SMETA_EXPORT const char* plugin_get_init_schema(ss_plugin_schema_type* schema_type) {
    *schema_type = 1; /* SS_PLUGIN_SCHEMA_JSON */
    return K8SMETA_INIT_SCHEMA;
}
K8SMETA_EXPORT const char* plugin_get_fields(void) { return K8SMETA_FIELDS; }
K8SMETA_EXPORT const char* plugin_get_extract_event_sources(void) { return "[\"syscall\"]"; }
K8SMETA_EXPORT const char* plugin_get_parse_event_sources(void) { return "[\"syscall\"]"; }
K8SMETA_EXPORT const char* plugin_get_async_events(void) { return "[\"k8s\"]"; }
K8SMETA_EXPORT const char* plugin_get_async_event_sources(void) { return "[\"syscall\"]"; }

K8SMETA_EXPORT uint16_t* plugin_get_extract_event_types(uint32_t* numtypes, ss_plugin_t* s) {
    static uint16_t none[1] = {0};
    (void)s;
    *numtypes = 0;
    return none;
}

K8SMETA_EXPORT uint16_t* plugin_get_parse_event_types(uint32_t* numtypes, ss_plugin_t* s) {
    static uint16_t codes[7] = {402, 293, 331, 223, 225, 227, 335};
    (void)s;
    *numtypes = 7;
    return codes;
}

K8SMETA_EXPORT const char* plugin_get_required_event_schema_version(ss_plugin_t* s) {
    (void)s;
    return "4.0.0";
}

K8SMETA_EXPORT ss_plugin_rc plugin_capture_close(
    ss_plugin_t* s, const ss_plugin_capture_listen_input* in) {
    (void)s;
    (void)in;
    return 0;
}

K8SMETA_EXPORT ss_plugin_rc plugin_set_config(ss_plugin_t* s, const ss_plugin_set_config_input* in) {
    (void)in;
    if (s != NULL) k8smeta_copy_error(((k8smeta_state*)s)->last_error, "set_config is not supported");
    return 1;
}

K8SMETA_EXPORT const char* plugin_get_last_error(ss_plugin_t* s) {
    if (s == NULL) return k8smeta_boot_error;
    return ((k8smeta_state*)s)->last_error;
}

