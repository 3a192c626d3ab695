"""plugin_extract_fields: the C wrapper reads the thread's pod_uid, then calls one of these."""

from __future__ import annotations

from typing import Any

from k8smeta.plugin.abi.exports.guard import on_error
from k8smeta.plugin.abi.session import Session


def register(ffi: Any, lib: Any) -> None:
    """Attach the bodies to the embedded module."""

    def extract_one(  # noqa: PLR0917 - mirrors the C signature
        cstate: Any, evtnum: int, field_id: int, arg: Any, call: int, slot: int
    ) -> Any:
        """Event thread, once per field not answered by the C cache. Returns the value's
        plugin-owned `char*` array (count at [-1]) or NULL; it stays valid until the next
        extract_fields on this state (`lifetimes`). Failures set `cstate.failed` and the
        last error."""
        session: Session = ffi.from_handle(cstate.handle)
        return session.extract(evtnum, field_id, arg, call, slot)

    ffi.def_extern(name="k8smeta_py_extract_one", onerror=on_error(ffi, "extract_fields"))(
        extract_one
    )

    def no_pod(cstate: Any, evtnum: int, tid: int, status: int) -> None:
        """Event thread, once per call whose thread is in no pod, only when the verbosity
        would log why (the C wrapper has already answered "no value")."""
        session: Session = ffi.from_handle(cstate.handle)
        session.no_pod(evtnum, tid, status)

    ffi.def_extern(name="k8smeta_py_no_pod", onerror=on_error(ffi, "extract_fields"))(no_pod)
