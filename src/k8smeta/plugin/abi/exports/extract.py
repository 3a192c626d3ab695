"""plugin_extract_fields (the C wrapper reads the thread, then calls this per field)."""

from __future__ import annotations

from typing import Any

from k8smeta.plugin.abi import calls
from k8smeta.plugin.abi.exports.guard import on_error
from k8smeta.plugin.abi.session import Session


def register(ffi: Any, lib: Any) -> None:
    """Attach the body to the embedded module."""

    def extract_one(  # noqa: PLR0917 - mirrors the C signature
        cstate: Any,
        evtnum: int,
        tid: int,
        field_id: int,
        arg: Any,
        uid_status: int,
        call: int,
        slot: int,
    ) -> Any:
        """Event thread. Returns the value's plugin-owned `char*` array (count at [-1]) or
        NULL; it stays valid until the next extract_fields on this state. Failures set
        `cstate.failed` and the last error."""
        session: Session = ffi.from_handle(cstate.handle)
        return calls.extract_one(session, evtnum, tid, field_id, arg, uid_status, call, slot)

    ffi.def_extern(name="k8smeta_py_extract_one", onerror=on_error(ffi, "extract_fields"))(
        extract_one
    )
