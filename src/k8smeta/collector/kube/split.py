"""Where the values of a JSON document lie, without decoding them: the salvage path.

When neither decoder takes a list page or a watch line (invalid UTF-8, a lone surrogate,
`NaN`, nesting deeper than orjson's 1,024 levels), the fault lies in one object, and the
rest must still be read. The document is split into byte ranges instead: the members of an
object, the elements of an array, each to be decoded on its own. Strings are skipped whole
by one regular expression (escapes included); only brackets are counted, so a value of any
depth is measured without recursion. Nothing here checks what it skips: the decoders do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import orjson

_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
# A complete string, a bracket, or a quote that opens no complete string (an error).
_TOKEN = re.compile(rb'"(?:[^"\\]++|\\.)*+"|[\[\]{}]|"', re.DOTALL)
_SCALAR_END = re.compile(rb"[,\]}\s]")
_SPACE = b" \t\r\n"
_OPEN = frozenset(b"[{")
_CLOSE = frozenset(b"]}")
_QUOTE = ord('"')


class SplitError(ValueError):
    """The bytes are not shaped like JSON where the split needs them to be."""


Span = tuple[int, int]


def skip_space(data: bytes, pos: int) -> int:
    while pos < len(data) and data[pos] in _SPACE:
        pos += 1
    return pos


def value_end(data: bytes, pos: int) -> int:
    """The end of the value starting at `pos` (a string, object, array or scalar)."""
    if pos >= len(data):
        raise SplitError("a value is missing at the end")
    first = data[pos]
    if first == _QUOTE:
        match = _STRING.match(data, pos)
        if match is None:
            raise SplitError(f"unterminated string at byte {pos}")
        return match.end()
    if first not in _OPEN:
        match = _SCALAR_END.search(data, pos)
        end = len(data) if match is None else match.start()
        if end == pos:
            raise SplitError(f"a value is missing at byte {pos}")
        return end
    depth = 0
    for match in _TOKEN.finditer(data, pos):
        token = match.group()
        if token[0] == _QUOTE:
            if len(token) == 1:
                raise SplitError(f"unterminated string at byte {match.start()}")
            continue
        depth += 1 if token[0] in _OPEN else -1
        if depth == 0:
            return match.end()
    raise SplitError(f"unterminated {'object' if first == ord('{') else 'array'} at byte {pos}")


def _key(token: bytes) -> str:
    """A member's key: its JSON string value, or its raw text when it is no valid string."""
    try:
        key = orjson.loads(token)
    except orjson.JSONDecodeError:
        return token[1:-1].decode("utf-8", "replace")
    return key if isinstance(key, str) else ""


def _expect(data: bytes, pos: int, char: bytes) -> int:
    pos = skip_space(data, pos)
    if data[pos : pos + 1] != char:
        raise SplitError(f"expected {char.decode()!r} at byte {pos}")
    return pos + 1


def members(data: bytes, pos: int = 0) -> Iterator[tuple[str, Span]]:
    """The members of the object at `pos` (after spaces): each key (decoded leniently) and
    the span of its value."""
    pos = _expect(data, pos, b"{")
    pos = skip_space(data, pos)
    if data[pos : pos + 1] == b"}":
        return
    while True:
        match = _STRING.match(data, pos)
        if match is None:
            raise SplitError(f"expected a key at byte {pos}")
        key = _key(match.group())
        start = skip_space(data, _expect(data, match.end(), b":"))
        end = value_end(data, start)
        yield key, (start, end)
        pos = skip_space(data, end)
        if data[pos : pos + 1] == b"}":
            return
        pos = skip_space(data, _expect(data, pos, b","))


def elements(data: bytes, pos: int) -> Iterator[Span]:
    """The spans of the elements of the array at `pos`."""
    pos = _expect(data, pos, b"[")
    pos = skip_space(data, pos)
    if data[pos : pos + 1] == b"]":
        return
    while True:
        end = value_end(data, pos)
        yield pos, end
        pos = skip_space(data, end)
        if data[pos : pos + 1] == b"]":
            return
        pos = skip_space(data, _expect(data, pos, b","))


def member(data: bytes, key: str, pos: int = 0) -> Span | None:
    """The span of member `key` of the object at `pos` (the first one), or None."""
    for name, span in members(data, pos):
        if name == key:
            return span
    return None
