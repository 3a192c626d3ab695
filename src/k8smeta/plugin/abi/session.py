"""The state behind one `ss_plugin_t*`: the core, the table accessors, the feed, and the
per-state storage of what the C side was handed (valid until the next call of a symbol).

`open_session` is plugin_init; each method is one plugin_* call; the C struct
`k8smeta_state` holds the handle of the session and the last error text.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from k8smeta.plugin.abi.calls import (
    log_emitter,
    metric_array,
    parse_event,
    parse_process,
)
from k8smeta.plugin.abi.cdef import SS_PLUGIN_FAILURE, SS_PLUGIN_SUCCESS
from k8smeta.plugin.abi.environ import LIVE_ENVIRON
from k8smeta.plugin.abi.host_tables import (
    Accessors,
    TableSetupError,
    VtableThreads,
    has_cgroups_table,
    setup_threads_table,
)
from k8smeta.plugin.abi.logsink import LogRoute, enter, register, routed, unregister
from k8smeta.plugin.abi.marshal import c_text, write_error
from k8smeta.plugin.abi.pusher import AsyncPusher
from k8smeta.plugin.core.config import HOST_PROC_DEPRECATED, Config, parse_config
from k8smeta.plugin.core.errors import ConfigError
from k8smeta.plugin.core.levels import VERBOSITY_LEVELS
from k8smeta.plugin.core.plugin import PluginCore
from k8smeta.plugin.core.procscan import scan_pod_uids

logger = logging.getLogger(__name__)

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
        self.threads = VtableThreads(ffi, lib, acc, cstate)
        self.pusher = AsyncPusher(ffi, core)
        self.kept_extract: list[object] = []  # results of the latest extract_fields call
        self.kept_call = 0  # the number of that call
        self.cached: dict[int, object] = {}  # arrays held by the C extraction cache, by slot
        self.kept_metrics: list[object] = []  # previous get_metrics arrays
        self.host_proc = core.config.host_proc
        self.scan_pending = not acc.sub_table  # old hosts: tag pre-existing threads once
        self.sub_table = acc.sub_table
        self.handle = ffi.new_handle(self)

    def flush_scan(self, reader: Any, writer: Any) -> None:
        """Hosts without the cgroups sub-table: tag the threads found under hostProc with
        the first vtables that can write (spec §8.2); once."""
        self.scan_pending = False
        tagged = 0
        for tid, uid in scan_pod_uids(self.host_proc).items():
            rc = self.lib.k8smeta_write_thread_pod(self.cstate, reader, writer, tid, uid.encode())
            tagged += rc == 0
        self.core.metrics.threads_tagged += tagged
        logger.debug("tagged %d threads found under '%s/proc'", tagged, self.host_proc)

    def fail(self, text: str) -> int:
        """Record `text` as the last error; FAILURE."""
        write_error(self.ffi, self.cstate, text)
        self.cstate.failed = 1
        return SS_PLUGIN_FAILURE

    def parse(self, evt: Any, inp: Any) -> int:
        enter(self.route)
        if self.scan_pending:
            self.flush_scan(inp.table_reader_ext, inp.table_writer_ext)
        return parse_event(self, evt, inp)

    def parse_process(
        self, code: int, tid: int, res: int, has_res: int, cgroups_status: int
    ) -> int:
        enter(self.route)
        if self.scan_pending:
            self.flush_scan(self.cstate.reader, self.cstate.writer)
        return parse_process(self, code, tid, res, has_res, cgroups_status)

    def capture_open(self, inp: Any) -> int:
        with routed(self.route):
            if not self.sub_table:  # API 3.7/3.8: no get_owner_last_error in `inp`
                if self.scan_pending:
                    self.flush_scan(inp.table_reader_ext, inp.table_writer_ext)
                return SS_PLUGIN_SUCCESS
            reader, writer = inp.table_reader_ext, inp.table_writer_ext
            if self.ffi.NULL in (reader, writer):  # cffi would dereference NULL
                logger.error("capture_open: the host passed no table vtables; threads untagged")
                return SS_PLUGIN_SUCCESS
            self.core.capture_open(self.threads.bind(reader, writer, inp))
        return SS_PLUGIN_SUCCESS

    def set_async_handler(self, owner: Any, handler: Any) -> int:
        with routed(self.route):
            self.pusher.set_handler(owner, handler)
        return SS_PLUGIN_SUCCESS

    def dump_state(self, owner: Any, handler: Any) -> int:
        with routed(self.route):
            self.pusher.dump(owner, handler)
        return SS_PLUGIN_SUCCESS

    def metrics(self, num: Any) -> Any:
        return metric_array(self, num)

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
    """plugin_init: config, tables (11.1), core; the state's handle is set on success.

    The host's generation decides which members may be read (spec §8.2): `log_fn` and the
    tables input's `reader_ext`/`writer_ext` only when `threads` has the cgroups sub-table.
    """
    sub_table = has_cgroups_table(ffi, inp)
    route = LogRoute(
        logging.INFO, log_emitter(ffi, inp.owner, inp.log_fn if sub_table else ffi.NULL)
    )
    try:
        config = parse_config(c_text(ffi, inp.config), LIVE_ENVIRON)
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
    cstate.quiet_absent = int(route.level > logging.DEBUG)
    cstate.f_cgroups = accessors.f_cgroups
    cstate.f_second = accessors.f_second
    cstate.handle = session.handle
    return SS_PLUGIN_SUCCESS


def _host_proc_in_use(config: Config) -> Config:
    """Hosts without the cgroups sub-table use hostProc: no deprecation warning there."""
    logs = tuple(log for log in config.init_logs if log[1] != HOST_PROC_DEPRECATED)
    return dataclasses.replace(config, init_logs=logs)
