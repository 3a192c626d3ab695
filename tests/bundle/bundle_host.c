/* Load the bundle's libk8smeta.so as Falco does, sync it from a collector, extract fields.
 *
 * usage: bundle_host <libk8smeta.so> <lazy|local-now> <collector-port> <events> <requests>
 *        [<tls-dir>]
 * With <tls-dir>, the feed uses mutual TLS with its ca.crt, client.crt and client.key.
 * One state syncs from the collector on 127.0.0.1:<collector-port> (the plugin's own gRPC
 * feed, async events through the handler, delivered back through parse_event) until
 * <events> async events were parsed. Then each line of <requests>, `pod-uid<TAB>field-id
 * <TAB>arg`, is an execve of a thread of that pod followed by one extraction.
 * Prints `key=value` lines: the plugin's `plugin.name`, `plugin.version` and
 * `plugin.required_api_version`, `value.<line>=<n>|v1<US>v2...` (n = -1 on FAILURE), timings in
 * microseconds from dlopen; exits non-zero (with `error=...`) when a step fails. The
 * plugin's logs go to stderr as `<component>: [<severity>] <message>`.
 */
#include "plugin_api.h"
#include "fakesinsp.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SYNC_BACKSTOP_US 60000000L   /* the sync normally takes well under a second */

static long now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000L + t.tv_nsec / 1000L;
}

/* Parse async events as the handler queues them until `want` were parsed. */
static int sync_feed(fs_plugin* p, ss_plugin_t* s, fs_owner* o, long want, uint64_t* evtnum) {
    long parsed = 0;
    long deadline = now_us() + SYNC_BACKSTOP_US;
    struct timespec pause = {0, 1000000L};   /* 1 ms between polls of the queue */
    while (parsed < want && now_us() < deadline) {
        size_t n = fs_drain(p, s, o, evtnum);
        parsed += (long)n;
        if (n == 0) nanosleep(&pause, NULL);
    }
    printf("synced_events=%ld\n", parsed);
    return parsed >= want ? 0 : 1;
}

static void print_values(int line, int n, const char** values) {
    printf("value.%d=%d|", line, n);
    for (int i = 0; i < n; i++) printf("%s%s", i ? "\x1f" : "", values[i]);
    printf("\n");
}

/* One execve per request (thread 1000 + line, in the request's pod), then the extraction. */
static int extract_requests(fs_plugin* p, ss_plugin_t* s, fs_owner* o, const char* path,
                            uint64_t* evtnum, long t0) {
    char line[4096], cgroup[512];
    int count = 0, first = 1;
    FILE* f = fopen(path, "r");
    CHECK(f != NULL, "cannot open requests");
    while (fgets(line, sizeof line, f) != NULL) {
        char* uid = strtok(line, "\t\n");
        char* id = strtok(NULL, "\t\n");
        char* arg = strtok(NULL, "\t\n");
        if (uid == NULL || id == NULL) continue;
        snprintf(cgroup, sizeof cgroup,
                 "cpuset=/kubepods/besteffort/pod%s/"
                 "691e0ffb65010b2b611f3a15b7f76c48466192e673e156f38bd2f8e25acd6bbc", uid);
        const char* cgroups[1] = {cgroup};
        int64_t tid = 1000 + count;
        fs_set_thread(tid, cgroups, 1);
        fs_event exec = fs_process_event(293, tid, 0, cgroup, (uint32_t)strlen(cgroup) + 1);
        CHECK(fs_parse(p, s, o, &exec, ++*evtnum) == 0, "parse execve");
        const char** values = NULL;
        int n = fs_extract(p, s, o, &exec, *evtnum, (uint32_t)atoi(id), arg, &values);
        if (first && n > 0) {
            printf("first_value_us=%ld\n", now_us() - t0);
            first = 0;
        }
        print_values(count++, n, values);
        free(exec.data);
    }
    fclose(f);
    printf("requests=%d\n", count);
    return 0;
}

int main(int argc, char** argv) {
    if (argc != 6 && argc != 7) {
        fprintf(stderr, "usage: %s <so> <lazy|local-now> <port> <events> <requests> [<tls-dir>]\n",
                argv[0]);
        return 2;
    }
    char tls[3200] = "";
    if (argc == 7 && strlen(argv[6]) < 1000)
        snprintf(tls, sizeof tls,
                 ",\"caPEMBundle\":\"%s/ca.crt\",\"clientCertPEM\":\"%s/client.crt\","
                 "\"clientKeyPEM\":\"%s/client.key\"", argv[6], argv[6], argv[6]);
    char config[4096];
    snprintf(config, sizeof config,
             "{\"collectorHostname\":\"127.0.0.1\",\"collectorPort\":%d,"
             "\"nodeName\":\"control-plane\",\"verbosity\":\"info\"%s}", atoi(argv[3]), tls);
    int mode = strcmp(argv[2], "lazy") == 0 ? RTLD_LAZY : RTLD_LOCAL | RTLD_NOW;
    fs_plugin p;
    fs_owner o;
    ss_plugin_rc rc = 1;
    uint64_t evtnum = 0;
    long t0 = now_us();
    CHECK(fs_load(&p, argv[1], mode) == 0, "load");
    printf("plugin.name=%s\nplugin.version=%s\nplugin.required_api_version=%s\n",
           p.get_name(), p.get_version(), p.get_required_api_version());
    fs_owner_init(&o, 4096);
    o.log_to_stderr = 1;
    ss_plugin_t* s = fs_init(&p, &o, config, &rc);
    if (rc != 0) printf("error=init failed: %s\n", s ? p.get_last_error(s) : "(null)");
    CHECK(rc == 0, "init");
    printf("init_us=%ld\n", now_us() - t0);
    fs_threads_reset();
    CHECK(fs_capture_open(&p, s, &o) == 0, "capture_open");
    if (fs_set_handler(&p, s, &o, 1) != 0) {
        printf("error=set async handler: %s\n", p.get_last_error(s));
        return 1;
    }
    if (sync_feed(&p, s, &o, atol(argv[4]), &evtnum) != 0) {
        printf("error=sync incomplete: %s\n", p.get_last_error(s));
        return 1;
    }
    printf("synced_us=%ld\n", now_us() - t0);
    if (extract_requests(&p, s, &o, argv[5], &evtnum, t0) != 0) return 1;
    uint32_t nmetrics = 0;
    ss_plugin_metric* m = p.get_metrics(s, &nmetrics);
    for (uint32_t i = 0; i < nmetrics; i++)
        printf("metric.%s=%llu\n", m[i].name, (unsigned long long)m[i].value.u64);
    CHECK(fs_set_handler(&p, s, &o, 0) == 0, "clear async handler");
    p.destroy(s);
    fs_owner_free(&o);
    fs_unload(&p);
    printf("done=ok\n");
    return 0;
}
