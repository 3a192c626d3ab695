"""The protocol between the C wrappers and Python: its numbers and its per-call types.

Every number that crosses the C boundary in either direction is named here once and
generated into the C preamble by `build` (`c_definitions`), so no status, reason or outcome
is written as a bare number on either side:

- `PodRead`: what reading a thread's `pod_uid` came to (C: `K8SMETA_POD_<NAME>`; a read
  that found one returns its length, > 0);
- `ThreadWrite`: what writing a thread's field came to (C: `K8SMETA_WRITE_<NAME>`);
- `CgroupsRead`: a cgroups read that failed (C: `K8SMETA_CGROUPS_<NAME>`; else the bytes
  used, >= 0);
- `CacheSlot`: no slot of the C extraction cache (C: `K8SMETA_CACHE_<NAME>`);
- the absence reasons (`core.absence.AbsenceReason`, C: `K8SMETA_REASON_<NAME>`) and the
  outcomes of a process event (`core.tagging.ProcessOutcome`, C: `K8SMETA_OUTCOME_<NAME>`),
  which the core owns.

Per-call data travels as arguments, never through the long-lived state: a `k8smeta_call`
on the extract wrapper's stack holds what it read for one `extract_fields` call (the IDs)
and, as out-parameters, Python's answer for one field: a `k8smeta_value` (its count, then
its strings) or, without value, the absence reason (docs/architecture.md, "The C
boundary"). Numbers (call and event numbers, field id, cache slot) are plain arguments.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from typing import Final

from k8smeta.plugin.core.absence import AbsenceReason
from k8smeta.plugin.core.tagging import ProcessOutcome


class PodRead(enum.IntEnum):
    """Reading the event's thread's `pod_uid` found no pod (a length > 0 otherwise)."""

    EMPTY = 0  # the thread's pod_uid is empty
    NO_THREAD = -1  # no thread id, no table reader, or no such thread
    FAILED = -2  # the pod_uid read failed (the owner's last error says why)


class ThreadWrite(enum.IntEnum):
    """Writing a string field of a thread by its id."""

    WRITTEN = 0  # written, or it already held the value
    NO_THREAD = -1  # no such thread
    FAILED = -2  # no vtables, or the write failed


class CgroupsRead(enum.IntEnum):
    """Reading a thread's cgroups (the bytes used otherwise, >= 0)."""

    UNREADABLE = -1


class CacheSlot(enum.IntEnum):
    """A slot number of the C extraction cache (a slot >= 0 otherwise)."""

    NONE = -1  # not cached: the key is too long, or the cache is off


#: (C prefix, enum) of every protocol number, generated as `#define <prefix><NAME> <value>`.
PROTOCOL_ENUMS: Final[tuple[tuple[str, type[enum.IntEnum]], ...]] = (
    ("K8SMETA_POD_", PodRead),
    ("K8SMETA_WRITE_", ThreadWrite),
    ("K8SMETA_CGROUPS_", CgroupsRead),
    ("K8SMETA_CACHE_", CacheSlot),
    ("K8SMETA_REASON_", AbsenceReason),
    ("K8SMETA_OUTCOME_", ProcessOutcome),
)

#: The per-call types: in the C preamble and in cffi's declarations.
PROTOCOL_CDEF: Final = """
typedef struct {
    uint64_t count;                      /* strings in `strings` */
    const char* strings[];               /* UTF-8, NUL-terminated */
} k8smeta_value;

typedef struct {
    const char* pod_uid;                 /* in: the event's thread's pod_uid (not empty) */
    const char* container_id;            /* in: its container ID ("" when none) */
    k8smeta_value* value;                /* out: the field's value (NULL: none) */
    int why;                             /* out: without value, its K8SMETA_REASON_* */
} k8smeta_call;
"""


def protocol_constants() -> Iterator[tuple[str, int]]:
    """(C name, value) of every protocol number."""
    for prefix, numbers in PROTOCOL_ENUMS:
        for member in numbers:
            yield prefix + member.name, int(member)


def c_definitions() -> str:
    """The protocol numbers as C `#define`s (the preamble's)."""
    return "\n".join(f"#define {name} ({value})" for name, value in protocol_constants())


def cffi_constants() -> str:
    """The same names for cffi's declarations (values taken from the compiled C), so that a
    test reads back from the built library what C was compiled with."""
    return "\n".join(f"#define {name} ..." for name, _ in protocol_constants())
