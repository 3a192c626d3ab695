"""The facade the C-ABI layer calls: one `PluginCore` per plugin state.

Every method runs on the thread of its ABI entry point (docs/plugin-contract.md,
"Threads"): parsing and extraction on the event thread, `dump_payloads` and
`metric_values` possibly elsewhere. Errors the ABI must report are raised as PluginError
subclasses, already logged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from k8smeta.plugin.core.absence import ABSENT, AbsenceReason, Absent
from k8smeta.plugin.core.cgroup import ids_from_cgroup
from k8smeta.plugin.core.config import Config
from k8smeta.plugin.core.errors import (
    CGROUPS_UNREADABLE,
    FieldError,
    PayloadError,
    UnknownKindError,
)
from k8smeta.plugin.core.event_codes import ASYNC_EVENT_NAME, PROCESS_EVENTS
from k8smeta.plugin.core.fields import CONTAINER_LOOKUPS, LOOKUPS
from k8smeta.plugin.core.levels import TRACE
from k8smeta.plugin.core.lookups import ContainerLookup
from k8smeta.plugin.core.metrics import PluginMetrics
from k8smeta.plugin.core.payload import decode_payload, encode_payload
from k8smeta.plugin.core.records import Record
from k8smeta.plugin.core.store import Store
from k8smeta.plugin.core.tagging import ProcessOutcome
from k8smeta.plugin.core.threads import ThreadTable, ThreadView, Tid
from k8smeta.plugin.core.values import Extracted, UnknownOwner
from k8smeta.wire.vocabulary import CREATE, KINDS

logger = logging.getLogger(__name__)

_CGROUP_CACHE_LIMIT = 4096
_FIELD_COUNT = len(LOOKUPS)
_KINDS_KEPT = 64
_NO_IDS = ("", "")
_NOT_COUNTED = ABSENT[AbsenceReason.NOT_COUNTED]
_UNKNOWN_POD = ABSENT[AbsenceReason.UNKNOWN_POD]
_UNKNOWN_OWNER = ABSENT[AbsenceReason.UNKNOWN_OWNER]
_NO_CONTAINER_ID = ABSENT[AbsenceReason.NO_CONTAINER_ID]
_UNKNOWN_CONTAINER = ABSENT[AbsenceReason.UNKNOWN_CONTAINER]


class PluginCore:
    """Metadata store, thread tagging and extraction of one plugin state."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.metrics = PluginMetrics()
        self.store = Store(config.node_name, config.pod_annotations)
        self._warned_kinds: set[str] = set()
        self._ids_of_path: dict[str, tuple[str, str]] = {}
        # The pod record of the fields of one event: (evtnum, pod_uid, record).
        self._cached: tuple[int, str, Record | None] = (-1, "", None)
        for level, message in config.init_logs:
            logger.log(level, "%s", message)

    # -- parsing -----------------------------------------------------------------------
    def parse_async(self, name: str, data: bytes) -> None:
        """Apply one async event; a rejected `k8s` payload raises PayloadError (logged)."""
        self._cached = (-1, "", None)
        if name != ASYNC_EVENT_NAME:
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug("received an async event with name %s", name)
            return
        self.metrics.async_events_received += 1
        try:
            payload = decode_payload(data)
        except UnknownKindError as exc:
            self.metrics.parse_errors += 1
            # ERROR once per kind; a bounded memory of kinds, so that hostile input that
            # invents kinds cannot grow it (beyond the bound, DEBUG only).
            first = exc.kind not in self._warned_kinds and len(self._warned_kinds) < _KINDS_KEPT
            if first:
                self._warned_kinds.add(exc.kind)
            logger.log(logging.ERROR if first else logging.DEBUG, "%s", exc)
            raise
        except PayloadError as exc:
            self.metrics.parse_errors += 1
            logger.error("%s", exc)
            raise
        self.store.apply(payload)

    def parse_process_event(self, thread: ThreadView | None, tid: Tid, res: int, code: int) -> None:
        """Tag the event's thread (None: the table has no entry `tid`) with the pod UID of
        its cgroups; a failed syscall (`res` < 0) tags nothing.

        The reference of what the C wrapper of parse_event does without Python; the wrapper
        hands the outcomes that log or count here to `process_outcome`.
        """
        self._cached = (-1, "", None)
        if res < 0:
            self.process_outcome(ProcessOutcome.FAILED_SYSCALL, tid, code)
        elif thread is None:
            self.process_outcome(ProcessOutcome.NO_THREAD, tid, code)
        else:
            self._tag(thread)

    def process_outcome(
        self, outcome: ProcessOutcome, tid: int, code: int, error: str = ""
    ) -> None:
        """Log and count what a process event on thread `tid` came to (`error`: the host's
        text for WRITE_FAILED)."""
        if outcome is ProcessOutcome.TAGGED:
            self.metrics.threads_tagged += 1
        elif outcome is ProcessOutcome.NO_RES:
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug("event %d has no 8-byte res parameter: ignored", code)
        elif outcome is ProcessOutcome.FAILED_SYSCALL:
            if logger.isEnabledFor(TRACE):
                name = PROCESS_EVENTS.get(code, "?")
                logger.log(TRACE, "failed %s(event: %d) for thread id '%d'", name, code, tid)
        elif outcome is ProcessOutcome.NO_THREAD:
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "cannot attach pod_uid to new process event for the thread id '%d': "
                    "no such thread",
                    tid,
                )
        elif outcome is ProcessOutcome.CGROUPS_UNREADABLE:
            self._tag_failed(CGROUPS_UNREADABLE)
        elif outcome is ProcessOutcome.WRITE_FAILED:
            self._tag_failed(f"cannot write pod_uid: {error}")

    def capture_open(self, table: ThreadTable) -> None:
        """Tag every thread libsinsp found before the capture opened."""
        self._cached = (-1, "", None)
        logger.debug("enriching initial thread table entries")
        table.for_each_thread(self._tag)

    def _tag(self, thread: ThreadView) -> None:
        """Write the first pod UID found in the thread's cgroups, with the container ID of
        the same path ("" when it names none); keep the old ones if no path has a pod."""
        try:
            for path in thread.cgroup_paths():
                uid, container_id = self._ids_of(path) if path else _NO_IDS
                if uid:
                    thread.set_pod_uid(uid)
                    thread.set_container_id(container_id)
                    self.process_outcome(ProcessOutcome.TAGGED, 0, 0)
                    return
        except Exception as exc:  # the host table may fail in any way; nothing propagates
            self._tag_failed(str(exc))

    def _tag_failed(self, reason: str) -> None:
        self.metrics.parse_errors += 1
        logger.error("cannot attach pod_uid to process: %s", reason)

    def _ids_of(self, path: str) -> tuple[str, str]:
        ids = self._ids_of_path.get(path)
        if ids is None:
            ids = ids_from_cgroup(path)
            if len(self._ids_of_path) >= _CGROUP_CACHE_LIMIT:
                self._ids_of_path.clear()
            self._ids_of_path[path] = ids
        return ids

    # -- extraction --------------------------------------------------------------------
    def extract(
        self,
        pod_uid: str,
        evtnum: int,
        field_id: int,
        arg_key: str | None,
        container_id: str = "",
    ) -> Extracted | Absent:
        """The value of one field for the event's pod, or `Absent` with the reason (which
        the ABI's cache also counts at each answer it repeats without Python).

        `pod_uid` is the non-empty `pod_uid` the host read from the event's thread (for
        a thread outside any pod the host calls `no_pod`), `container_id` its container
        ID ("" when none). The pod record is looked up once per `(evtnum, pod_uid)`;
        every parse resets that cache, and only a parse changes the store.
        """
        cached_evtnum, cached_uid, pod = self._cached
        if cached_evtnum != evtnum or cached_uid != pod_uid:
            pod = self.store.pods.get(pod_uid)
            if pod is None and logger.isEnabledFor(logging.DEBUG):
                logger.debug("the plugin has no info for the pod uid '%s'", pod_uid)
            self._cached = (evtnum, pod_uid, pod)
        if pod is None:
            self.metrics.extract_unknown_pod += 1
            return _UNKNOWN_POD
        if not 0 <= field_id < _FIELD_COUNT:
            raise FieldError(f"unknown field id {field_id}")
        of_container = CONTAINER_LOOKUPS[field_id]
        if of_container is not None:
            return self._in_container(pod, container_id, of_container)
        value = LOOKUPS[field_id](self.store, pod, arg_key)
        if value is None:
            return _NOT_COUNTED
        if isinstance(value, UnknownOwner):
            self.metrics.extract_unknown_owner += 1
            return _UNKNOWN_OWNER
        return value

    def _in_container(
        self, pod: Record, container_id: str, lookup: ContainerLookup
    ) -> Extracted | Absent:
        container = pod.containers.get(container_id) if container_id else None
        if container is None:
            absent = _UNKNOWN_CONTAINER if container_id else _NO_CONTAINER_ID
            self.metrics.count_absent(absent.reason)
            return absent
        value = lookup(container)
        return _NOT_COUNTED if value is None else value

    def no_pod(self, evtnum: int, tid: int, thread_found: bool, fields: int = 1) -> None:
        """The event has no pod to extract from: count the `fields` extractions, log why
        (no thread id, no such thread, or a thread whose `pod_uid` is empty). Every field
        of the event has no value."""
        self.metrics.count_absent(AbsenceReason.NO_POD_UID, fields)
        if tid <= 0:
            if logger.isEnabledFor(TRACE):
                logger.log(TRACE, "unknown thread id for event num '%d'", evtnum)
        elif not thread_found:
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "cannot extract the pod uid for the thread id '%d': no such thread", tid
                )
        elif logger.isEnabledFor(TRACE):
            logger.log(TRACE, "no pod uid in the framework table for thread id '%d'", tid)

    # -- state -------------------------------------------------------------------------
    def dump_payloads(self) -> list[bytes]:
        """Every record as a `Create` payload (+ NUL), kinds in `KINDS` order, then by UID."""
        payloads: list[bytes] = []
        for kind in KINDS:
            for record in sorted(self.store.records(kind), key=lambda r: r.key):
                p = record.payload
                payloads.append(
                    encode_payload(
                        CREATE,
                        p.uid,
                        p.kind,
                        meta=p.meta,
                        spec=p.spec,
                        status=p.status,
                        refs=p.refs,
                    )
                )
        return payloads

    def metric_values(self, native: Sequence[int] = ()) -> list[tuple[str, bool, int]]:
        """(name, monotonic, value) of every metric (names without `k8smeta.`; the list is
        in docs/plugin-contract.md, "Metrics"); `native`: the C boundary's own counts, in
        `metrics.NATIVE_COUNTERS` order."""
        return self.metrics.values(self.store.counts(), native)
