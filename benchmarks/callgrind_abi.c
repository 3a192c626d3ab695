/* Instructions per call of libk8smeta.so's hot paths, for valgrind's callgrind (driver:
 * callgrind_abi.py). Counting instructions is repeatable on a loaded machine, where the
 * timings of bench_abi.c are not.
 *
 * usage: callgrind_abi <libk8smeta.so> <setup payloads> <config json> <pod uid> <mode> <n>
 * Sets up as bench_abi.c does (the same payloads, thread 1 tagged with the pod's cgroup),
 * then calls, <n> times, in `k8smeta_measured` (the one function callgrind collects):
 * mode `extract`: extract_fields of k8smeta.pod.name (a cached field: a new event number per
 * call, no store change); mode `parse`: parse_event of an execve exit of thread 1; mode
 * `uncached`: parse_event of an async event (which empties the extraction cache), then
 * extract_fields of k8smeta.pod.name (through Python).
 */
#include "plugin_api.h"
#include "fakesinsp.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_CONTAINER_ID "5f2b9c0d7e1a4b3c8d6e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e"

/* `async`: parse it before each extraction; `parse`: parse `e` instead of extracting. */
__attribute__((noinline)) void k8smeta_measured(fs_plugin* p, ss_plugin_t* s, fs_owner* o,
                                                const fs_event* e, uint64_t* evtnum,
                                                const fs_event* async, int parse, long n) {
    const char** values = NULL;
    for (long i = 0; i < n; i++) {
        if (parse) {
            fs_parse(p, s, o, e, ++*evtnum);
            continue;
        }
        if (async != NULL) fs_parse(p, s, o, async, ++*evtnum);
        fs_extract(p, s, o, e, ++*evtnum, 0, NULL, &values);
    }
}

int main(int argc, char** argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: %s <so> <payloads> <config> <pod uid> <mode> <n>\n", argv[0]);
        return 2;
    }
    int parse = strcmp(argv[5], "parse") == 0;
    int uncached = strcmp(argv[5], "uncached") == 0;
    long n = atol(argv[6]);
    uint64_t evtnum = 0;
    fs_plugin p;
    fs_owner o;
    ss_plugin_rc rc = 1;
    if (fs_load(&p, argv[1], RTLD_LOCAL | RTLD_NOW) != 0) return 1;
    fs_owner_init(&o, 4096);
    ss_plugin_t* s = fs_init(&p, &o, argv[3], &rc);
    if (rc != 0) {
        printf("error=%s\n", p.get_last_error(s));
        return 1;
    }
    long loaded = fs_parse_payload_file(&p, s, &o, argv[2], &evtnum);
    char cgroup[512];
    snprintf(cgroup, sizeof cgroup, "cpuset=/kubepods/besteffort/pod%s/" BENCH_CONTAINER_ID,
             argv[4]);
    const char* cgroups[1] = {cgroup};
    fs_set_thread(1, cgroups, 1);
    fs_event execve = fs_process_event(293, 1, 0, cgroup, (uint32_t)strlen(cgroup) + 1);
    fs_parse(&p, s, &o, &execve, ++evtnum);
    const char** values = NULL;
    int found = fs_extract(&p, s, &o, &execve, ++evtnum, 0, NULL, &values);   /* warm */
    printf("setup.parsed=%ld\nvalues=%d\n", loaded, found);
    fs_event foreign = fs_async_event("k8s", "{\"reason\":\"Sync\"}", 18);
    k8smeta_measured(&p, s, &o, &execve, &evtnum, uncached ? &foreign : NULL, parse, n);
    free(foreign.data);
    found = fs_extract(&p, s, &o, &execve, ++evtnum, 0, NULL, &values);
    printf("after.values=%d\n", found);
    p.destroy(s);
    free(execve.data);
    fs_owner_free(&o);
    fs_unload(&p);
    printf("done=ok\n");
    return 0;
}
