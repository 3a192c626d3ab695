/* Init one plugin state after changing the environment, as a host that calls setenv after
 * loading the library (Falco sets variables from its own config at start-up).
 *
 * usage: init_env <libk8smeta.so> <init config JSON> <wait-ms> [NAME=VALUE ...]
 * Order: dlopen (the library starts its interpreter then), setenv(NAME, VALUE) for each
 * argument, init. On success with <wait-ms> > 0, the feed is started and the program waits
 * up to <wait-ms> for the first async event (the collector received the selector and
 * answered), then stops the feed. Prints `key=value` lines; plugin logs go to stderr.
 * Exit code 0 unless loading or the program's own checks fail (a failed init is reported
 * as `init_rc`, not as the exit code).
 *
 * With INIT_ENV_HOST_PYTHON=<libpythonX.Y.so> in its environment, the program first loads
 * that library with RTLD_GLOBAL and starts its interpreter, as a host embedding another
 * Python does.
 */
#include "plugin_api.h"
#include "fakesinsp.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Load `path` into the global scope and start its interpreter; 0 on success. */
static int start_host_python(const char* path) {
    void* lib = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
    if (lib == NULL) {
        fprintf(stderr, "cannot load %s: %s\n", path, dlerror());
        return 1;
    }
    void (*initialize)(int) = (void (*)(int))dlsym(lib, "Py_InitializeEx");
    int (*initialized)(void) = (int (*)(void))dlsym(lib, "Py_IsInitialized");
    if (initialize == NULL || initialized == NULL) return 1;
    initialize(0);
    printf("host_python=%d\n", initialized());
    return 0;
}

int main(int argc, char** argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s <so> <config> <wait-ms> [NAME=VALUE ...]\n", argv[0]);
        return 2;
    }
    fs_plugin p;
    fs_owner o;
    ss_plugin_rc rc = 1;
    const char* host_python = getenv("INIT_ENV_HOST_PYTHON");
    if (host_python != NULL && start_host_python(host_python) != 0) return 1;
    if (fs_load(&p, argv[1], RTLD_LOCAL | RTLD_NOW) != 0) return 1;
    for (int i = 4; i < argc; i++) {
        char* eq = strchr(argv[i], '=');
        if (eq == NULL) return 2;
        *eq = '\0';
        if (setenv(argv[i], eq + 1, 1) != 0) return 1;
    }
    fs_owner_init(&o, 64);
    o.log_to_stderr = 1;
    ss_plugin_t* s = fs_init(&p, &o, argv[2], &rc);
    printf("init_rc=%d\n", (int)rc);
    printf("last_error=%s\n", s ? p.get_last_error(s) : "(no state)");
    long wait_ms = atol(argv[3]);
    if (rc == 0 && wait_ms > 0) {
        if (fs_set_handler(&p, s, &o, 1) != 0) return 1;
        printf("async_pushed=%llu\n", (unsigned long long)fs_owner_wait_pushed(&o, wait_ms));
        if (fs_set_handler(&p, s, &o, 0) != 0) return 1;
    }
    if (s != NULL) p.destroy(s);
    fs_owner_free(&o);
    fs_unload(&p);
    printf("done=ok\n");
    return 0;
}
