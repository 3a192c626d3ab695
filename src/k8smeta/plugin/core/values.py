"""Extraction results, built once when metadata changes and returned as they are."""

from __future__ import annotations


class Extracted:
    """The value of one field for one pod: UTF-8 strings without NUL, one unless a list.

    `abi_cache` is a slot for the C boundary to keep the native form (a `char*` array)
    it built the first time this object was returned, so that extraction through the
    ABI allocates nothing for a value it has returned before. The core never reads it.
    """

    __slots__ = ("abi_cache", "strings")

    def __init__(self, strings: tuple[bytes, ...]) -> None:
        self.strings = strings
        self.abi_cache: object | None = None

    def __repr__(self) -> str:
        return f"Extracted({self.strings!r})"
