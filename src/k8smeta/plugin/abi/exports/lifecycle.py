"""plugin_init and plugin_destroy."""

from __future__ import annotations

from typing import Any

from k8smeta.plugin.abi.cdef import SS_PLUGIN_FAILURE
from k8smeta.plugin.abi.exports.guard import on_error
from k8smeta.plugin.abi.session import Session, open_session


def register(ffi: Any, lib: Any) -> None:
    """Attach the bodies to the embedded module."""

    def init(cstate: Any, inp: Any) -> int:
        """Registration thread. Creates the session and sets cstate.handle on success;
        errors -> last error."""
        return open_session(ffi, lib, cstate, inp)

    ffi.def_extern(name="k8smeta_py_init", error=SS_PLUGIN_FAILURE, onerror=on_error(ffi, "init"))(
        init
    )

    def destroy(cstate: Any) -> None:
        """Teardown thread. Stops the feed; the C wrapper frees the C state afterwards."""
        session: Session = ffi.from_handle(cstate.handle)
        session.close()

    ffi.def_extern(name="k8smeta_py_destroy", onerror=on_error(ffi, "destroy"))(destroy)
