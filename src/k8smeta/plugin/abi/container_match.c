/* The container-ID matcher of cgroup paths (part of the cffi preamble). Self-contained:
 * the tests also compile this file alone and compare it with the Python reference,
 * k8smeta.plugin.core.cgroup.container_id_from_cgroup (docs/plugin-contract.md, "Cgroups").
 *
 * The ID is the runtime's 64 lowercase hex digits in the deepest `/`-separated component
 * that names a container: `cri-containerd-<id>.scope`, `crio-<id>.scope`,
 * `docker-<id>.scope`, `crio-<id>`, or a bare `<id>` right under a component that is
 * `docker` or starts with `pod`. Matched on bytes: every byte of a match is ASCII and `/` is
 * never part of a UTF-8 sequence, so the result is the reference's on the UTF-8 text.
 * `k8smeta_find_ids` also needs cgroup_match.c (before this file in the preamble). */

#include <stddef.h>
#include <string.h>

#define K8SMETA_CONTAINER_ID_LEN 64

/* Whether the `n` bytes at `p` are exactly 64 lowercase hex digits. */
static int k8smeta_is_container_id(const char* p, size_t n) {
    if (n != K8SMETA_CONTAINER_ID_LEN) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return 0;
    }
    return 1;
}

static int k8smeta_has_prefix(const char* p, size_t n, const char* prefix) {
    size_t k = strlen(prefix);
    return n >= k && memcmp(p, prefix, k) == 0;
}

/* The ID component `c` (`n` bytes) names, given its parent component, or NULL. */
static const char* k8smeta_component_id(const char* c, size_t n, const char* parent,
                                        size_t parent_n) {
    static const char* const scopes[] = {"cri-containerd-", "crio-", "docker-"};
    const size_t scope = 6; /* ".scope" */
    if (n >= scope && memcmp(c + n - scope, ".scope", scope) == 0) {
        for (size_t i = 0; i < sizeof scopes / sizeof scopes[0]; i++) {
            size_t k = strlen(scopes[i]);
            if (k8smeta_has_prefix(c, n - scope, scopes[i]) &&
                k8smeta_is_container_id(c + k, n - scope - k))
                return c + k;
        }
        return NULL;
    }
    if (k8smeta_has_prefix(c, n, "crio-"))
        return k8smeta_is_container_id(c + 5, n - 5) ? c + 5 : NULL;
    if (k8smeta_is_container_id(c, n) && parent != NULL &&
        ((parent_n == 6 && memcmp(parent, "docker", 6) == 0) ||
         k8smeta_has_prefix(parent, parent_n, "pod")))
        return c;
    return NULL;
}

/* Find the container ID of the path of `len` bytes at `path` (no NUL inside). On a match,
 * write its 64 digits to `out`, NUL-terminated, and return 1; else write "" and return 0. */
static int k8smeta_find_container_id(const char* path, size_t len,
                                     char out[K8SMETA_CONTAINER_ID_LEN + 1]) {
    size_t end = len;
    out[0] = '\0';
    if (path == NULL) return 0;
    for (;;) { /* components from the last to the first */
        size_t start = end;
        while (start > 0 && path[start - 1] != '/') start--;
        const char* parent = NULL;
        size_t parent_n = 0;
        if (start > 0) {
            size_t p_end = start - 1;
            size_t p_start = p_end;
            while (p_start > 0 && path[p_start - 1] != '/') p_start--;
            parent = path + p_start;
            parent_n = p_end - p_start;
        }
        const char* id = k8smeta_component_id(path + start, end - start, parent, parent_n);
        if (id != NULL) {
            memcpy(out, id, K8SMETA_CONTAINER_ID_LEN);
            out[K8SMETA_CONTAINER_ID_LEN] = '\0';
            return 1;
        }
        if (start == 0) return 0;
        end = start - 1;
    }
}

/* The pod UID of the first of the `len` bytes of NUL-separated paths at `cgroups` that
 * has one (cgroup_match.c), and the container ID of that same path (container_match.c;
 * "" when it names none), as k8smeta.plugin.core.cgroup.ids_from_cgroup gives them path by
 * path. Returns 1 when a pod UID was found, else 0. */
static int k8smeta_find_ids(const char* cgroups, size_t len, char uid[K8SMETA_POD_UID_LEN + 1],
                            char cid[K8SMETA_CONTAINER_ID_LEN + 1]) {
    const char* p = cgroups;
    const char* end = cgroups + len;
    while (p < end) {
        const char* nul = memchr(p, '\0', (size_t)(end - p));
        size_t n = (size_t)((nul != NULL ? nul : end) - p);
        if (k8smeta_find_pod_uid(p, n, uid)) {
            k8smeta_find_container_id(p, n, cid);
            return 1;
        }
        p += n + 1;
    }
    return 0;
}
