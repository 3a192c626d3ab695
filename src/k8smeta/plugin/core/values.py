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


class UnknownOwner:
    """A look-up's answer "no value, because the resource the refs name is not stored".

    Not a value: extraction turns it into "no value" and counts it (metric
    `extract_unknown_owner`); `explain` names the missing `kind`. Instances are made when
    the look-ups or records are built, never during extraction.
    """

    __slots__ = ("kind",)

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __repr__(self) -> str:
        return f"UnknownOwner({self.kind!r})"
