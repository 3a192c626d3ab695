"""asyncio, grpclib and h2 for the feed, imported without `ssl` until a feed needs TLS.

`import ssl` loads OpenSSL: 4.3 MB of the plugin's RSS on top of asyncio
(docs/adr/0010-plugin-memory.md), paid by every node whose feed is plaintext because
asyncio and grpclib import it whether or not TLS is used. Both import it optionally (`try:
import ssl` / `except ImportError: ssl = None`), so this module, the feed package's first
import, imports them while `ssl` is marked missing, unless it is loaded already (a config
with mutual TLS checks its files with it at init).

Falco may destroy a plaintext state and create one with TLS in the same process (hot
reload); modules are never imported twice, so `ssl_module()` loads `ssl` for that state and
gives it to the modules that took None: the `ssl` global of asyncio's event loop modules
and grpclib's client, and `asyncio.sslproto` is executed again (its own code derives what
it needs from `ssl`; nothing else holds its classes, as no TLS connection could be made
before). `unbound_holders()` lists modules still holding None, for the test that guards this
list against another Python or grpclib version.
"""

from __future__ import annotations

import importlib
import sys
import threading
from types import ModuleType
from typing import Final

#: Modules that bind `ssl` at import, optionally, and the global each binds it to.
SSL_HOLDERS: Final = (
    ("asyncio.base_events", "ssl"),
    ("asyncio.selector_events", "ssl"),
    ("asyncio.sslproto", "ssl"),
    ("grpclib.client", "_ssl"),
)
#: The one holder whose module derives more from `ssl` at import (executed again).
_RELOADED: Final = "asyncio.sslproto"

_lock = threading.Lock()


def _import_without_ssl() -> None:
    blocked = "ssl" not in sys.modules
    if blocked:
        sys.modules["ssl"] = None  # type: ignore[assignment]  # the import system's "missing"
    try:
        import asyncio  # noqa: F401

        import grpclib.client  # noqa: F401
    finally:
        if blocked and sys.modules.get("ssl", False) is None:
            del sys.modules["ssl"]


def unbound_holders() -> list[str]:
    """The holders (`module.global`) that are loaded and hold None instead of `ssl`."""
    return [
        f"{name}.{attribute}"
        for name, attribute in SSL_HOLDERS
        if (module := sys.modules.get(name)) is not None
        and getattr(module, attribute, False) is None
    ]


def ssl_module() -> ModuleType:
    """`ssl`, loaded if needed and given to the modules imported without it."""
    import ssl  # here: only a feed with TLS pays for OpenSSL

    with _lock:
        for name, attribute in SSL_HOLDERS:
            module = sys.modules.get(name)
            if module is None or getattr(module, attribute, False) is not None:
                continue
            if name == _RELOADED:
                importlib.reload(module)
            else:
                setattr(module, attribute, ssl)
    return ssl


_import_without_ssl()
