"""The binary event layout: read async events, build them; the sizes the C side uses.

An event is a packed header (ts, tid, len, type, nparams) followed by one length slot per
parameter, then the parameters' bytes (docs/plugin-contract.md, "Events"). Process events
use 16-bit length slots (their `res` and cgroups are read by the C wrapper of parse_event,
with the sizes below generated into its source), the async event 402 32-bit ones. Readers
take the header's `nparams` and `len` at face value and never read past `len`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any, Final

from k8smeta.plugin.core.event_codes import ASYNC_EVENT

HEADER: Final = struct.Struct("<QQIHI")  # ts, tid, len, type, nparams (packed)
HEADER_SIZE: Final = HEADER.size
PROCESS_LEN_SIZE: Final = 2  # bytes of a process event's parameter length slot
_SLOTS_402: Final = struct.Struct("<III")
ASYNC_PAYLOAD_OFFSET: Final = HEADER_SIZE + _SLOTS_402.size + 4  # + plugin_id
_NO_ID: Final = 0xFFFFFFFFFFFFFFFF


class MalformedEventError(ValueError):
    """An event whose layout contradicts its header; the message says why."""


@dataclass(frozen=True, slots=True)
class AsyncEvent:
    """Name and data of a 402 event; data is exactly the bytes of its length slot."""

    name: str
    data: bytes


def read_async(ffi: Any, evt: Any) -> AsyncEvent:
    """Name and data of a 402 event; raises MalformedEventError."""
    length = int(evt.len)
    if int(evt.nparams) != 3 or length < ASYNC_PAYLOAD_OFFSET:
        raise MalformedEventError("async event with a malformed header")
    raw = ffi.buffer(evt, length)
    id_len, name_len, data_len = _SLOTS_402.unpack_from(raw, HEADER_SIZE)
    if id_len != 4 or name_len < 1 or length < ASYNC_PAYLOAD_OFFSET + name_len + data_len:
        raise MalformedEventError("async event parameters exceed the event length")
    name_end = ASYNC_PAYLOAD_OFFSET + name_len
    name = raw[ASYNC_PAYLOAD_OFFSET:name_end]
    if name[-1:] != b"\0":
        raise MalformedEventError("async event name is not NUL-terminated")
    data = raw[name_end : name_end + data_len]  # the core strips the one trailing NUL
    return AsyncEvent(name.split(b"\0", 1)[0].decode("utf-8", "replace"), data)


def async_event(name: str, data: bytes) -> bytes:
    """A PPME_ASYNCEVENT_E event carrying `data` (already NUL-terminated): plugin id 0,
    the NUL-terminated name, then the data."""
    name_bytes = name.encode() + b"\0"
    length = ASYNC_PAYLOAD_OFFSET + len(name_bytes) + len(data)
    return b"".join(
        (
            HEADER.pack(_NO_ID, _NO_ID, length, ASYNC_EVENT, 3),
            _SLOTS_402.pack(4, len(name_bytes), len(data)),
            b"\0\0\0\0",
            name_bytes,
            data,
        )
    )
