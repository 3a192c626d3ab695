"""Python values to C memory: last errors, the cached native form of extracted values.

Everything handed to C stays referenced by its owner (the `Extracted` value's
`abi_cache`, and the session's `lifetimes.Keeper`) until the next call of the symbol.
"""

from __future__ import annotations

from typing import Any

from k8smeta.plugin.abi.cdef import PLUGIN_MAX_ERRLEN
from k8smeta.plugin.core.values import Extracted


class NativeStrings:
    """A `k8smeta_value` (`protocol`: the count, then the `const char*` of each string) and
    the `char[]` buffers it points to. `pointer` is what the extract wrapper is handed."""

    __slots__ = ("buffers", "count", "pointer")

    def __init__(self, ffi: Any, strings: tuple[bytes, ...]) -> None:
        self.buffers = [ffi.new("char[]", s) for s in strings]
        self.count = len(strings)
        self.pointer = ffi.new("k8smeta_value*", [self.count, self.buffers])


def native_strings(ffi: Any, value: Extracted) -> NativeStrings:
    """The native form of `value`, built the first time and cached on the value."""
    cached = value.abi_cache
    if cached is None:
        cached = NativeStrings(ffi, value.strings)
        value.abi_cache = cached
    assert isinstance(cached, NativeStrings)
    return cached


def write_error(ffi: Any, cstate: Any, text: str) -> None:
    """Store `text` as the state's last error (truncated to fit, NUL-terminated)."""
    data = text.encode("utf-8", "replace")[: PLUGIN_MAX_ERRLEN - 1]
    ffi.memmove(cstate.last_error, data + b"\0", len(data) + 1)


def c_text(ffi: Any, pointer: Any) -> str:
    """A C string from the host as str ("" for NULL); invalid UTF-8 is replaced."""
    if pointer == ffi.NULL:
        return ""
    result: bytes = ffi.string(pointer)
    return result.decode("utf-8", "replace")
