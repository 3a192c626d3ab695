"""plugin_parse_event: async events; the process events the C wrapper (parse.c) hands over."""

from __future__ import annotations

from typing import Any

from k8smeta.plugin.abi.cdef import SS_PLUGIN_FAILURE
from k8smeta.plugin.abi.exports.guard import last_defence, report
from k8smeta.plugin.abi.session import Session


def register(ffi: Any, lib: Any) -> None:
    """Attach the bodies to the embedded module."""

    def parse_event(cstate: Any, evt: Any, inp: Any) -> int:
        """Event thread. The event and the vtables belong to the host, for this call only."""
        try:
            session: Session = ffi.from_handle(cstate.handle)
            return session.parse(evt, inp)
        except BaseException as exc:
            report(ffi, cstate, "parse_event", exc)
            return SS_PLUGIN_FAILURE

    def parse_process(cstate: Any, inp: Any, code: int, tid: int, outcome: int) -> int:
        """Event thread. The C wrapper parsed the process event; `outcome` (a
        `ProcessOutcome`) is one the verbosity would log, or an error."""
        try:
            session: Session = ffi.from_handle(cstate.handle)
            return session.parse_process(inp, code, tid, outcome)
        except BaseException as exc:
            report(ffi, cstate, "parse_event", exc)
            return SS_PLUGIN_FAILURE

    def scan_threads(cstate: Any, inp: Any) -> int:
        """Event thread, once, on hosts without the cgroups sub-table: before the first
        process event is tagged."""
        try:
            session: Session = ffi.from_handle(cstate.handle)
            return session.scan_threads(inp)
        except BaseException as exc:
            report(ffi, cstate, "parse_event", exc)
            return SS_PLUGIN_FAILURE

    for name, body in (
        ("k8smeta_py_parse", parse_event),
        ("k8smeta_py_parse_process", parse_process),
        ("k8smeta_py_scan_threads", scan_threads),
    ):
        ffi.def_extern(name=name, error=SS_PLUGIN_FAILURE, onerror=last_defence("parse_event"))(
            body
        )
