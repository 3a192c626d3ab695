"""plugin_capture_open, and the threads-table iterator callback it uses."""

from __future__ import annotations

from typing import Any

from k8smeta.plugin.abi.cdef import SS_PLUGIN_SUCCESS
from k8smeta.plugin.abi.exports.guard import on_error
from k8smeta.plugin.abi.session import Session


def register(ffi: Any, lib: Any) -> None:
    """Attach the bodies to the embedded module."""

    def capture_open(cstate: Any, inp: Any) -> int:
        """Open thread. Tags the threads found before the capture; always SUCCESS."""
        session: Session = ffi.from_handle(cstate.handle)
        return session.capture_open(inp)

    ffi.def_extern(
        name="k8smeta_py_capture_open",
        error=SS_PLUGIN_SUCCESS,
        onerror=on_error(ffi, "capture_open"),
    )(capture_open)

    def visit_thread(state: Any, entry: Any) -> int:
        """Called by the host's iterate_entries during capture_open (`state` is the
        session's handle); 1 = continue."""
        session: Session = ffi.from_handle(state)
        return 1 if session.visit_thread(entry) else 0

    ffi.def_extern(
        name="k8smeta_py_visit_thread", error=0, onerror=on_error(ffi, "iterate_entries")
    )(visit_thread)
