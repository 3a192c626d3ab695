"""The host process's live environment, read through the C library at each lookup.

`os.environ` is a copy taken when the interpreter started, i.e. when the host loaded
libk8smeta.so: a variable the host sets afterwards with `setenv` (before `init`) is missing
from it. `${NAME}` in `nodeName` must see what the C library's `getenv` sees, as in the
upstream C++ plugin (docs/configuration.md, `nodeName`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

from cffi import FFI

_ffi = FFI()
_ffi.cdef("char *getenv(const char *name); extern char **environ;")
_libc: Any = _ffi.dlopen(None)  # the process's global symbols: the C library is among them


class LiveEnviron(Mapping[str, str]):
    """A read-only mapping over the C library's environment (file-system encoded, as
    `os.environ`); nothing is cached."""

    def __getitem__(self, name: str) -> str:
        encoded = os.fsencode(name)
        value = _libc.getenv(encoded) if encoded and b"\0" not in encoded else _ffi.NULL
        if value == _ffi.NULL:
            raise KeyError(name)
        return os.fsdecode(_ffi.string(value))

    def __iter__(self) -> Iterator[str]:
        entries = _libc.environ
        index = 0
        while entries != _ffi.NULL and entries[index] != _ffi.NULL:
            entry: bytes = _ffi.string(entries[index])
            index += 1
            yield os.fsdecode(entry.partition(b"=")[0])

    def __len__(self) -> int:
        return sum(1 for _ in self)


#: The process's environment, as the host sees it now.
LIVE_ENVIRON: Mapping[str, str] = LiveEnviron()
