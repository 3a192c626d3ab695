"""Loading a plugin library as libsinsp does: dlopen, symbols, registration checks.

`load` opens the file once per path with cffi's ABI mode (the plugin is linked with
`-z nodelete`, so a reopen would return the same object anyway). `register` runs the
framework's registration of one host generation: mandatory symbols, the API gate, a valid
version string, the capabilities, the parsed `get_fields` and `get_async_events`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import orjson

from k8smeta.falcosim.declarations import ffi
from k8smeta.falcosim.generations import Generation

MANDATORY: Final = (
    "get_required_api_version",
    "get_version",
    "get_name",
    "get_description",
    "get_contact",
    "init",
    "destroy",
    "get_last_error",
)
_CAPABILITIES: Final = {
    "extraction": ("get_fields", "extract_fields"),
    "parsing": ("parse_event",),
    "async": ("get_async_events", "set_async_event_handler"),
    "capture listening": ("capture_open", "capture_close"),
}
_VERSION = re.compile(r"^\d+\.\d+\.\d+$")
_OPENED: dict[str, Any] = {}


class RegistrationError(Exception):
    """The framework refused to register the plugin."""


@dataclass(frozen=True, slots=True)
class Library:
    """A loaded plugin library and what its static symbols said at registration."""

    lib: Any
    path: Path
    required_api: str
    fields: tuple[dict[str, Any], ...]
    async_names: tuple[bytes, ...]


def dlopen_flags(generation: Generation) -> int:
    """`RTLD_LAZY` up to libs 0.21, `RTLD_LOCAL|RTLD_NOW` from 0.22 on."""
    if generation.has((3, 12, 0)):
        return os.RTLD_LOCAL | os.RTLD_NOW
    return os.RTLD_LAZY


def _symbol(lib: Any, name: str) -> Any:
    try:
        return getattr(lib, f"plugin_{name}")
    except AttributeError:
        return None


def _text(lib: Any, name: str) -> str:
    value = _symbol(lib, name)()
    return "" if value == ffi.NULL else str(ffi.string(value).decode())


def _capabilities(lib: Any) -> frozenset[str]:
    return frozenset(
        cap
        for cap, names in _CAPABILITIES.items()
        if all(_symbol(lib, n) is not None for n in names)
    )


def load(path: Path, generation: Generation) -> Library:
    """Open and register the plugin at `path` on a host of `generation`."""
    key = str(path)
    if key not in _OPENED:
        _OPENED[key] = ffi.dlopen(key, dlopen_flags(generation))
    lib = _OPENED[key]
    missing = [name for name in MANDATORY if _symbol(lib, name) is None]
    if missing:
        raise RegistrationError(f"required symbol not implemented: '{missing[0]}'")
    required = _text(lib, "get_required_api_version")
    if not generation.accepts(required):
        raise RegistrationError(
            f"plugin required API version '{required}' not compatible with the framework's "
            f"API version '{generation.api_text}'"
        )
    if not _VERSION.match(_text(lib, "get_version")):
        raise RegistrationError("plugin provided an invalid version string")
    caps = _capabilities(lib)
    if not caps:
        raise RegistrationError("plugin does not implement any capability")
    names = orjson.loads(_text(lib, "get_async_events")) if "async" in caps else []
    fields = orjson.loads(_text(lib, "get_fields")) if "extraction" in caps else []
    return Library(
        lib=lib,
        path=path,
        required_api=required,
        fields=tuple(fields),
        async_names=tuple(str(n).encode() for n in names),
    )
