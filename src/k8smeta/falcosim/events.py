"""Events in the real binary layout (docs/plugin-contract.md, "Events"): builders for the
host, readers of pushes.

Process exit events use 16-bit length slots with `res` at param 0 and `cgroups` at 14;
`PPME_ASYNCEVENT_E` (402) uses 32-bit slots and carries plugin id, name and data.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Final

HEADER: Final = struct.Struct("<QQIHI")
HEADER_SIZE: Final = 26
NO_ID: Final = 0xFFFFFFFFFFFFFFFF
ASYNC_CODE: Final = 402
ASYNC_PARAMS_END: Final = 42  # header + 3 four-byte slots + the 4-byte plugin id

CLONE_X: Final = 223
FORK_X: Final = 225
VFORK_X: Final = 227
CLONE3_X: Final = 335
EXECVE_X: Final = 293
EXECVEAT_X: Final = 331
CLONE_FAMILY: Final = (CLONE_X, FORK_X, VFORK_X, CLONE3_X)
PROCESS_EVENTS: Final = (*CLONE_FAMILY, EXECVE_X, EXECVEAT_X)
CGROUPS_PARAM: Final = 14
_SUBSYSTEM_ALIASES: Final = {"perf": "perf_event", "mem": "memory", "io": "blkio"}


def nparams_of(code: int) -> int:
    """The parameter count of a process exit event of this code."""
    return 31 if code == EXECVE_X else 30 if code == EXECVEAT_X else 21


def process_event(
    code: int,
    tid: int,
    res: int,
    cgroups: Sequence[str] | None,
    *,
    nparams: int | None = None,
) -> bytes:
    """A process exit event; `nparams` below 15 drops `cgroups` like an old capture file."""
    count = nparams_of(code) if nparams is None else nparams
    params = [b""] * count
    params[0] = struct.pack("<q", res)
    if cgroups is not None and count > CGROUPS_PARAM:
        params[CGROUPS_PARAM] = b"".join(c.encode() + b"\0" for c in cgroups)
    body = b"".join(params)
    length = HEADER_SIZE + 2 * count + len(body)
    slots = struct.pack(f"<{count}H", *map(len, params))
    return HEADER.pack(1, tid & NO_ID, length, code, count) + slots + body


def async_event(name: str, data: bytes, *, length_delta: int = 0) -> bytes:
    """A PPME_ASYNCEVENT_E event; `length_delta` forges len[2]."""
    name_bytes = name.encode() + b"\0"
    length = ASYNC_PARAMS_END + len(name_bytes) + len(data)
    slots = struct.pack("<III", 4, len(name_bytes), len(data) + length_delta)
    header = HEADER.pack(NO_ID, NO_ID, length, ASYNC_CODE, 3)
    return header + slots + b"\0\0\0\0" + name_bytes + data


def header_only(tid: int, code: int = EXECVE_X) -> bytes:
    """A 26-byte event without parameters (what extraction needs: the tid)."""
    return HEADER.pack(1, tid & NO_ID, HEADER_SIZE, code, 0)


def async_check(event_head: bytes) -> tuple[int, str | None]:
    """(length, refusal) of a pushed event from its header, as the framework checks it."""
    _, _, length, code, nparams = HEADER.unpack(event_head[:HEADER_SIZE])
    if code != ASYNC_CODE or nparams != 3 or length < ASYNC_PARAMS_END:
        return length, "malformed async event"
    return length, None


def async_name(event: bytes) -> bytes:
    """The `name` parameter of an async event, NUL included."""
    name_len: int = struct.unpack_from("<I", event, 30)[0]
    return event[ASYNC_PARAMS_END : ASYNC_PARAMS_END + name_len]


def async_data(event: bytes) -> bytes:
    """The `data` parameter of an async event."""
    name_len, data_len = struct.unpack_from("<II", event, 30)
    start = ASYNC_PARAMS_END + name_len
    return event[start : start + data_len]


def split_cgroups(cgroups: Sequence[str]) -> list[tuple[str, str]] | None:
    """libsinsp's reading of a `cgroups` parameter; None when an element lacks `=`."""
    pairs: list[tuple[str, str]] = []
    for element in cgroups:
        subsystem, sep, path = element.partition("=")
        if not sep:
            return None
        subsystem = subsystem.removesuffix("_cgroup")
        pairs.append((_SUBSYSTEM_ALIASES.get(subsystem, subsystem), path))
    return pairs
