/* The extraction cache of plugin_extract_fields (part of the cffi preamble, after boot.c).
 *
 * Values by (pod UID, field id, arg), valid for one store generation: every async event
 * bumps the generation, so only the first extraction after an update enters Python; the
 * others are answered here without the GIL. Python keeps each cached array alive while
 * its slot holds it (k8smeta.plugin.abi.lifetimes). Used only when the verbosity is above
 * debug (extraction logs nothing then). Event thread only. The sizes are this file's own:
 * a key too long for a slot is simply not cached. */

#define K8SMETA_CACHE_SLOTS 4096
#define K8SMETA_CACHE_UID 48
#define K8SMETA_CACHE_ARG 80

typedef struct {
    uint64_t generation;   /* 0 = empty (state generations start at 1) */
    uint32_t field_id;
    char uid[K8SMETA_CACHE_UID];
    char arg[K8SMETA_CACHE_ARG];
    int has_arg;
    const char** res;
} k8smeta_cache_slot;

static void* k8smeta_cache_new(void) {
    return calloc(K8SMETA_CACHE_SLOTS, sizeof(k8smeta_cache_slot));
}

/* The slot for this key, or -1 when the key is too long to cache. */
static int k8smeta_cache_slot_of(const char* uid, uint32_t field_id, const char* arg) {
    uint32_t h = 2166136261u;
    size_t n = 0;
    for (const char* c = uid; *c; c++, n++) h = (h ^ (uint8_t)*c) * 16777619u;
    if (n >= K8SMETA_CACHE_UID) return -1;
    h = (h ^ field_id) * 16777619u;
    if (arg != NULL) {
        n = 0;
        for (const char* c = arg; *c; c++, n++) h = (h ^ (uint8_t)*c) * 16777619u;
        if (n >= K8SMETA_CACHE_ARG) return -1;
        h = (h ^ 0xFFu) * 16777619u;
    }
    return (int)(h % K8SMETA_CACHE_SLOTS);
}

static int k8smeta_cache_matches(const k8smeta_cache_slot* e, uint64_t generation,
                                 const char* uid, uint32_t field_id, const char* arg) {
    return e->generation == generation && e->field_id == field_id &&
           e->has_arg == (arg != NULL) && strcmp(e->uid, uid) == 0 &&
           (arg == NULL || strcmp(e->arg, arg) == 0);
}

/* Store a key that k8smeta_cache_slot_of accepted (so it fits). */
static void k8smeta_cache_store(k8smeta_cache_slot* e, uint64_t generation, const char* uid,
                                uint32_t field_id, const char* arg, const char** res) {
    e->generation = generation;
    e->field_id = field_id;
    snprintf(e->uid, sizeof e->uid, "%.*s", (int)sizeof e->uid - 1, uid);
    e->has_arg = arg != NULL;
    snprintf(e->arg, sizeof e->arg, "%.*s", (int)sizeof e->arg - 1, arg != NULL ? arg : "");
    e->res = res;
}
