"""Process events are parsed in C: Python only for what it logs or counts
(docs/plugin-contract.md, "Threads table"; docs/architecture.md, "The C boundary")."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any

import pytest

from k8smeta.falcosim import tables
from k8smeta.falcosim.declarations import ffi
from k8smeta.falcosim.generations import GENERATIONS, Generation
from k8smeta.plugin.abi import session as abi_session
from tests.host.base import CLONE_X, EXECVE_X
from tests.host.shared_lib import SharedLibHost, make_host
from tests.plugin.behaviour.conftest import DEFAULT_CONFIG, pod_cgroups

UID = "05869489-8c7f-45dc-9abd-1b1620787bb1"
OTHER = "0f90f31c-ebeb-4192-a2b0-92e076c43817"
#: An execve exit without parameters (no `res`): header only (ts, tid, len, type, nparams).
NO_PARAMS = struct.pack("<QQIHI", 1, 1, 26, EXECVE_X, 0)
NEW = [g for g in GENERATIONS if g.cgroups_sub_table]


def _ids(generations: list[Generation] | tuple[Generation, ...]) -> list[str]:
    return [g.name for g in generations]


@pytest.fixture
def hosts() -> Iterator[list[SharedLibHost]]:
    made: list[SharedLibHost] = []
    yield made
    for host in made:
        host.close()


def _ready(hosts: list[SharedLibHost], generation: Generation, config: str) -> SharedLibHost:
    host = make_host(generation)
    hosts.append(host)
    assert host.init(config) is None
    return host


def _session_of(host: SharedLibHost) -> abi_session.Session:
    address = int(ffi.cast("uintptr_t", host.state))
    (live,) = [s for s in abi_session.LIVE if int(s.ffi.cast("uintptr_t", s.cstate)) == address]
    return live


class _EnteredPythonError(AssertionError):
    """Python was entered for a process event."""


def _forbid_python(monkeypatch: pytest.MonkeyPatch, host: SharedLibHost) -> list[str]:
    """Make every Python entry of the process-event path record itself and fail."""
    entered: list[str] = []
    core = _session_of(host).core

    def entry(name: str) -> Any:
        def body(*args: object, **kwargs: object) -> None:
            entered.append(name)
            raise _EnteredPythonError(name)

        return body

    for name in ("parse_process_event", "process_outcome"):
        monkeypatch.setattr(core, name, entry(name))
    return entered


@pytest.mark.parametrize("generation", GENERATIONS, ids=_ids(GENERATIONS))
def test_tagging_a_thread_does_not_enter_python(
    hosts: list[SharedLibHost], generation: Generation, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = _ready(hosts, generation, DEFAULT_CONFIG)
    assert host.parse_only(EXECVE_X, 42, 0)  # old hosts: the one-time /proc scan
    entered = _forbid_python(monkeypatch, host)
    host.set_thread(1, [])
    assert host.process_event(EXECVE_X, 1, 0, pod_cgroups(UID))
    assert host.process_event(CLONE_X, 2, 0, pod_cgroups(OTHER))
    assert host.process_event(EXECVE_X, 1, 0, pod_cgroups(UID))  # same UID: no write
    assert host.process_event(EXECVE_X, 2, 0, ["cpu=/user.slice"])  # none: UID kept
    assert entered == []
    assert [host.pod_uid(1), host.pod_uid(2)] == [UID, OTHER]
    assert host.metrics()["threads_tagged"] == 3  # counted in C, reported as before


@pytest.mark.parametrize("generation", GENERATIONS, ids=_ids(GENERATIONS))
def test_quiet_outcomes_do_not_enter_python_at_info(
    hosts: list[SharedLibHost], generation: Generation, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = _ready(hosts, generation, DEFAULT_CONFIG)
    assert host.parse_only(EXECVE_X, 42, 0)  # old hosts: the one-time /proc scan
    entered = _forbid_python(monkeypatch, host)
    host.set_thread(1, [])
    assert host.process_event(EXECVE_X, 1, -2, pod_cgroups(UID))  # failed syscall
    assert host.parse_only(EXECVE_X, 404, 0)  # no such thread
    assert host.parse_raw(NO_PARAMS)  # no res
    assert entered == []
    assert host.pod_uid(1) == ""
    assert host.metrics()["parse_errors"] == 0


@pytest.mark.parametrize("generation", NEW, ids=_ids(NEW))
def test_each_outcome_python_logs_reaches_it_at_trace(
    hosts: list[SharedLibHost], generation: Generation
) -> None:
    host = _ready(hosts, generation, DEFAULT_CONFIG.replace('"info"', '"trace"'))
    host.set_thread(1, [])
    logged = len(host.logs())
    assert host.parse_raw(NO_PARAMS)
    assert host.parse_only(EXECVE_X, 404, 0)
    assert host.process_event(EXECVE_X, 1, -2, pod_cgroups(UID))
    assert host.logs()[logged:] == [
        ("debug", "event 293 has no 8-byte res parameter: ignored"),
        (
            "debug",
            "cannot attach pod_uid to new process event for the thread id '404': no such thread",
        ),
        ("trace", "failed execve(event: 293) for thread id '1'"),
    ]


def _failing_writer() -> Any:
    def fail(t: Any, e: Any, f: Any, value: Any) -> int:
        tables._table_of(t).threads.fail("the table is read-only today")
        return 1

    write = ffi.callback(
        "ss_plugin_rc(ss_plugin_table_t*, ss_plugin_table_entry_t*,"
        " const ss_plugin_table_field_t*, const ss_plugin_state_data*)",
        fail,
        error=1,
    )
    vtable = _WRITER_VTABLE()
    vtable.write_entry_field = write
    _KEEP.append(write)
    return vtable


_KEEP: list[Any] = []
_WRITER_VTABLE = tables.writer_vtable


@pytest.mark.parametrize("generation", NEW, ids=_ids(NEW))
def test_a_failed_write_is_logged_and_counted(
    hosts: list[SharedLibHost], generation: Generation, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = _ready(hosts, generation, DEFAULT_CONFIG)
    host.set_thread(1, [])
    logged = len(host.logs())
    monkeypatch.setattr(tables, "writer_vtable", _failing_writer)
    assert host.process_event(EXECVE_X, 1, 0, pod_cgroups(UID))
    assert host.pod_uid(1) == ""
    assert host.metrics()["parse_errors"] == 1
    assert host.metrics()["threads_tagged"] == 0
    assert host.logs()[logged:] == [
        (
            "error",
            "cannot attach pod_uid to process: cannot write pod_uid: the table is read-only today",
        )
    ]


@pytest.mark.parametrize("generation", NEW, ids=_ids(NEW))
def test_unreadable_cgroups_are_logged_and_counted(
    hosts: list[SharedLibHost], generation: Generation, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = _ready(hosts, generation, DEFAULT_CONFIG)
    host.set_thread(1, [])
    assert host.process_event(EXECVE_X, 1, 0, pod_cgroups(UID))
    logged = len(host.logs())
    original = tables.reader_vtable

    def read_but_cgroups(t: Any, e: Any, f: Any, out: Any) -> int:
        if int(ffi.cast("uintptr_t", f)) == tables._F_CGROUPS:
            return 1
        return int(tables._read(t, e, f, out))

    read = ffi.callback(
        "ss_plugin_rc(ss_plugin_table_t*, ss_plugin_table_entry_t*,"
        " const ss_plugin_table_field_t*, ss_plugin_state_data*)",
        read_but_cgroups,
        error=1,
    )

    def failing_reader() -> Any:
        vtable = original()
        vtable.read_entry_field = read
        return vtable

    monkeypatch.setattr(tables, "reader_vtable", failing_reader)
    assert host.process_event(EXECVE_X, 1, 0, pod_cgroups(OTHER))
    monkeypatch.undo()
    assert host.pod_uid(1) == UID  # kept
    assert host.metrics()["parse_errors"] == 1
    assert host.logs()[logged:] == [
        ("error", "cannot attach pod_uid to process: can't get subtable")
    ]
