"""The library on each emulated host generation through the Python stand-in (falcosim)."""

from __future__ import annotations

import struct
from collections.abc import Iterator

import pytest

from k8smeta.falcosim.events import process_event
from k8smeta.falcosim.generations import API_3_2, API_3_12, GENERATIONS, Generation
from k8smeta.falcosim.host import Host
from tests.host.base import EXECVE_X
from tests.host.shared_lib import SharedLibHost, make_host
from tests.plugin.behaviour.conftest import DEFAULT_CONFIG, pod_cgroups

UID = "05869489-8c7f-45dc-9abd-1b1620787bb1"
DEBUG_CONFIG = DEFAULT_CONFIG.replace('"info"', '"debug"')
OLD = [g for g in GENERATIONS if not g.cgroups_sub_table]
NEW = [g for g in GENERATIONS if g.cgroups_sub_table]


def _ids(generations: list[Generation]) -> list[str]:
    return [g.name for g in generations]


@pytest.fixture
def hosts() -> Iterator[list[SharedLibHost]]:
    made: list[SharedLibHost] = []
    yield made
    for host in made:
        host.close()  # also asserts that no member past the generation's structs was used


def _host(hosts: list[SharedLibHost], generation: Generation) -> SharedLibHost:
    host = make_host(generation)
    hosts.append(host)
    return host


@pytest.mark.parametrize("generation", GENERATIONS, ids=_ids(list(GENERATIONS)))
def test_every_generation_registers_inits_and_opens(
    hosts: list[SharedLibHost], generation: Generation
) -> None:
    host = _host(hosts, generation)
    assert host.library.required_api == "3.2.0"
    assert host.init(DEFAULT_CONFIG) is None
    assert Host.capture_open(host) is None  # 3.12: the event schema check passes too


@pytest.mark.parametrize(
    ("required", "accepted"),
    [("3.2.0", True), ("3.1.0", True), ("3.2.1", False), ("3.3.0", False), ("3.9.0", False)],
)
def test_falco_037_api_gate(required: str, accepted: bool) -> None:
    """3.2.0 is the highest version Falco 0.37 accepts, and the one whose async-event
    contract (ts/tid = -1) the plugin relies on."""
    assert API_3_2.accepts(required) is accepted


@pytest.mark.parametrize(
    ("required", "accepted"), [("4.0.0", True), ("4.0.1", True), ("4.1.0", False), ("3.0.0", False)]
)
def test_event_schema_check_of_libs_022(required: str, accepted: bool) -> None:
    """Only API 3.12 hosts call get_required_event_schema_version; "4.0.0" passes there."""
    assert API_3_12.accepts_event_schema(required) is accepted
    assert [g.calls_schema_version for g in GENERATIONS] == [False] * 5 + [True]


@pytest.mark.parametrize("generation", OLD, ids=_ids(OLD))
def test_old_hosts_log_to_stderr_and_use_host_proc(
    hosts: list[SharedLibHost], generation: Generation, capfd: pytest.CaptureFixture[str]
) -> None:
    """Without proof of log_fn (API 3.6/3.7 have it, 3.2 has not) records go to stderr, and
    hostProc is in use there: no deprecation warning."""
    host = _host(hosts, generation)
    assert host.init(DEBUG_CONFIG) is None
    err = capfd.readouterr().err
    assert "[debug] [k8smeta] metadata are received from node 'control-plane'" in err
    assert "deprecated" not in err
    assert host.owner.log_records == []


@pytest.mark.parametrize("generation", NEW, ids=_ids(NEW))
def test_new_hosts_log_through_log_fn_and_deprecate_host_proc(
    hosts: list[SharedLibHost], generation: Generation
) -> None:
    host = _host(hosts, generation)
    assert host.init(DEBUG_CONFIG) is None
    levels = {message: level for _, level, message in host.owner.log_records}
    assert levels["hostProc init config key is deprecated since it is no more in use"] == "warning"


@pytest.mark.parametrize("generation", OLD, ids=_ids(OLD))
def test_old_hosts_read_every_entry_of_the_cgroups_parameter(
    hosts: list[SharedLibHost], generation: Generation
) -> None:
    host = _host(hosts, generation)
    assert host.init(DEFAULT_CONFIG) is None
    host.add_thread(1)  # the table knows no cgroups: only the event carries them
    cgroups = ["cpu=/user.slice", "memory", *pod_cgroups(UID)]  # pod entry last; one bad
    assert host.process_event(EXECVE_X, 1, 0, cgroups)
    assert host.read_field(1, "pod_uid") == UID


@pytest.mark.parametrize("generation", OLD, ids=_ids(OLD))
def test_old_hosts_ignore_events_without_the_cgroups_parameter(
    hosts: list[SharedLibHost], generation: Generation
) -> None:
    host = _host(hosts, generation)
    assert host.init(DEFAULT_CONFIG) is None
    host.add_thread(1)
    assert host.process_event(EXECVE_X, 1, 0, pod_cgroups(UID), nparams=14)
    assert host.read_field(1, "pod_uid") == ""
    assert host.metrics()["parse_errors"] == 0


@pytest.mark.parametrize("generation", OLD, ids=_ids(OLD))
def test_old_hosts_scan_host_proc_once_for_threads_in_the_table(
    hosts: list[SharedLibHost], generation: Generation
) -> None:
    host = _host(hosts, generation)
    assert host.init(DEFAULT_CONFIG) is None
    host.set_thread(5, pod_cgroups(UID))  # in /proc and in the table
    assert host.proc_root is not None
    ghost = host.proc_root / "proc" / "6" / "task" / "6"  # in /proc only: exited since
    ghost.mkdir(parents=True)
    (ghost / "cgroup").write_text(f"1:cpu:/kubepods/pod{UID}/x\n")
    host.capture_open()
    assert host.parse_only(EXECVE_X, 42, 0)  # the first event (hosts before 3.7)
    assert host.read_field(5, "pod_uid") == UID
    assert host.read_field(6, "pod_uid") is None
    assert host.metrics()["threads_tagged"] == 1
    host.set_thread(7, pod_cgroups(UID))  # appears later: only events tag it now
    assert host.parse_only(EXECVE_X, 42, 0)
    assert host.read_field(7, "pod_uid") == ""


def _forged(cgroups_len_delta: int, nparams: int = 31) -> bytes:
    """An execve exit whose slot 14 claims `cgroups_len_delta` more bytes than it has."""
    event = bytearray(process_event(EXECVE_X, 1, 0, pod_cgroups(UID), nparams=nparams))
    slot = 26 + 2 * 14
    (length,) = struct.unpack_from("<H", event, slot)
    struct.pack_into("<H", event, slot, (length + cgroups_len_delta) & 0xFFFF)
    return bytes(event)


@pytest.mark.parametrize("generation", OLD, ids=_ids(OLD))
@pytest.mark.parametrize("delta", [1, 4096, 65535 - 200, -1])
def test_old_hosts_survive_a_forged_cgroups_slot(
    hosts: list[SharedLibHost], generation: Generation, delta: int
) -> None:
    """Slot lengths past the event's end are ignored; a shortened one cuts the last path."""
    host = _host(hosts, generation)
    assert host.init(DEFAULT_CONFIG) is None
    host.add_thread(1)
    assert host.parse_raw(_forged(delta))
    expected = UID if delta == -1 else ""  # -1: the path loses its last byte only
    assert host.read_field(1, "pod_uid") == expected
