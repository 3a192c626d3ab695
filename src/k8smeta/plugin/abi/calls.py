"""The bodies of the per-event calls: extract_fields, parse_event, get_metrics; log_fn.

Each takes the session and the raw C inputs of its call; errors the host must see become
FAILURE plus the last error; "no value" is `res_len = 0`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from k8smeta.plugin.abi.cdef import (
    SS_PLUGIN_FAILURE,
    SS_PLUGIN_METRIC_TYPE_MONOTONIC,
    SS_PLUGIN_METRIC_TYPE_NON_MONOTONIC,
    SS_PLUGIN_METRIC_VALUE_TYPE_U64,
    SS_PLUGIN_SUCCESS,
)
from k8smeta.plugin.abi.events import ASYNC_EVENT, MalformedEventError, process_res, read_async
from k8smeta.plugin.abi.logsink import Emit, severity, stderr_line
from k8smeta.plugin.abi.marshal import native_strings
from k8smeta.plugin.core.errors import PayloadError, PluginError
from k8smeta.plugin.core.host import Tid
from k8smeta.plugin.core.plugin import PROCESS_EVENTS

if TYPE_CHECKING:
    from k8smeta.plugin.abi.session import Session

logger = logging.getLogger(__name__)


def extract_fields(session: Session, evt: Any, inp: Any) -> int:
    """Fill every requested field; results stay referenced until the next call."""
    ffi = session.ffi
    core = session.core
    event = evt.evt
    evtnum = evt.evtnum
    tid = event.tid
    tid = tid - (1 << 64) if tid >= 1 << 63 else tid
    threads = session.threads.bind(inp.table_reader_ext, ffi.NULL, inp)
    kept: list[object] = []
    fields = inp.fields
    for i in range(inp.num_fields):
        field = fields[i]
        key = field.arg_key
        arg = None if key == ffi.NULL else ffi.string(key).decode("utf-8", "replace")
        try:
            value = core.extract(threads, evtnum, tid, field.field_id, arg)
        except PluginError as exc:
            field.res_len = 0
            session.kept_extract = kept
            return session.fail(str(exc))
        if value is None:
            field.res_len = 0
            continue
        native = native_strings(ffi, value)
        kept.append(native)
        field.res.str = native.array
        field.res_len = native.count
    session.kept_extract = kept
    return SS_PLUGIN_SUCCESS


def parse_event(session: Session, evt: Any, inp: Any) -> int:
    """Dispatch one event (spec 14): async 402, the six process events, else FAILURE."""
    ffi = session.ffi
    event = evt.evt
    code = event.type
    if code == ASYNC_EVENT:
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
    if code not in PROCESS_EVENTS:
        logger.error("received an unknown event type %d", code)
        return session.fail(f"received an unknown event type {code}")
    res = process_res(ffi, event)
    if res is None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("event %d has no 8-byte res parameter: ignored", code)
        return SS_PLUGIN_SUCCESS
    tid = event.tid
    tid = tid - (1 << 64) if tid >= 1 << 63 else tid
    threads = session.threads.bind(inp.table_reader_ext, inp.table_writer_ext, inp)
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


__all__ = ["SS_PLUGIN_FAILURE", "extract_fields", "log_emitter", "metric_array", "parse_event"]
