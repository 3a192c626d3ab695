/* Plugin states created one after the other in one process, as Falco's hot reload does:
 * each state is initialised, its feed started until the first async event arrives, then
 * stopped and the state destroyed before the next one is created.
 *
 * usage: reload_host <libk8smeta.so> <wait-ms> <init config JSON>...
 * Prints, for state N (from 0): `state.N.init_rc`, `state.N.pushed` (async events received
 * within <wait-ms>), `state.N.libssl` (1 when libssl is mapped in the process after that
 * state's feed ran), then `done=ok`. Plugin logs go to stderr.
 */
#include "plugin_api.h"
#include "fakesinsp.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int libssl_mapped(void) {
    FILE* maps = fopen("/proc/self/maps", "r");
    if (maps == NULL) return -1;
    char line[4096];
    int found = 0;
    while (!found && fgets(line, sizeof line, maps) != NULL)
        found = strstr(line, "libssl.so") != NULL;
    fclose(maps);
    return found;
}

int main(int argc, char** argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s <so> <wait-ms> <config>...\n", argv[0]);
        return 2;
    }
    fs_plugin p;
    if (fs_load(&p, argv[1], RTLD_LOCAL | RTLD_NOW) != 0) return 1;
    long wait_ms = atol(argv[2]);
    for (int i = 3; i < argc; i++) {
        fs_owner o;
        ss_plugin_rc rc = 1;
        int n = i - 3;
        fs_owner_init(&o, 64);
        o.log_to_stderr = 1;
        ss_plugin_t* s = fs_init(&p, &o, argv[i], &rc);
        printf("state.%d.init_rc=%d\n", n, (int)rc);
        if (rc == 0) {
            if (fs_set_handler(&p, s, &o, 1) != 0) return 1;
            printf("state.%d.pushed=%llu\n", n, (unsigned long long)fs_owner_wait_pushed(&o, wait_ms));
            if (fs_set_handler(&p, s, &o, 0) != 0) return 1;
        } else {
            printf("state.%d.error=%s\n", n, s ? p.get_last_error(s) : "(no state)");
        }
        printf("state.%d.libssl=%d\n", n, libssl_mapped());
        if (s != NULL) p.destroy(s);
        fs_owner_free(&o);
    }
    fs_unload(&p);
    printf("done=ok\n");
    return 0;
}
