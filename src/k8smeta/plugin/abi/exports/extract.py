"""plugin_extract_fields (C wrapper: extract.c, which reads the thread's pod_uid, answers
what it can, then calls one of these)."""

from __future__ import annotations

from typing import Any

from k8smeta.plugin.abi.cdef import SS_PLUGIN_FAILURE
from k8smeta.plugin.abi.exports.guard import last_defence, report
from k8smeta.plugin.abi.session import Session


def register(ffi: Any, lib: Any) -> None:
    """Attach the bodies to the embedded module."""

    def extract_one(  # noqa: PLR0917 - mirrors the C signature
        cstate: Any, call: Any, first: int, evtnum: int, field_id: int, arg: Any, slot: int
    ) -> int:
        """Event thread, once per field not answered by the C cache. Sets `call.value` to
        the value's plugin-owned `k8smeta_value*`, valid until the next extract_fields on
        this state (`lifetimes`), or `call.why` to its absence reason; FAILURE with the
        last error."""
        try:
            session: Session = ffi.from_handle(cstate.handle)
            return session.extract(call, first, evtnum, field_id, arg, slot)
        except BaseException as exc:
            report(ffi, cstate, "extract_fields", exc)
            return SS_PLUGIN_FAILURE

    ffi.def_extern(
        name="k8smeta_py_extract_one",
        error=SS_PLUGIN_FAILURE,
        onerror=last_defence("extract_fields"),
    )(extract_one)

    def no_pod(cstate: Any, evtnum: int, tid: int, read: int) -> int:
        """Event thread, once per call whose thread is in no pod, only when the verbosity
        would log why (the C wrapper has already answered "no value")."""
        try:
            session: Session = ffi.from_handle(cstate.handle)
            return session.no_pod(evtnum, tid, read)
        except BaseException as exc:
            report(ffi, cstate, "extract_fields", exc)
            return SS_PLUGIN_FAILURE

    ffi.def_extern(
        name="k8smeta_py_no_pod", error=SS_PLUGIN_FAILURE, onerror=last_defence("extract_fields")
    )(no_pod)
