"""plugin_parse_event: async events, and process events pre-read by the C wrapper."""

from __future__ import annotations

from typing import Any

from k8smeta.plugin.abi.cdef import SS_PLUGIN_FAILURE
from k8smeta.plugin.abi.exports.guard import on_error
from k8smeta.plugin.abi.session import Session


def register(ffi: Any, lib: Any) -> None:
    """Attach the bodies to the embedded module."""

    def parse_event(cstate: Any, evt: Any, inp: Any) -> int:
        """Event thread. The event and the vtables belong to the host, for this call only."""
        session: Session = ffi.from_handle(cstate.handle)
        return session.parse(evt, inp)

    def parse_process(  # noqa: PLR0917 - mirrors the C signature
        cstate: Any, code: int, tid: int, res: int, has_res: int, cgroups_status: int
    ) -> int:
        """Event thread. The C wrapper read `res` and the thread's cgroups (into cstate) and
        keeps this call's vtables in cstate until it returns."""
        session: Session = ffi.from_handle(cstate.handle)
        return session.parse_process(code, tid, res, has_res, cgroups_status)

    ffi.def_extern(
        name="k8smeta_py_parse", error=SS_PLUGIN_FAILURE, onerror=on_error(ffi, "parse_event")
    )(parse_event)
    ffi.def_extern(
        name="k8smeta_py_parse_process",
        error=SS_PLUGIN_FAILURE,
        onerror=on_error(ffi, "parse_event"),
    )(parse_process)
