"""plugin_init and plugin_destroy (C wrappers: lifecycle.c)."""

from __future__ import annotations

from typing import Any

from k8smeta.plugin.abi.cdef import SS_PLUGIN_FAILURE
from k8smeta.plugin.abi.exports.guard import last_defence, report
from k8smeta.plugin.abi.session import Session, open_session


def register(ffi: Any, lib: Any) -> None:
    """Attach the bodies to the embedded module."""

    def init(cstate: Any, inp: Any) -> int:
        """Registration thread. Creates the session and sets cstate.handle on success;
        errors -> last error."""
        try:
            return open_session(ffi, lib, cstate, inp)
        except BaseException as exc:
            report(ffi, cstate, "init", exc)
            return SS_PLUGIN_FAILURE

    ffi.def_extern(name="k8smeta_py_init", error=SS_PLUGIN_FAILURE, onerror=last_defence("init"))(
        init
    )

    def destroy(cstate: Any) -> None:
        """Teardown thread. Stops the feed; the C wrapper frees the C state afterwards."""
        try:
            session: Session = ffi.from_handle(cstate.handle)
            session.close()
        except BaseException as exc:
            report(ffi, cstate, "destroy", exc)

    ffi.def_extern(name="k8smeta_py_destroy", onerror=last_defence("destroy"))(destroy)
