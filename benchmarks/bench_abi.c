/* libk8smeta.so through its C ABI, from a C host without Python (driver: bench_abi.py).
 *
 * usage: bench_abi <libk8smeta.so> <setup payloads> <config json> <pod uid> <iterations>
 *                  <burst events>
 * 1. loads the library, inits, parses the setup payloads (one JSON per line) as async events;
 * 2. tags tid 1 with the pod's cgroup (container BENCH_CONTAINER_ID of the pod), times
 *    extract_fields (one field per call, a new event number per call) for pod.name,
 *    ns.labels, svc.name, container.name, container.image, pod.qos;
 * 3. times parse_event for execve and child-side clone exits;
 * 4. sets the async handler (the feed connects to the collector named in the config), then
 *    runs an event loop — deliver queued async events through parse_event, extract
 *    pod.name — until <burst events> were parsed: ingest rate and extract latencies;
 * 5. RSS before loading and after each phase.
 * Prints `key=value` lines (nanoseconds, events per second, kB).
 */
#include "plugin_api.h"
#include "fakesinsp.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The target pod's container (bench_abi.py lists it in the pod's status) and the field ids
 * of the container fields measured (bench_abi.py checks them against FIELD_IDS). */
#define BENCH_CONTAINER_ID "5f2b9c0d7e1a4b3c8d6e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e"
#define FIELD_CONTAINER_NAME 49
#define FIELD_CONTAINER_IMAGE 50
#define FIELD_POD_QOS 60

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void* a, const void* b) {
    uint64_t x = *(const uint64_t*)a, y = *(const uint64_t*)b;
    return x < y ? -1 : x > y;
}

static void report(const char* name, uint64_t* samples, size_t n) {
    size_t over = 0;
    qsort(samples, n, sizeof *samples, cmp_u64);
    for (size_t i = 0; i < n; i++) over += samples[i] > 1000000;
    printf("%s.median_ns=%llu\n", name, (unsigned long long)samples[n / 2]);
    printf("%s.p99_ns=%llu\n", name, (unsigned long long)samples[(size_t)(n * 0.99)]);
    printf("%s.p999_ns=%llu\n", name, (unsigned long long)samples[(size_t)(n * 0.999)]);
    printf("%s.max_ns=%llu\n", name, (unsigned long long)samples[n - 1]);
    printf("%s.over_1ms=%zu\n", name, over);
}

/* The machine's noise floor: the same timing loop around a plain C call of the plugin. */
static void bench_floor(fs_plugin* p, size_t iterations, uint64_t* samples) {
    for (size_t i = 0; i < iterations; i++) {
        uint64_t t0 = now_ns();
        (void)p->get_name();
        samples[i] = now_ns() - t0;
    }
    report("floor.c_call", samples, iterations);
}

static void bench_extract(fs_plugin* p, ss_plugin_t* s, fs_owner* o, const fs_event* e,
                          uint64_t* evtnum, const char* name, uint32_t id, size_t iterations,
                          uint64_t* samples) {
    const char** values = NULL;
    int n = fs_extract(p, s, o, e, ++*evtnum, id, NULL, &values);
    printf("%s.values=%d\n", name, n);
    for (size_t i = 0; i < iterations; i++) {
        uint64_t t0 = now_ns();
        fs_extract(p, s, o, e, ++*evtnum, id, NULL, &values);
        samples[i] = now_ns() - t0;
    }
    report(name, samples, iterations);
}

/* Extraction right after an async event (the first one after a store change: no cache). */
static void bench_extract_after_update(fs_plugin* p, ss_plugin_t* s, fs_owner* o,
                                       const fs_event* e, uint64_t* evtnum, const char* name,
                                       uint32_t id, size_t iterations, uint64_t* samples) {
    const char** values = NULL;
    fs_event foreign = fs_async_event("k8s", "{\"reason\":\"Sync\"}", 18);
    for (size_t i = 0; i < iterations; i++) {
        fs_parse(p, s, o, &foreign, ++*evtnum);
        uint64_t t0 = now_ns();
        fs_extract(p, s, o, e, ++*evtnum, id, NULL, &values);
        samples[i] = now_ns() - t0;
    }
    free(foreign.data);
    report(name, samples, iterations);
}

static void bench_parse(fs_plugin* p, ss_plugin_t* s, fs_owner* o, const fs_event* e,
                        uint64_t* evtnum, const char* name, size_t iterations,
                        uint64_t* samples) {
    for (size_t i = 0; i < iterations; i++) {
        uint64_t t0 = now_ns();
        fs_parse(p, s, o, e, ++*evtnum);
        samples[i] = now_ns() - t0;
    }
    report(name, samples, iterations);
}

static void bench_burst(fs_plugin* p, ss_plugin_t* s, fs_owner* o, const fs_event* e,
                        uint64_t* evtnum, size_t burst, uint64_t* samples, size_t cap) {
    const char** values = NULL;
    uint64_t* floor = calloc(cap, sizeof(uint64_t));  /* plain C calls, same loop */
    size_t parsed = 0, n = 0;
    uint64_t first = 0, last = 0, deadline = now_ns() + 60ull * 1000000000ull;
    fs_set_handler(p, s, o, 1);
    while (parsed < burst && now_ns() < deadline) {
        size_t got = fs_drain(p, s, o, evtnum);
        if (got && first == 0) first = now_ns();
        parsed += got;
        if (got) last = now_ns();
        uint64_t t0 = now_ns();
        fs_extract(p, s, o, e, ++*evtnum, 0, NULL, &values);
        uint64_t t1 = now_ns();
        (void)p->get_name();
        uint64_t t2 = now_ns();
        if (first != 0 && n < cap) {
            floor[n] = t2 - t1;
            samples[n++] = t1 - t0;
        }
    }
    uint64_t t0 = now_ns();
    fs_set_handler(p, s, o, 0);
    printf("burst.stop_ns=%llu\n", (unsigned long long)(now_ns() - t0));
    printf("burst.parsed=%zu\n", parsed);
    printf("burst.dropped=%llu\n", (unsigned long long)o->rejected);
    if (last > first)
        printf("burst.events_per_s=%.0f\n", (double)parsed * 1e9 / (double)(last - first));
    printf("burst.extracts=%zu\n", n);
    if (n) report("burst.extract", samples, n);
    if (n) report("burst.floor", floor, n);
    free(floor);
}

int main(int argc, char** argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: %s <so> <payloads> <config> <pod uid> <iterations> <burst>\n",
                argv[0]);
        return 2;
    }
    size_t iterations = (size_t)atol(argv[5]);
    size_t burst = (size_t)atol(argv[6]);
    size_t cap = iterations > burst * 20 ? iterations : burst * 20;
    uint64_t* samples = calloc(cap, sizeof(uint64_t));
    uint64_t evtnum = 0;
    fs_plugin p;
    fs_owner o;
    ss_plugin_rc rc = 1;
    printf("rss.before_kb=%ld\n", fs_rss_kb());
    uint64_t t0 = now_ns();
    if (fs_load(&p, argv[1], RTLD_LOCAL | RTLD_NOW) != 0) return 1;
    printf("dlopen_ns=%llu\n", (unsigned long long)(now_ns() - t0));
    printf("rss.dlopen_kb=%ld\n", fs_rss_kb());
    fs_owner_init(&o, 4096);
    t0 = now_ns();
    ss_plugin_t* s = fs_init(&p, &o, argv[3], &rc);
    printf("init_ns=%llu\n", (unsigned long long)(now_ns() - t0));
    printf("rss.init_kb=%ld\n", fs_rss_kb());
    if (rc != 0) {
        printf("error=%s\n", p.get_last_error(s));
        return 1;
    }
    t0 = now_ns();
    long loaded = fs_parse_payload_file(&p, s, &o, argv[2], &evtnum);
    printf("setup.parsed=%ld\nsetup.ns=%llu\n", loaded, (unsigned long long)(now_ns() - t0));
    printf("rss.loaded_kb=%ld\n", fs_rss_kb());

    char cgroup[512];
    snprintf(cgroup, sizeof cgroup, "cpuset=/kubepods/besteffort/pod%s/" BENCH_CONTAINER_ID,
             argv[4]);
    const char* cgroups[1] = {cgroup};
    fs_set_thread(1, cgroups, 1);
    fs_set_thread(2, cgroups, 1);
    fs_event execve = fs_process_event(293, 1, 0, cgroup, (uint32_t)strlen(cgroup) + 1);
    fs_event clone = fs_process_event(223, 2, 0, cgroup, (uint32_t)strlen(cgroup) + 1);
    fs_parse(&p, s, &o, &execve, ++evtnum);
    fs_set_thread(3, NULL, 0);  /* a process outside any pod */
    fs_event host_exec = fs_process_event(293, 3, 0, NULL, 0);

    bench_floor(&p, iterations, samples);
    bench_extract(&p, s, &o, &execve, &evtnum, "extract.pod.name", 0, iterations, samples);
    bench_extract(&p, s, &o, &execve, &evtnum, "extract.ns.labels", 8, iterations, samples);
    bench_extract(&p, s, &o, &execve, &evtnum, "extract.svc.name", 13, iterations, samples);
    bench_extract(&p, s, &o, &execve, &evtnum, "extract.container.name", FIELD_CONTAINER_NAME,
                  iterations, samples);
    bench_extract(&p, s, &o, &execve, &evtnum, "extract.container.image", FIELD_CONTAINER_IMAGE,
                  iterations, samples);
    bench_extract(&p, s, &o, &execve, &evtnum, "extract.pod.qos", FIELD_POD_QOS, iterations,
                  samples);
    bench_extract(&p, s, &o, &host_exec, &evtnum, "extract.no_pod", 0, iterations, samples);
    bench_extract_after_update(&p, s, &o, &execve, &evtnum, "extract_uncached.pod.name", 0,
                               iterations / 4, samples);
    bench_extract_after_update(&p, s, &o, &execve, &evtnum, "extract_uncached.ns.labels", 8,
                               iterations / 4, samples);
    bench_extract_after_update(&p, s, &o, &execve, &evtnum, "extract_uncached.svc.name", 13,
                               iterations / 4, samples);
    bench_extract_after_update(&p, s, &o, &execve, &evtnum, "extract_uncached.container.name",
                               FIELD_CONTAINER_NAME, iterations / 4, samples);
    bench_extract_after_update(&p, s, &o, &execve, &evtnum, "extract_uncached.pod.qos",
                               FIELD_POD_QOS, iterations / 4, samples);
    bench_parse(&p, s, &o, &execve, &evtnum, "parse.execve", iterations, samples);
    bench_parse(&p, s, &o, &clone, &evtnum, "parse.clone", iterations, samples);
    printf("rss.measured_kb=%ld\n", fs_rss_kb());
    if (burst) bench_burst(&p, s, &o, &execve, &evtnum, burst, samples, cap);
    printf("rss.after_burst_kb=%ld\n", fs_rss_kb());
    p.destroy(s);
    free(execve.data);
    free(host_exec.data);
    free(clone.data);
    fs_owner_free(&o);
    fs_unload(&p);
    free(samples);
    printf("done=ok\n");
    return 0;
}
