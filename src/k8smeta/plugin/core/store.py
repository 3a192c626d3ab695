"""The metadata store: one table of immutable records per kind, and per-pod service views.

One writer (the event thread, through `apply`); readers on other threads (`dump_state`,
metrics) copy a table's values in one C-level call and rely on records being immutable.
A reverse index (service UID -> pods naming it) re-derives the views of exactly the pods
whose services changed, so extraction never scans. `own_node` is the Node record named
like the plugin's node (the collector sends only that one), kept on every Node change.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from k8smeta.plugin.core.container_records import SharedValues
from k8smeta.plugin.core.levels import TRACE
from k8smeta.plugin.core.payload import Payload
from k8smeta.plugin.core.records import Record, ServiceView, build_record, build_service_view
from k8smeta.wire.vocabulary import CREATE, DELETE, KINDS, NODE, POD, SERVICE, SYNC

logger = logging.getLogger(__name__)


class Store:
    """Records per kind keyed by UID; `service_views` per pod UID.

    `node_name`: the plugin's node (`node.*` fields); `annotation_keys`: the pod
    annotations kept (init config `podAnnotations`), the others are dropped.
    """

    def __init__(self, node_name: str = "", annotation_keys: Collection[str] = ()) -> None:
        self.tables: dict[str, dict[str, Record]] = {kind: {} for kind in KINDS}
        self.pods = self.tables[POD]
        self.services = self.tables[SERVICE]
        self.service_views: dict[str, ServiceView] = {}
        self._pods_by_service: dict[str, set[str]] = {}
        self.node_name = node_name
        self.annotation_keys = frozenset(annotation_keys)
        self.own_node: Record | None = None
        self.shared = SharedValues()  # the pods' repeated container and context values

    def counts(self) -> dict[str, int]:
        """Number of records per kind."""
        return {kind: len(table) for kind, table in self.tables.items()}

    def records(self, kind: str) -> list[Record]:
        """A snapshot of one kind's records (safe from another thread)."""
        return list(self.tables[kind].values())

    def apply(self, payload: Payload) -> None:
        """Apply one validated payload: Create/Update replace, Delete erases, Sync is a no-op."""
        if payload.reason == SYNC:
            logger.debug("received a Sync marker: nothing to apply")
        elif payload.reason == DELETE:
            self._delete(payload.kind, payload.uid)
        else:
            self._put(payload)

    def _put(self, payload: Payload) -> None:
        kind, uid = payload.kind, payload.uid
        creating = payload.reason == CREATE
        debug = logger.isEnabledFor(logging.DEBUG)
        if debug:
            logger.debug("try to %s %s '%s'", "add" if creating else "update", kind, uid)
        table = self.tables[kind]
        old = table.get(uid)
        keys = self.annotation_keys if kind == POD else ()
        record = build_record(payload, old, keys, self.shared)
        table[uid] = record
        if payload.name is None:
            logger.warning("the %s '%s' has no name: its name fields have no value", kind, uid)
        if kind == POD:
            self._relink_pod(uid, () if old is None else old.service_uids, record.service_uids)
        elif kind == SERVICE:
            self._refresh_pods_of(uid)
        elif kind == NODE:
            self._refresh_own_node(uid, record)
        if debug:
            logger.debug("%s %s %s", "added" if creating else "modified", kind, uid)
        if logger.isEnabledFor(TRACE):
            logger.log(TRACE, "%s %s record: %r", kind, uid, payload)

    def _delete(self, kind: str, uid: str) -> None:
        old = self.tables[kind].pop(uid, None)
        if old is not None and kind == POD:
            self._relink_pod(uid, old.service_uids, ())
        elif old is not None and kind == SERVICE:
            self._refresh_pods_of(uid)
        elif old is not None and kind == NODE:
            self._refresh_own_node(uid, None)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("deleted %s %s", kind, uid)

    def _relink_pod(self, pod_uid: str, before: tuple[str, ...], after: tuple[str, ...]) -> None:
        if before == after and (pod_uid in self.service_views or not after):
            return  # the view depends only on these UIDs and their records: still valid
        for service_uid in set(before).difference(after):
            pods = self._pods_by_service.get(service_uid)
            if pods is not None:
                pods.discard(pod_uid)
                if not pods:
                    del self._pods_by_service[service_uid]
        for service_uid in after:
            self._pods_by_service.setdefault(service_uid, set()).add(pod_uid)
        self._refresh_view(pod_uid)

    def _refresh_pods_of(self, service_uid: str) -> None:
        for pod_uid in self._pods_by_service.get(service_uid, ()):
            self._refresh_view(pod_uid)

    def _refresh_view(self, pod_uid: str) -> None:
        pod = self.pods.get(pod_uid)
        if pod is None or not pod.service_uids:
            self.service_views.pop(pod_uid, None)
            return
        old = self.service_views.get(pod_uid)
        self.service_views[pod_uid] = build_service_view(pod.service_uids, self.services, old)

    def _refresh_own_node(self, uid: str, record: Record | None) -> None:
        """Node `uid` became `record` (None: deleted): keep `own_node` in step."""
        if record is not None and record.name_is(self.node_name):
            self.own_node = record
        elif self.own_node is not None and self.own_node.key == uid:
            # It left (or was renamed): another record of that name, if any, takes over.
            # The collector sends one Node, so this scan is over one or two records.
            named = (r for r in self.tables[NODE].values() if r.name_is(self.node_name))
            self.own_node = next(named, None)
