"""The host process's live environment, read through the C library at each lookup.

`os.environ` is a copy taken when the interpreter started, i.e. when the host loaded
libk8smeta.so: a variable the host sets afterwards with `setenv` (before `init`) is missing
from it. `${NAME}` in `nodeName` must see what the C library's `getenv` sees, as in the
upstream C++ plugin (docs/configuration.md, `nodeName`).

The C functions come from the caller: the embedded module's own `lib` in the plugin (no
cffi front end needed at run time, so the bundled runtime can leave it out), a cffi ABI-mode
handle on the C library in the in-process test host.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any


class LiveEnviron(Mapping[str, str]):
    """A read-only mapping over the C library's environment (file-system encoded, as
    `os.environ`); nothing is cached.

    `getenv` is the C library's `getenv`; `entries` returns its `environ` array.
    """

    def __init__(self, ffi: Any, getenv: Callable[[bytes], Any], entries: Callable[[], Any]):
        self._ffi = ffi
        self._getenv = getenv
        self._entries = entries

    def __getitem__(self, name: str) -> str:
        encoded = os.fsencode(name)
        value = self._getenv(encoded) if encoded and b"\0" not in encoded else self._ffi.NULL
        if value == self._ffi.NULL:
            raise KeyError(name)
        return os.fsdecode(self._ffi.string(value))

    def __iter__(self) -> Iterator[str]:
        entries = self._entries()
        index = 0
        while entries != self._ffi.NULL and entries[index] != self._ffi.NULL:
            entry: bytes = self._ffi.string(entries[index])
            index += 1
            yield os.fsdecode(entry.partition(b"=")[0])

    def __len__(self) -> int:
        return sum(1 for _ in self)


def plugin_environ(ffi: Any, lib: Any) -> LiveEnviron:
    """The live environment through the embedded module's C helpers (`build.BOOT_CDEF`)."""
    return LiveEnviron(ffi, lib.getenv, lib.k8smeta_environ)
