"""Why an extraction has no value: the reason numbers and the `Absent` answer.

`PluginCore.extract` returns either a value (`values.Extracted`) or an `Absent` naming its
reason, so the reason travels with the answer. The reasons are also counters (metrics
`extract_<reason>`, `metrics.ABSENCE_COUNTERS`, index = reason number) and are shared with
the C boundary, which counts the answers it gives without Python by the same numbers
(generated into C as `K8SMETA_REASON_<NAME>`, docs/architecture.md, "The C boundary").
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final, final


class AbsenceReason(enum.IntEnum):
    """Why an extraction had no value; the counted ones are numbered from 0."""

    NOT_COUNTED = -1  # no value for another reason (no such label...), or a value: not counted
    NO_POD_UID = 0  # the event's thread has no pod_uid (not in a pod, or no thread)
    UNKNOWN_POD = 1  # a pod_uid the store holds no pod for
    UNKNOWN_OWNER = 2  # the pod's refs (or its Job's) name a resource the store lacks
    NO_CONTAINER_ID = 3  # a container field of a thread whose cgroups named no container
    UNKNOWN_CONTAINER = 4  # a container ID the thread's pod does not list (yet)


#: The counted reasons, in number order.
COUNTED_REASONS: Final = tuple(r for r in AbsenceReason if r is not AbsenceReason.NOT_COUNTED)


@final
@dataclass(frozen=True, slots=True)
class Absent:
    """No value, and why. One instance per reason (`ABSENT`): extraction allocates none."""

    reason: AbsenceReason


#: The answer of each reason.
ABSENT: Final = {reason: Absent(reason) for reason in AbsenceReason}
