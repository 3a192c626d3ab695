/* Loads the library as Falco does (RTLD_LOCAL) and runs argv[2], a Python statement, in the
 * interpreter the library started: how that interpreter is configured, seen from inside. */
#include <dlfcn.h>
#include <stdio.h>

typedef int (*gil_ensure_fn)(void);
typedef void (*gil_release_fn)(int);
typedef int (*run_fn)(const char*);

int main(int argc, char** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s LIBRARY STATEMENT\n", argv[0]);
        return 2;
    }
    if (dlopen(argv[1], RTLD_NOW | RTLD_LOCAL) == NULL) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    /* The library made its libpython global (extension modules need it). */
    gil_ensure_fn ensure = (gil_ensure_fn)dlsym(RTLD_DEFAULT, "PyGILState_Ensure");
    gil_release_fn release = (gil_release_fn)dlsym(RTLD_DEFAULT, "PyGILState_Release");
    run_fn run = (run_fn)dlsym(RTLD_DEFAULT, "PyRun_SimpleString");
    if (ensure == NULL || release == NULL || run == NULL) {
        fprintf(stderr, "libpython symbols not found\n");
        return 1;
    }
    int state = ensure();
    int rc = run(argv[2]);
    release(state);
    fflush(stdout);
    return rc == 0 ? 0 : 1;
}
