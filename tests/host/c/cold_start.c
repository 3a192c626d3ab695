/* Load libk8smeta.so from a process without Python, as Falco does, and drive it.
 *
 * usage: cold_start <libk8smeta.so> <lazy|local-now> <payloads> <cycles>
 * <payloads>: one async `k8s` payload (JSON) per line, delivered through parse_event.
 * Each cycle: dlopen, static symbols, a failing init (get_last_error), two states, the
 * payloads, feed start and stop, an execve for pod 5eaeeca9-..., extractions, metrics,
 * destroy, dlclose.
 * Prints `key=value` lines; exits non-zero (with `error=...`) when a check fails.
 */
#include "plugin_api.h"
#include "fakesinsp.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char CONFIG[4096];   /* set in main: hostProc is the optional last argument */
static const char* POD_CGROUP =
    "cpuset=/kubepods/besteffort/pod5eaeeca9-2277-460b-a4bf-5a0783f6d49f/"
    "691e0ffb65010b2b611f3a15b7f76c48466192e673e156f38bd2f8e25acd6bbc";

static int check_static(fs_plugin* p) {
    ss_plugin_schema_type schema_type = 0;
    uint32_t n = 0;
    CHECK(strcmp(p->get_required_api_version(), "3.2.0") == 0, "required api version");
    CHECK(strcmp(p->get_name(), "k8smeta") == 0, "name");
    CHECK(strcmp(p->get_version(), "0.4.1") == 0, "version");
    CHECK(strcmp(p->get_contact(), "github.com/falcosecurity/plugins") == 0, "contact");
    CHECK(strstr(p->get_description(), "pod") != NULL, "description");
    CHECK(p->get_fields()[0] == '[', "fields");
    CHECK(strcmp(p->get_async_events(), "[\"k8s\"]") == 0, "async events");
    CHECK(p->get_init_schema(&schema_type)[0] == '{' && schema_type == 1, "schema");
    uint16_t* codes = p->get_parse_event_types(&n, NULL);
    CHECK(n == 7 && codes[0] == 402 && codes[6] == 335, "parse codes");
    printf("static=ok\n");
    return 0;
}

static int feed_payloads(fs_plugin* p, ss_plugin_t* s, fs_owner* o, const char* path,
                         uint64_t* evtnum) {
    long ok = fs_parse_payload_file(p, s, o, path, evtnum);
    CHECK(ok >= 0, "cannot open payloads");
    printf("parsed_async=%ld\n", ok);
    return 0;
}

static void print_field(fs_plugin* p, ss_plugin_t* s, fs_owner* o, const fs_event* e,
                        uint64_t evtnum, const char* name, uint32_t id, const char* arg) {
    const char** values = NULL;
    int n = fs_extract(p, s, o, e, evtnum, id, arg, &values);
    printf("field.%s=", name);
    if (n < 0) printf("<FAILURE>");
    for (int i = 0; i < n; i++) printf("%s%s", i ? "," : "", values[i]);
    printf("%s\n", n == 0 ? "<NA>" : "");
}

static int one_cycle(const char* so, int mode, const char* payloads, int verbose) {
    fs_plugin p;
    fs_owner o, o2;
    ss_plugin_rc rc = 1;
    uint64_t evtnum = 0;
    CHECK(fs_load(&p, so, mode) == 0, "load");
    if (verbose && check_static(&p) != 0) return 1;
    fs_owner_init(&o, 64);
    fs_owner_init(&o2, 64);
    /* A failed init still returns a state whose last error explains it. */
    ss_plugin_t* bad = fs_init(&p, &o, "", &rc);
    CHECK(bad != NULL && rc != 0, "empty config must fail");
    if (verbose) printf("bad_init_error=%s\n", p.get_last_error(bad));
    p.destroy(bad);
    ss_plugin_t* s = fs_init(&p, &o, CONFIG, &rc);
    if (rc != 0) printf("error=init failed: %s\n", s ? p.get_last_error(s) : "(null)");
    CHECK(rc == 0, "init");
    ss_plugin_t* s2 = fs_init(&p, &o2, CONFIG, &rc);
    CHECK(rc == 0 && s2 != s, "second state");
    /* The open: libsinsp's /proc scan fills the table, the handler is set, capture_open. */
    fs_threads_reset();
    const char* cgroups[1] = {POD_CGROUP};
    fs_set_thread(1, cgroups, 1);
    fs_set_thread(2, cgroups, 1);   /* found before the capture opened */
    /* Start the feed (nothing listens on the collector port: it retries) and stop it;
     * FS_QUICK (e.g. under valgrind) skips it: it passes no struct. */
    if (getenv("FS_QUICK") == NULL) {
        CHECK(fs_set_handler(&p, s, &o, 1) == 0, "set async handler");
        CHECK(fs_set_handler(&p, s, &o, 0) == 0, "clear async handler");
    }
    CHECK(fs_capture_open(&p, s, &o) == 0, "capture_open");
    if (feed_payloads(&p, s, &o, payloads, &evtnum) != 0) return 1;
    fs_event exec = fs_process_event(293, 1, 0, POD_CGROUP, (uint32_t)strlen(POD_CGROUP) + 1);
    CHECK(fs_parse(&p, s, &o, &exec, ++evtnum) == 0, "parse execve");
    if (verbose) {
        print_field(&p, s, &o, &exec, evtnum, "pod.name", 0, NULL);
        print_field(&p, s, &o, &exec, evtnum, "pod.uid", 1, NULL);
        fs_event other = fs_process_event(293, 2, 0, NULL, 0);   /* an event of thread 2 */
        print_field(&p, s, &o, &other, evtnum, "existing.pod.uid", 1, NULL);
        free(other.data);
        print_field(&p, s, &o, &exec, evtnum, "pod.label[k8s-app]", 2, "k8s-app");
        print_field(&p, s, &o, &exec, evtnum, "svc.name", 13, NULL);
        print_field(&p, s, &o, &exec, evtnum, "ns.labels", 8, NULL);
        /* the second state has no metadata: no value */
        print_field(&p, s2, &o2, &exec, evtnum, "state2.pod.name", 0, NULL);
        uint32_t nmetrics = 0;
        /* get_metrics exists from API 3.5 on */
        ss_plugin_metric* m = fs_api_minor >= 5 ? p.get_metrics(s, &nmetrics) : NULL;
        for (uint32_t i = 0; i < nmetrics; i++)
            printf("metric.%s=%llu\n", m[i].name, (unsigned long long)m[i].value.u64);
    }
    free(exec.data);
    p.destroy(s2);
    p.destroy(s);
    fs_owner_free(&o);
    fs_owner_free(&o2);
    fs_unload(&p);
    return 0;
}

int main(int argc, char** argv) {
    if (argc < 5 || argc > 7) {
        fprintf(stderr,
                "usage: %s <so> <lazy|local-now> <payloads> <cycles> [api-minor[!] [hostProc]]\n",
                argv[0]);
        return 2;
    }
    if (argc >= 6) {
        fs_api_minor = atoi(argv[5]);
        fs_claims_cgroups = strchr(argv[5], '!') != NULL;   /* e.g. "2!": a lying 3.2 host */
    }
    snprintf(CONFIG, sizeof CONFIG,
             "{\"collectorHostname\":\"127.0.0.1\",\"collectorPort\":1,"
             "\"nodeName\":\"control-plane\",\"verbosity\":\"info\",\"hostProc\":\"%s\"}",
             argc == 7 ? argv[6] : "");
    printf("api=3.%d\n", fs_api_minor);
    int mode = strcmp(argv[2], "lazy") == 0 ? RTLD_LAZY : RTLD_LOCAL | RTLD_NOW;
    int cycles = atoi(argv[4]);
    for (int i = 0; i < cycles; i++) {
        if (one_cycle(argv[1], mode, argv[3], i == 0) != 0) return 1;
        printf("rss_kb.%d=%ld\n", i, fs_rss_kb());
    }
    printf("done=ok\n");
    return 0;
}
