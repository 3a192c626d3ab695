"""plugin_set_async_event_handler and plugin_dump_state (C wrappers: async_events.c)."""

from __future__ import annotations

from typing import Any

from k8smeta.plugin.abi.cdef import SS_PLUGIN_FAILURE, SS_PLUGIN_SUCCESS
from k8smeta.plugin.abi.exports.guard import last_defence, report
from k8smeta.plugin.abi.session import Session


def register(ffi: Any, lib: Any) -> None:
    """Attach the bodies to the embedded module."""

    def set_async_event_handler(cstate: Any, owner: Any, handler: Any) -> int:
        """Open/close thread. NULL stops and joins the feed before returning; non-NULL
        starts it (the owner and handler are kept until the next call)."""
        try:
            session: Session = ffi.from_handle(cstate.handle)
            return session.set_async_handler(owner, handler)
        except BaseException as exc:
            report(ffi, cstate, "set_async_event_handler", exc)
            return SS_PLUGIN_FAILURE

    ffi.def_extern(
        name="k8smeta_py_set_async",
        error=SS_PLUGIN_FAILURE,
        onerror=last_defence("set_async_event_handler"),
    )(set_async_event_handler)

    def dump_state(cstate: Any, owner: Any, handler: Any) -> int:
        """Dumper thread. Pushes every record through `handler` during the call; SUCCESS
        (an error is logged and left as the last error: the capture goes on)."""
        try:
            session: Session = ffi.from_handle(cstate.handle)
            return session.dump_state(owner, handler)
        except BaseException as exc:
            report(ffi, cstate, "dump_state", exc)
            return SS_PLUGIN_SUCCESS

    ffi.def_extern(
        name="k8smeta_py_dump_state", error=SS_PLUGIN_SUCCESS, onerror=last_defence("dump_state")
    )(dump_state)
