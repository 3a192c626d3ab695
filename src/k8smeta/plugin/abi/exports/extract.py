"""plugin_extract_fields."""

from __future__ import annotations

from typing import Any

from k8smeta.plugin.abi.cdef import SS_PLUGIN_FAILURE
from k8smeta.plugin.abi.exports.guard import on_error
from k8smeta.plugin.abi.session import Session


def register(ffi: Any, lib: Any) -> None:
    """Attach the body to the embedded module."""

    def extract_fields(cstate: Any, evt: Any, inp: Any) -> int:
        """Event thread. Results (arrays and strings) are plugin-owned and stay valid until
        the next extract_fields on this state."""
        session: Session = ffi.from_handle(cstate.handle)
        return session.extract(evt, inp)

    ffi.def_extern(
        name="k8smeta_py_extract", error=SS_PLUGIN_FAILURE, onerror=on_error(ffi, "extract_fields")
    )(extract_fields)
