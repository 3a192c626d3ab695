"""The C struct behind `ss_plugin_t*` (`k8smeta_state`) and the sizes of the buffers.

Declared once here for both sides: `build` puts `STATE_CDEF` into the C preamble and the
cffi declarations, and the sizes into the preamble (`K8SMETA_*_SIZE`), so the Python side
sizes its own buffers with the same constants (docs/architecture.md, "The C boundary").
The state holds only what lives as long as the plugin state; what one call reads or
answers travels as that call's arguments (`protocol`).
"""

from __future__ import annotations

from typing import Final

from k8smeta.plugin.abi.cdef import PLUGIN_MAX_ERRLEN
from k8smeta.plugin.core.absence import COUNTED_REASONS

#: Bytes of the last error (the API's maximum, NUL included).
ERROR_SIZE: Final = PLUGIN_MAX_ERRLEN
#: Bytes of the pod_uid copy read by the extract wrapper (NUL included).
POD_UID_SIZE: Final = 256
#: Bytes of the container ID copy (64 hex digits and NUL; longer values are cut).
CONTAINER_ID_SIZE: Final = 80
#: Bytes of a cgroups copy (paths, each followed by a NUL; what does not fit is dropped).
CGROUPS_SIZE: Final = 16384
#: Reasons an extraction had no value that the C side counts (`absent[]`).
ABSENCE_REASONS: Final = len(COUNTED_REASONS)

STATE_CDEF: Final = f"""
typedef struct {{
    void* handle;                        /* ffi.new_handle(session); NULL until init succeeds */
    char last_error[{ERROR_SIZE}];
    ss_plugin_table_t* table;            /* the threads table (from init) */
    ss_plugin_table_field_t* f_pod;      /* its pod_uid field (from init) */
    ss_plugin_table_field_t* f_container; /* its container ID field (from init) */
    ss_plugin_table_field_t* f_cgroups;  /* its cgroups sub-table field (from init) */
    ss_plugin_table_field_t* f_second;   /* the sub-table's `second` field (from init) */
    /* verbosity above debug: "no thread/pod", "no res" and failed syscalls log nothing */
    int quiet_absent;
    int scan_pending;                    /* hosts without the cgroups sub-table: the /proc
                                          * scan has yet to tag the pre-existing threads */
    uint64_t tagged;                     /* threads tagged by the parse wrapper (C only) */
    void* cache;                         /* extraction cache (C only) */
    uint64_t generation;                 /* bumped by every async event: cache validity */
    /* extractions without value answered without Python, by K8SMETA_REASON_* */
    uint64_t absent[{ABSENCE_REASONS}];
}} k8smeta_state;
"""


def c_sizes() -> str:
    """The buffer sizes as C `#define`s (the preamble's)."""
    return "\n".join(
        (
            f"#define K8SMETA_POD_UID_SIZE {POD_UID_SIZE}",
            f"#define K8SMETA_CONTAINER_ID_SIZE {CONTAINER_ID_SIZE}",
            f"#define K8SMETA_CGROUPS_SIZE {CGROUPS_SIZE}",
        )
    )
