"""What parsing a process event came to, for its thread's `pod_uid` (docs/plugin-contract.md,
"Threads table").

The C wrapper of parse_event computes the outcome itself in the common case and enters
Python only for the outcomes that log or count something there; the numbers are generated
into the C preamble (`K8SMETA_OUTCOME_<NAME>`), so both sides use these names.
"""

from __future__ import annotations

import enum


class ProcessOutcome(enum.IntEnum):
    """One process event's effect on its thread."""

    TAGGED = 0  # a pod UID found in the cgroups: written (unless the thread held it), counted
    NO_POD = 1  # no pod UID in the cgroups: the thread's pod_uid is kept
    NO_RES = 2  # no 8-byte `res` parameter: ignored (logged at DEBUG)
    FAILED_SYSCALL = 3  # `res` < 0: nothing tagged (logged at TRACE)
    NO_THREAD = 4  # the table has no entry for the event's thread (logged at DEBUG)
    CGROUPS_UNREADABLE = 5  # the thread's cgroups could not be read: an error, counted
    WRITE_FAILED = 6  # the pod_uid write failed: an error, counted

    @property
    def is_error(self) -> bool:
        """Logged at ERROR and counted in `parse_errors` whatever the verbosity."""
        return self in {ProcessOutcome.CGROUPS_UNREADABLE, ProcessOutcome.WRITE_FAILED}
