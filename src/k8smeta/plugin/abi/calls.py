"""The bodies of the per-event calls: extract_fields, parse_event, get_metrics; log_fn.

Each takes the session and the raw C inputs of its call; errors the host must see become
FAILURE plus the last error; "no value" is `res_len = 0`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from k8smeta.plugin.abi.cdef import (
    SS_PLUGIN_METRIC_TYPE_MONOTONIC,
    SS_PLUGIN_METRIC_TYPE_NON_MONOTONIC,
    SS_PLUGIN_METRIC_VALUE_TYPE_U64,
    SS_PLUGIN_SUCCESS,
)
from k8smeta.plugin.abi.events import ASYNC_EVENT, MalformedEventError, read_async
from k8smeta.plugin.abi.logsink import Emit, enter, severity, stderr_line
from k8smeta.plugin.abi.marshal import native_strings
from k8smeta.plugin.core.errors import PayloadError, PluginError
from k8smeta.plugin.core.host import Tid

if TYPE_CHECKING:
    from k8smeta.plugin.abi.session import Session

logger = logging.getLogger(__name__)


def extract_one(  # noqa: PLR0917 - mirrors the C signature
    session: Session,
    evtnum: int,
    tid: int,
    field_id: int,
    arg: Any,
    uid_status: int,
    call: int,
    slot: int,
) -> Any:
    """One element of an extract_fields request: the value's cached `char*` array, or NULL.

    Hot path (one call per filter check). The C wrapper has read the thread's pod_uid
    (`uid_status`: its length, -1 no thread, -2 read error); results stay referenced by
    the session until the next extract_fields. `slot` >= 0: the C wrapper caches the
    result there; the session keeps it alive while it is cached.
    """
    enter(session.route)
    if call != session.kept_call:  # a new extract_fields call: release the previous results
        session.kept_call = call
        session.kept_extract = []
    threads = session.threads
    threads.uid_status = uid_status
    text = session.ffi.string(arg).decode("utf-8", "replace") if arg else None
    try:
        value = session.core.extract(threads, evtnum, tid, field_id, text)
    except PluginError as exc:
        session.fail(str(exc))
        return session.ffi.NULL
    native = None if value is None else value.abi_cache or native_strings(session.ffi, value)
    if slot >= 0:
        replaced = session.cached.get(slot)
        if replaced is not None:  # may have been returned earlier in this call
            session.kept_extract.append(replaced)
        session.cached[slot] = native
    if native is None:
        return session.ffi.NULL
    session.kept_extract.append(native)
    return native.pointer  # type: ignore[attr-defined]


def parse_event(session: Session, evt: Any, inp: Any) -> int:
    """Async events (402) and unknown codes (the C wrapper routes process events)."""
    ffi = session.ffi
    event = evt.evt
    code = event.type
    if code != ASYNC_EVENT:
        logger.error("received an unknown event type %d", code)
        return session.fail(f"received an unknown event type {code}")
    try:
        parsed = read_async(ffi, event)
    except MalformedEventError as exc:
        logger.error("%s", exc)
        session.core.metrics.parse_errors += 1
        return session.fail(str(exc))
    try:
        session.core.parse_async(parsed.name, parsed.data)
    except PayloadError as exc:
        return session.fail(str(exc))
    return SS_PLUGIN_SUCCESS


def parse_process(  # noqa: PLR0917 - mirrors the C signature
    session: Session, code: int, tid: int, res: int, has_res: int, cgroups_status: int
) -> int:
    """A process event whose `res` and thread the C wrapper read (spec 14.1)."""
    if not has_res:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("event %d has no 8-byte res parameter: ignored", code)
        return SS_PLUGIN_SUCCESS
    threads = session.threads.prefetched(tid, cgroups_status)
    try:
        session.core.parse_process_event(threads, Tid(tid), res, code)
    except PluginError as exc:
        return session.fail(str(exc))
    return SS_PLUGIN_SUCCESS


def metric_array(session: Session, num: Any) -> Any:
    """A fresh metric array; the previous two stay valid (calls may overlap)."""
    ffi = session.ffi
    session.pusher.sync_metrics()
    values = session.core.metric_values()
    names = [ffi.new("char[]", name.encode()) for name, _, _ in values]
    array = ffi.new("ss_plugin_metric[]", len(values))
    for i, (_, monotonic, value) in enumerate(values):
        metric = array[i]
        metric.name = names[i]
        metric.type = (
            SS_PLUGIN_METRIC_TYPE_MONOTONIC if monotonic else SS_PLUGIN_METRIC_TYPE_NON_MONOTONIC
        )
        metric.value.u64 = value
        metric.value_type = SS_PLUGIN_METRIC_VALUE_TYPE_U64
    session.kept_metrics = [*session.kept_metrics[-1:], (array, names)]
    num[0] = len(values)
    return array


def log_emitter(ffi: Any, owner: Any, log_fn: Any) -> Emit:
    """Send records to the host's log_fn (component NULL), else to stderr."""
    if log_fn == ffi.NULL:
        return stderr_line

    def emit(level: int, message: str) -> None:
        log_fn(owner, ffi.NULL, message.encode("utf-8", "replace"), severity(level))

    return emit


__all__ = ["extract_one", "log_emitter", "metric_array", "parse_event", "parse_process"]
