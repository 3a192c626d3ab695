"""feed.aio in a fresh interpreter: asyncio and grpclib without `ssl`, then `ssl` given back.

The list of modules that take `ssl` optionally (`SSL_HOLDERS`) is checked against what this
Python and grpclib really hold, so another version that adds one fails here, not in a TLS
feed created after a plaintext one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

CHILD = """
import json, sys, types
import k8smeta.plugin.feed
from k8smeta.plugin.feed import aio

def holding_none():
    return sorted(
        f"{name}.{attribute}"
        for name, module in list(sys.modules.items())
        if isinstance(module, types.ModuleType)
        for attribute in ("ssl", "_ssl")
        if attribute in vars(module) and vars(module)[attribute] is None
    )

report = {"ssl_loaded": "ssl" in sys.modules, "before": holding_none()}
ssl = aio.ssl_module()
import asyncio.sslproto
report["after"] = holding_none()
report["unbound"] = aio.unbound_holders()
report["again_errors"] = [e.__name__ for e in asyncio.sslproto.SSLAgainErrors]
report["same_ssl"] = asyncio.base_events.ssl is ssl and asyncio.sslproto.ssl is ssl
print(json.dumps(report))
"""


def _child(code: str, *, preload: str = "") -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", preload + code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT / "src")},
    )
    report: dict[str, object] = json.loads(proc.stdout.splitlines()[-1])
    return report


def test_a_plaintext_import_leaves_ssl_out_and_every_holder_is_known() -> None:
    from k8smeta.plugin.feed.aio import SSL_HOLDERS

    report = _child(CHILD)
    assert report["ssl_loaded"] is False
    assert report["before"] == sorted(f"{name}.{attribute}" for name, attribute in SSL_HOLDERS)
    assert report["after"] == []
    assert report["unbound"] == []
    assert report["again_errors"] == ["SSLWantReadError", "SSLSyscallError"]
    assert report["same_ssl"] is True


def test_ssl_loaded_first_is_used_as_is() -> None:
    report = _child(CHILD, preload="import ssl\n")
    assert report["ssl_loaded"] is True
    assert report["before"] == []
    assert report["same_ssl"] is True
