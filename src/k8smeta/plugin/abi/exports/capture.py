"""plugin_capture_open, and the threads-table iterator callback it uses (C wrapper:
capture.c)."""

from __future__ import annotations

from typing import Any

from k8smeta.plugin.abi.cdef import SS_PLUGIN_SUCCESS
from k8smeta.plugin.abi.exports.guard import last_defence, report
from k8smeta.plugin.abi.session import Session


def register(ffi: Any, lib: Any) -> None:
    """Attach the bodies to the embedded module."""

    def capture_open(cstate: Any, inp: Any) -> int:
        """Open thread. Tags the threads found before the capture; always SUCCESS."""
        try:
            session: Session = ffi.from_handle(cstate.handle)
            return session.capture_open(inp)
        except BaseException as exc:
            report(ffi, cstate, "capture_open", exc)
            return SS_PLUGIN_SUCCESS

    ffi.def_extern(
        name="k8smeta_py_capture_open",
        error=SS_PLUGIN_SUCCESS,
        onerror=last_defence("capture_open"),
    )(capture_open)

    def visit_thread(state: Any, entry: Any) -> bool:
        """Called by the host's iterate_entries during capture_open (`state` is the
        session's handle, not a C state: an error is only logged); True = continue."""
        try:
            session: Session = ffi.from_handle(state)
            return session.visit_thread(entry)
        except BaseException as exc:
            report(ffi, None, "iterate_entries", exc)
            return False

    ffi.def_extern(
        name="k8smeta_py_visit_thread", error=False, onerror=last_defence("iterate_entries")
    )(visit_thread)
