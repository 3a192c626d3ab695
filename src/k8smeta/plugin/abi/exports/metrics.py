"""plugin_get_metrics (C wrapper: metrics.c)."""

from __future__ import annotations

from typing import Any

from k8smeta.plugin.abi.exports.guard import last_defence, report
from k8smeta.plugin.abi.session import Session


def register(ffi: Any, lib: Any) -> None:
    """Attach the body to the embedded module."""

    def get_metrics(cstate: Any, num: Any) -> Any:
        """Any thread (metrics producers). The array and its names stay valid until the
        next get_metrics on this state; NULL with *num = 0 on error."""
        try:
            session: Session = ffi.from_handle(cstate.handle)
            return session.metrics(num)
        except BaseException as exc:
            report(ffi, cstate, "get_metrics", exc)
            return ffi.NULL

    ffi.def_extern(name="k8smeta_py_get_metrics", onerror=last_defence("get_metrics"))(get_metrics)
