"""plugin_get_metrics."""

from __future__ import annotations

from typing import Any

from k8smeta.plugin.abi.exports.guard import on_error
from k8smeta.plugin.abi.session import Session


def register(ffi: Any, lib: Any) -> None:
    """Attach the body to the embedded module."""

    def get_metrics(cstate: Any, num: Any) -> Any:
        """Any thread (metrics producers). The array and its names stay valid until the
        next get_metrics on this state; NULL with *num = 0 on error."""
        session: Session = ffi.from_handle(cstate.handle)
        return session.metrics(num)

    ffi.def_extern(name="k8smeta_py_get_metrics", onerror=on_error(ffi, "get_metrics"))(get_metrics)
