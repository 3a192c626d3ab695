"""The C struct behind `ss_plugin_t*` (`k8smeta_state`) and the sizes of its buffers.

Declared once here for both sides: `build` puts `STATE_CDEF` into the C preamble and the
cffi declarations, and the Python side sizes its reads of the buffers with the same
constants (docs/architecture.md, "The C boundary").
"""

from __future__ import annotations

from typing import Final

from k8smeta.plugin.abi.cdef import PLUGIN_MAX_ERRLEN
from k8smeta.plugin.core.metrics import ABSENCE_COUNTERS

#: Bytes of the last error (the API's maximum, NUL included).
ERROR_SIZE: Final = PLUGIN_MAX_ERRLEN
#: Bytes of the pod_uid copy read by the extract/parse wrappers (NUL included).
POD_UID_SIZE: Final = 256
#: Bytes of the container ID copy (64 hex digits and NUL; longer values are cut).
CONTAINER_ID_SIZE: Final = 80
#: Bytes of the cgroups copy (paths, each followed by a NUL; what does not fit is dropped).
CGROUPS_SIZE: Final = 16384
#: Reasons an extraction had no value that the C side counts (`absent[]`).
ABSENCE_REASONS: Final = len(ABSENCE_COUNTERS)

STATE_CDEF: Final = f"""
typedef struct {{
    void* handle;                        /* ffi.new_handle(session); NULL until init succeeds */
    char last_error[{ERROR_SIZE}];
    int failed;                          /* set by Python when the current call failed */
    ss_plugin_table_t* table;            /* the threads table (from init) */
    ss_plugin_table_field_t* f_pod;      /* its pod_uid field (from init) */
    ss_plugin_table_field_t* f_container; /* its container ID field (from init) */
    ss_plugin_table_field_t* f_cgroups;  /* its cgroups sub-table field (from init) */
    ss_plugin_table_field_t* f_second;   /* the sub-table's `second` field (from init) */
    char uid[{POD_UID_SIZE}];                  /* pod_uid read by the extract wrapper */
    char container_id[{CONTAINER_ID_SIZE}];     /* its container ID (container fields) */
    char cgroups[{CGROUPS_SIZE}];         /* scratch: a thread's cgroup paths, NUL-separated */
    /* verbosity above debug: "no thread/pod", "no res" and failed syscalls log nothing */
    int quiet_absent;
    int scan_pending;                    /* hosts without the cgroups sub-table: the /proc
                                          * scan has yet to tag the pre-existing threads */
    uint64_t tagged;                     /* threads tagged by the parse wrapper (C only) */
    void* cache;                         /* extraction cache (C only) */
    uint64_t generation;                 /* bumped by every async event: cache validity */
    uint64_t extract_calls;              /* numbers the extract_fields calls */
    /* extractions without value answered without Python, by reason number
     * (k8smeta.plugin.core.metrics: no pod_uid, unknown pod, unknown owner, no
     * container ID, unknown container) */
    uint64_t absent[{ABSENCE_REASONS}];
    int why;                             /* set by Python: the reason of its last answer, -1 none */
}} k8smeta_state;
"""
