"""The state behind one `ss_plugin_t*`: one method per plugin_* call that enters Python.

`open_session` is plugin_init (it creates the session); every other export calls exactly
one method of the session its handle names. A method takes the raw C inputs of its call,
talks to the core, and turns what the host must see into a return code plus the last
error; a value and an absence reason are answered through the call's out-parameters
(`protocol`). What the C side is handed stays referenced by the session's `Keeper` (see
`lifetimes`); the C struct `k8smeta_state` (see `state`) holds the handle of the session,
the last error text and what lives as long as the state, never one call's data.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from k8smeta.plugin.abi.cdef import (
    SS_PLUGIN_FAILURE,
    SS_PLUGIN_METRIC_TYPE_MONOTONIC,
    SS_PLUGIN_METRIC_TYPE_NON_MONOTONIC,
    SS_PLUGIN_METRIC_VALUE_TYPE_U64,
    SS_PLUGIN_SUCCESS,
)
from k8smeta.plugin.abi.environ import plugin_environ
from k8smeta.plugin.abi.events import MalformedEventError, read_async
from k8smeta.plugin.abi.host_tables import (
    Accessors,
    TableSetupError,
    has_cgroups_table,
    owner_error,
    setup_threads_table,
)
from k8smeta.plugin.abi.lifetimes import Keeper
from k8smeta.plugin.abi.logsink import LogRoute, enter, log_emitter, register, routed, unregister
from k8smeta.plugin.abi.marshal import c_text, write_error
from k8smeta.plugin.abi.protocol import PodRead, ThreadWrite
from k8smeta.plugin.abi.pusher import AsyncPusher
from k8smeta.plugin.abi.thread_views import CgroupPaths, IteratedTable
from k8smeta.plugin.core.absence import Absent
from k8smeta.plugin.core.config import HOST_PROC_DEPRECATED, Config, parse_config
from k8smeta.plugin.core.errors import ConfigError, PayloadError, PluginError
from k8smeta.plugin.core.event_codes import ASYNC_EVENT
from k8smeta.plugin.core.levels import VERBOSITY_LEVELS
from k8smeta.plugin.core.plugin import PluginCore
from k8smeta.plugin.core.procscan import scan_pod_uids
from k8smeta.plugin.core.tagging import ProcessOutcome

logger = logging.getLogger(__name__)

_WRITTEN = int(ThreadWrite.WRITTEN)

#: Sessions alive (between init and destroy); keeps each handle's target alive.
LIVE: set[Session] = set()


class Session:
    """One plugin state."""

    def __init__(
        self, ffi: Any, lib: Any, cstate: Any, *, core: PluginCore, acc: Accessors, route: LogRoute
    ) -> None:
        self.ffi = ffi
        self.lib = lib
        self.cstate = cstate
        self.core = core
        self.route = route
        self.handle = ffi.new_handle(self)
        paths = CgroupPaths(ffi)
        self.table = IteratedTable(ffi, lib, accessors=acc, paths=paths, visitor=self.handle)
        self.pusher = AsyncPusher(ffi, core)
        self.kept = Keeper(ffi)
        self.pod_uid = ""  # the pod_uid of the latest extract_fields call
        self.container_id = ""  # and its thread's container ID
        self.host_proc = core.config.host_proc
        # Old hosts: the /proc scan tags the pre-existing threads once (flag in C: the
        # parse wrapper checks it without Python).
        cstate.scan_pending = int(not acc.sub_table)
        self.sub_table = acc.sub_table

    def fail(self, text: str) -> int:
        """Record `text` as the last error; FAILURE."""
        write_error(self.ffi, self.cstate, text)
        return SS_PLUGIN_FAILURE

    # -- extract_fields (event thread) -------------------------------------------------
    def extract(  # noqa: PLR0917 - mirrors the C signature
        self, call: Any, first: int, evtnum: int, field_id: int, arg: Any, slot: int
    ) -> int:
        """One field of an extract_fields call on event `evtnum` (`call`: a `k8smeta_call`,
        with the non-empty `pod_uid` and the container ID the C wrapper read; `first`: the
        call's first field answered here): the value's `k8smeta_value*` into
        `call.value`, or, without value, its
        reason into `call.why` (both preset to "none"); SUCCESS, or FAILURE with the last
        error. A cache `slot` (unless CacheSlot.NONE): the C cache keeps the answer."""
        enter(self.route)
        if first:
            self.kept.begin()
            self.pod_uid = self.ffi.string(call.pod_uid).decode("utf-8", "replace")
            self.container_id = self.ffi.string(call.container_id).decode("ascii", "replace")
        text = self.ffi.string(arg).decode("utf-8", "replace") if arg else None
        try:
            value = self.core.extract(self.pod_uid, evtnum, field_id, text, self.container_id)
        except PluginError as exc:
            return self.fail(str(exc))
        if type(value) is Absent:
            call.why = value.reason  # the C cache counts it at each repeat
            self.kept.hand_over(None, slot)
        else:
            call.value = self.kept.hand_over(value, slot)
        return SS_PLUGIN_SUCCESS

    def no_pod(self, evtnum: int, tid: int, read: int) -> int:
        """The C wrapper found no pod for the event (`read`: a `PodRead`, NO_THREAD or
        EMPTY) and the verbosity would log why: let the core log it (the C wrapper counts
        these extractions itself); SUCCESS."""
        enter(self.route)
        self.core.no_pod(evtnum, tid, read != PodRead.NO_THREAD, fields=0)
        return SS_PLUGIN_SUCCESS

    # -- parse_event (event thread) ----------------------------------------------------
    def parse(self, evt: Any, inp: Any) -> int:
        """An async event (the C wrapper routes process events to `parse_process`)."""
        enter(self.route)
        if self.cstate.scan_pending:
            self.flush_scan(inp.table_reader_ext, inp.table_writer_ext)
        code = evt.evt.type
        if code != ASYNC_EVENT:
            logger.error("received an unknown event type %d", code)
            return self.fail(f"received an unknown event type {code}")
        try:
            parsed = read_async(self.ffi, evt.evt)
        except MalformedEventError as exc:
            logger.error("%s", exc)
            self.core.metrics.parse_errors += 1
            return self.fail(str(exc))
        try:
            self.core.parse_async(parsed.name, parsed.data)
        except PayloadError as exc:
            return self.fail(str(exc))
        return SS_PLUGIN_SUCCESS

    def parse_process(self, inp: Any, code: int, tid: int, outcome: int) -> int:
        """A process event the C wrapper parsed (and tagged, when it found a UID), whose
        `outcome` (a `ProcessOutcome`) logs or counts something: let the core do that."""
        enter(self.route)
        kind = ProcessOutcome(outcome)
        error = owner_error(self.ffi, inp) if kind is ProcessOutcome.WRITE_FAILED else ""
        self.core.process_outcome(kind, tid, code, error)
        return SS_PLUGIN_SUCCESS

    def scan_threads(self, inp: Any) -> int:
        """Hosts without the cgroups sub-table, before their first process event is tagged."""
        enter(self.route)
        if self.cstate.scan_pending:
            self.flush_scan(inp.table_reader_ext, inp.table_writer_ext)
        return SS_PLUGIN_SUCCESS

    def flush_scan(self, reader: Any, writer: Any) -> None:
        """Hosts without the cgroups sub-table: tag the threads found under hostProc with
        the first vtables that can write; once."""
        self.cstate.scan_pending = 0
        tagged = 0
        for tid, (uid, container_id) in scan_pod_uids(self.host_proc).items():
            rc = self.lib.k8smeta_write_thread_pod(self.cstate, reader, writer, tid, uid.encode())
            if rc == _WRITTEN:
                tagged += 1
                cid = container_id.encode()
                self.lib.k8smeta_write_thread_container(self.cstate, reader, writer, tid, cid)
        self.core.metrics.threads_tagged += tagged
        logger.debug("tagged %d threads found under '%s/proc'", tagged, self.host_proc)

    # -- the other calls ---------------------------------------------------------------
    def capture_open(self, inp: Any) -> int:
        """Tag the threads libsinsp found before the capture; always SUCCESS."""
        with routed(self.route):
            if not self.sub_table:  # API 3.7/3.8: no get_owner_last_error in `inp`
                if self.cstate.scan_pending:
                    self.flush_scan(inp.table_reader_ext, inp.table_writer_ext)
                return SS_PLUGIN_SUCCESS
            reader, writer = inp.table_reader_ext, inp.table_writer_ext
            if self.ffi.NULL in (reader, writer):  # cffi would dereference NULL
                logger.error("capture_open: the host passed no table vtables; threads untagged")
                return SS_PLUGIN_SUCCESS
            self.core.capture_open(self.table.bind(reader, writer, inp))
        return SS_PLUGIN_SUCCESS

    def visit_thread(self, entry: Any) -> bool:
        """An entry of the table capture_open iterates; True to continue."""
        return self.table.visit_entry(entry)

    def set_async_handler(self, owner: Any, handler: Any) -> int:
        with routed(self.route):
            self.pusher.set_handler(owner, handler)
        return SS_PLUGIN_SUCCESS

    def dump_state(self, owner: Any, handler: Any) -> int:
        with routed(self.route):
            self.pusher.dump(owner, handler)
        return SS_PLUGIN_SUCCESS

    def metrics(self, num: Any) -> Any:
        """A fresh metric array (kept with the previous one: calls may overlap)."""
        ffi = self.ffi
        self.pusher.sync_metrics()
        values = self.core.metric_values(native=(*self.cstate.absent, self.cstate.tagged))
        names = [ffi.new("char[]", name.encode()) for name, _, _ in values]
        array = ffi.new("ss_plugin_metric[]", len(values))
        for i, (_, monotonic, value) in enumerate(values):
            metric = array[i]
            metric.name = names[i]
            metric.type = (
                SS_PLUGIN_METRIC_TYPE_MONOTONIC
                if monotonic
                else SS_PLUGIN_METRIC_TYPE_NON_MONOTONIC
            )
            metric.value.u64 = value
            metric.value_type = SS_PLUGIN_METRIC_VALUE_TYPE_U64
        self.kept.metrics(array, names)
        num[0] = len(values)
        return array

    def close(self) -> None:
        """plugin_destroy: stop the feed, forget the state (never calls the handler)."""
        try:
            with routed(self.route):
                self.pusher.set_handler(self.ffi.NULL, self.ffi.NULL)
        finally:  # the C state is freed next: nothing may keep pointing at it or its log_fn
            unregister(self.route)
            LIVE.discard(self)
            self.cstate.handle = self.ffi.NULL


def open_session(ffi: Any, lib: Any, cstate: Any, inp: Any) -> int:
    """plugin_init: config, threads table, core; the state's handle is set on success.

    The host's generation decides which members may be read (docs/falco-versions.md):
    `log_fn` and the tables input's `reader_ext`/`writer_ext` only when `threads` has the
    cgroups sub-table.
    """
    sub_table = has_cgroups_table(ffi, inp)
    route = LogRoute(
        logging.INFO, log_emitter(ffi, inp.owner, inp.log_fn if sub_table else ffi.NULL)
    )
    try:
        config = parse_config(c_text(ffi, inp.config), plugin_environ(ffi, lib))
    except ConfigError as exc:
        write_error(ffi, cstate, str(exc))
        return SS_PLUGIN_FAILURE
    if not sub_table:
        config = _host_proc_in_use(config)
    route.level = VERBOSITY_LEVELS[config.verbosity]
    register(route)
    with routed(route):
        try:
            accessors = setup_threads_table(ffi, inp, sub_table=sub_table)
            session = Session(ffi, lib, cstate, core=PluginCore(config), acc=accessors, route=route)
        except TableSetupError as exc:
            text = f"cannot add the 'pod_uid' field into the 'threads' table: {exc}"
            logger.critical("%s", text)
            unregister(route)
            write_error(ffi, cstate, text)
            return SS_PLUGIN_FAILURE
        except BaseException:
            unregister(route)  # a failed state must not keep routing records to its log_fn
            raise
    LIVE.add(session)
    cstate.table = accessors.table
    cstate.f_pod = accessors.f_pod
    cstate.f_container = accessors.f_container
    cstate.quiet_absent = int(route.level > logging.DEBUG)
    cstate.f_cgroups = accessors.f_cgroups
    cstate.f_second = accessors.f_second
    cstate.handle = session.handle
    return SS_PLUGIN_SUCCESS


def _host_proc_in_use(config: Config) -> Config:
    """Hosts without the cgroups sub-table use hostProc: no deprecation warning there."""
    logs = tuple(log for log in config.init_logs if log[1] != HOST_PROC_DEPRECATED)
    return dataclasses.replace(config, init_logs=logs)
