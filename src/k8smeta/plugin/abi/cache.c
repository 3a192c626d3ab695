/* The extraction cache of plugin_extract_fields (part of the cffi preamble, after boot.c).
 *
 * Values by (pod UID, container ID for the container fields, field id, arg), valid for one store generation: every async event
 * bumps the generation, so only the first extraction after an update enters Python; the
 * others are answered here without the GIL. Python keeps each cached array alive while
 * its slot holds it (k8smeta.plugin.abi.lifetimes). Used only when the verbosity is above
 * debug (extraction logs nothing then). Event thread only. The sizes are this file's own:
 * a key too long for a slot is simply not cached. */

#define K8SMETA_CACHE_SLOTS 4096
#define K8SMETA_CACHE_UID 48
#define K8SMETA_CACHE_ARG 80
#define K8SMETA_CACHE_CID 72

/* FNV-1a of `text` into h; sets *too_long when it is `limit` bytes or longer. */
static uint32_t k8smeta_cache_mix(uint32_t h, const char* text, size_t limit, int* too_long) {
    size_t n = 0;
    for (const char* c = text; *c; c++, n++) h = (h ^ (uint8_t)*c) * 16777619u;
    if (n >= limit) *too_long = 1;
    return h;
}

typedef struct {
    uint64_t generation;   /* 0 = empty (state generations start at 1) */
    uint32_t field_id;
    char uid[K8SMETA_CACHE_UID];
    char arg[K8SMETA_CACHE_ARG];
    int has_arg;
    char cid[K8SMETA_CACHE_CID];   /* container fields only ("" otherwise) */
    k8smeta_value* value;
    int why;               /* value NULL: the K8SMETA_REASON_* to count at each hit */
} k8smeta_cache_slot;

static void* k8smeta_cache_new(void) {
    return calloc(K8SMETA_CACHE_SLOTS, sizeof(k8smeta_cache_slot));
}

/* The slot for this key (`cid`: the thread's container ID for a container field, else
 * NULL), or K8SMETA_CACHE_NONE when the key is too long to cache. */
static int k8smeta_cache_slot_of(const char* uid, const char* cid, uint32_t field_id,
                                 const char* arg) {
    int too_long = 0;
    uint32_t h = k8smeta_cache_mix(2166136261u, uid, K8SMETA_CACHE_UID, &too_long);
    h = (h ^ field_id) * 16777619u;
    if (arg != NULL) {
        h = k8smeta_cache_mix(h, arg, K8SMETA_CACHE_ARG, &too_long);
        h = (h ^ 0xFFu) * 16777619u;
    }
    if (cid != NULL) h = k8smeta_cache_mix(h, cid, K8SMETA_CACHE_CID, &too_long);
    return too_long ? K8SMETA_CACHE_NONE : (int)(h % K8SMETA_CACHE_SLOTS);
}

static int k8smeta_cache_matches(const k8smeta_cache_slot* e, uint64_t generation,
                                 const char* uid, const char* cid, uint32_t field_id,
                                 const char* arg) {
    return e->generation == generation && e->field_id == field_id &&
           e->has_arg == (arg != NULL) && strcmp(e->uid, uid) == 0 &&
           (arg == NULL || strcmp(e->arg, arg) == 0) &&
           strcmp(e->cid, cid != NULL ? cid : "") == 0;
}

/* Store a key that k8smeta_cache_slot_of accepted (so it fits). */
static void k8smeta_cache_store(k8smeta_cache_slot* e, uint64_t generation, const char* uid,
                                const char* cid, uint32_t field_id, const char* arg,
                                k8smeta_value* value, int why) {
    e->generation = generation;
    e->field_id = field_id;
    k8smeta_copy_cut(e->uid, sizeof e->uid, uid);
    e->has_arg = arg != NULL;
    k8smeta_copy_cut(e->arg, sizeof e->arg, arg != NULL ? arg : "");
    k8smeta_copy_cut(e->cid, sizeof e->cid, cid != NULL ? cid : "");
    e->value = value;
    e->why = why;
}
