"""Runtime pieces of the ABI layer that need no library: event layout, log severities,
and the guard against exceptions (through the library, with a fault injected)."""

from __future__ import annotations

import logging
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from k8smeta.falcosim.declarations import ffi
from k8smeta.falcosim.events import async_event as host_async_event
from k8smeta.plugin.abi import session as abi_session
from k8smeta.plugin.abi.events import MalformedEventError, async_event, read_async
from k8smeta.plugin.abi.logsink import severity
from k8smeta.plugin.core.levels import TRACE
from tests.host.shared_lib import SharedLibHost
from tests.plugin.behaviour.conftest import DEFAULT_CONFIG, execve_in_pod, replay

POD = "5eaeeca9-2277-460b-a4bf-5a0783f6d49f"


@pytest.mark.parametrize("data", [b"{}\0", b"", b"x" * 70_000 + b"\0"])
def test_async_event_layout_round_trip(data: bytes) -> None:
    event = async_event("k8s", data)
    assert event == host_async_event("k8s", data)  # the host's independent builder
    ts, tid, length, code, nparams = struct.unpack_from("<QQIHI", event)
    assert (ts, tid, length, code, nparams) == (2**64 - 1, 2**64 - 1, len(event), 402, 3)
    parsed = read_async(ffi, ffi.from_buffer("ss_plugin_event*", event))
    assert (parsed.name, parsed.data) == ("k8s", data)


def test_read_async_rejects_a_slot_past_the_end() -> None:
    event = host_async_event("k8s", b"{}\0", length_delta=1)
    with pytest.raises(MalformedEventError):
        read_async(ffi, ffi.from_buffer("ss_plugin_event*", event))


@pytest.mark.parametrize(
    ("level", "sev"),
    [
        (TRACE, 8),
        (logging.DEBUG, 7),
        (logging.INFO, 6),
        (logging.WARNING, 4),
        (logging.ERROR, 3),
        (logging.CRITICAL, 2),
    ],
)
def test_severity_mapping(level: int, sev: int) -> None:
    assert severity(level) == sev


@pytest.fixture
def replayed(library: Path) -> Iterator[SharedLibHost]:
    host = SharedLibHost(library)
    assert host.init(DEFAULT_CONFIG) is None
    replay(host)
    execve_in_pod(host, POD)
    yield host
    host.close()


def _session_of(host: SharedLibHost) -> abi_session.Session:
    """The session behind `host`'s state (other states may live in this process)."""
    address = int(ffi.cast("uintptr_t", host.state))
    (live,) = [s for s in abi_session.LIVE if int(s.ffi.cast("uintptr_t", s.cstate)) == address]
    return live


def _boom(*args: object) -> None:
    raise RuntimeError("injected fault")


@pytest.mark.parametrize("method", ["extract", "parse_async", "process_outcome"])
def test_an_exception_becomes_failure_and_last_error(
    replayed: SharedLibHost, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    session = _session_of(replayed)
    core = session.core
    before = replayed.metrics()
    monkeypatch.setattr(core, method, _boom)
    # A process event enters Python only when it has something to log or count there: a
    # failed syscall at a verbosity that logs it.
    monkeypatch.setattr(session.cstate, "quiet_absent", 0)
    if method == "extract":
        assert replayed.extract_id(1, 0, None, 99) is None
    elif method == "parse_async":
        assert not replayed.async_event("k8s", b'{"reason":"Delete","uid":"x","kind":"Pod"}\0')
    else:
        assert not replayed.process_event(293, 1, -1, None)
    assert "injected fault" in replayed.last_error()
    monkeypatch.undo()
    assert replayed.metrics()["resources_pod"] == before["resources_pod"]
    assert replayed.extract(1, "k8smeta.pod.name") == ["metrics-server-85d6fcf458-tqkcv"]
