"""A field's value for a pod UID: find the pod record, then run the field's look-up.

The two steps of extraction once the host has read the event thread's `pod_uid`
(docs/plugin-contract.md, "Extraction"). The look-up comes from the field's own entry in
`fields.FIELDS`, so an id `get_fields` never advertised is an error, not a wrong value.
`PluginCore.extract` calls `LOOKUPS` directly and counts an `UnknownOwner` answer;
`extract` here turns it into "no value".
"""

from __future__ import annotations

import logging

from k8smeta.plugin.core.errors import FieldError
from k8smeta.plugin.core.fields import FIELDS
from k8smeta.plugin.core.records import Record
from k8smeta.plugin.core.store import Store
from k8smeta.plugin.core.values import Extracted, UnknownOwner

logger = logging.getLogger(__name__)

FIELD_COUNT = len(FIELDS)
#: The look-up of each field id.
LOOKUPS = tuple(field.lookup for field in FIELDS)
#: The container look-up of each field id (None: a field of the pod).
CONTAINER_LOOKUPS = tuple(field.of_container for field in FIELDS)
#: Ids of the container fields, first and last + 1 (contiguous: the C cache keys them on
#: the thread's container ID too).
CONTAINER_FIELDS = (
    min(i for i, lookup in enumerate(CONTAINER_LOOKUPS) if lookup is not None),
    max(i for i, lookup in enumerate(CONTAINER_LOOKUPS) if lookup is not None) + 1,
)
assert all(CONTAINER_LOOKUPS[i] is not None for i in range(*CONTAINER_FIELDS))


def find_pod(store: Store, pod_uid: str) -> Record | None:
    """The pod record of `pod_uid`, or None (logged at DEBUG)."""
    pod = store.pods.get(pod_uid)
    if pod is None and logger.isEnabledFor(logging.DEBUG):
        logger.debug("the plugin has no info for the pod uid '%s'", pod_uid)
    return pod


def extract(
    store: Store, field_id: int, arg_key: str | None, pod_uid: str, container_id: str = ""
) -> Extracted | None:
    """The value of field `field_id` for the pod `pod_uid` (and the thread's container
    `container_id`), or None."""
    if not 0 <= field_id < FIELD_COUNT:
        raise FieldError(f"unknown field id {field_id}")
    pod = find_pod(store, pod_uid)
    if pod is None:
        return None
    of_container = CONTAINER_LOOKUPS[field_id]
    if of_container is not None:
        container = pod.containers.get(container_id)
        return None if container is None else of_container(container)
    value = FIELDS[field_id].lookup(store, pod, arg_key)
    return None if isinstance(value, UnknownOwner) else value
