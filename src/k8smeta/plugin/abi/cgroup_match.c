/* Matchers of cgroup paths (part of the cffi preamble, before tables.c). Self-contained:
 * the tests also compile this file alone and compare it with the Python reference,
 * k8smeta.plugin.core.cgroup (docs/plugin-contract.md, "Cgroups").
 *
 * The pod UID is upstream's pattern, matched anywhere in the text (RE2 PartialMatch):
 *     pod[a-z0-9]{8}[-_][a-z0-9]{4}[-_][a-z0-9]{4}[-_][a-z0-9]{4}[-_][a-z0-9]{12}
 * Matched on bytes: every byte of a match is ASCII, so a non-ASCII byte (or a NUL) never
 * belongs to one, which makes the result that of the reference on the UTF-8 text. A buffer
 * of NUL-separated paths therefore yields the first path's match that the reference would
 * find path by path. */

#include <stddef.h>
#include <string.h>

/* Characters of a pod UID (without the `pod` prefix), NUL not included. */
#define K8SMETA_POD_UID_LEN 36
#define K8SMETA_POD_PREFIX_LEN 3

/* Whether the K8SMETA_POD_UID_LEN bytes at `p` are 8-4-4-4-12 groups of [a-z0-9]
 * separated by `-` or `_`. */
static int k8smeta_is_pod_uid(const char* p) {
    for (int i = 0; i < K8SMETA_POD_UID_LEN; i++) {
        unsigned char c = (unsigned char)p[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-' && c != '_') return 0;
        } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
            return 0;
        }
    }
    return 1;
}

/* Find the leftmost pod UID in the `len` bytes at `cgroups` (NULs allowed; `cgroups` may
 * be NULL when `len` is 0). On a match, write it to `out` with every `_` turned into `-`,
 * NUL-terminated, and return 1; else return 0 and leave `out` untouched. */
static int k8smeta_find_pod_uid(const char* cgroups, size_t len,
                                char out[K8SMETA_POD_UID_LEN + 1]) {
    const size_t need = K8SMETA_POD_PREFIX_LEN + K8SMETA_POD_UID_LEN;
    if (cgroups == NULL || len < need) return 0;
    const char* p = cgroups;
    const char* last = cgroups + (len - need); /* the last position a match may start at */
    while (p <= last) {
        const char* hit = memchr(p, 'p', (size_t)(last - p) + 1);
        if (hit == NULL) return 0;
        if (hit[1] == 'o' && hit[2] == 'd' && k8smeta_is_pod_uid(hit + K8SMETA_POD_PREFIX_LEN)) {
            const char* uid = hit + K8SMETA_POD_PREFIX_LEN;
            for (int i = 0; i < K8SMETA_POD_UID_LEN; i++) out[i] = uid[i] == '_' ? '-' : uid[i];
            out[K8SMETA_POD_UID_LEN] = '\0';
            return 1;
        }
        p = hit + 1;
    }
    return 0;
}
