"""plugin_set_async_event_handler and plugin_dump_state."""

from __future__ import annotations

from typing import Any

from k8smeta.plugin.abi.cdef import SS_PLUGIN_FAILURE, SS_PLUGIN_SUCCESS
from k8smeta.plugin.abi.exports.guard import on_error
from k8smeta.plugin.abi.session import Session


def register(ffi: Any, lib: Any) -> None:
    """Attach the bodies to the embedded module."""

    def set_async_event_handler(cstate: Any, owner: Any, handler: Any) -> int:
        """Open/close thread. NULL stops and joins the feed before returning; non-NULL
        starts it (the owner and handler are kept until the next call)."""
        session: Session = ffi.from_handle(cstate.handle)
        return session.set_async_handler(owner, handler)

    ffi.def_extern(
        name="k8smeta_py_set_async",
        error=SS_PLUGIN_FAILURE,
        onerror=on_error(ffi, "set_async_event_handler"),
    )(set_async_event_handler)

    def dump_state(cstate: Any, owner: Any, handler: Any) -> int:
        """Dumper thread. Pushes every record through `handler` during the call; SUCCESS."""
        session: Session = ffi.from_handle(cstate.handle)
        return session.dump_state(owner, handler)

    ffi.def_extern(
        name="k8smeta_py_dump_state", error=SS_PLUGIN_SUCCESS, onerror=on_error(ffi, "dump_state")
    )(dump_state)
