"""Hostile calls through the real library: NULL pointers where the API promises one, field
ids and arguments libsinsp would never send, header counts that overflow 32-bit sums, and
the C extraction cache across updates of every kind a pod's values depend on."""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest

from k8smeta.falcosim.declarations import ffi
from k8smeta.falcosim.events import async_event
from k8smeta.falcosim.owner import async_handler
from k8smeta.falcosim.tables import reader_vtable, writer_vtable
from k8smeta.plugin.abi import logsink
from k8smeta.plugin.abi import session as abi_session
from k8smeta.plugin.core.fields import FIELDS
from tests.host.base import EXECVE_X
from tests.host.shared_lib import SharedLibHost
from tests.plugin.behaviour.conftest import DEFAULT_CONFIG, execve_in_pod, replay

POD = "5eaeeca9-2277-460b-a4bf-5a0783f6d49f"
NAMESPACE = "c51d0620-b1e1-449a-a6f2-9f96830831a9"
SERVICE = "b2af0913-1a07-457f-986a-111caa4fb372"
POD_NAME = ["metrics-server-85d6fcf458-tqkcv"]


@pytest.fixture
def host(library: Path) -> Iterator[SharedLibHost]:
    made = SharedLibHost(library)
    assert made.init(DEFAULT_CONFIG) is None
    replay(made)
    execve_in_pod(made, POD)
    yield made
    made.close()


def _event_input(tid: int = 1) -> tuple[object, bytes]:
    event = struct.pack("<QQIHI", 1, tid, 26, EXECVE_X, 0)
    pointer = ffi.from_buffer("ss_plugin_event*", event)
    return ffi.new("ss_plugin_event_input*", [pointer, 7, ffi.NULL]), event


def _extract_input(host: SharedLibHost, requests: object, count: int) -> object:
    extract_input = ffi.new("ss_plugin_field_extract_input*")
    extract_input.owner = host.handle
    extract_input.num_fields = count
    extract_input.fields = requests
    extract_input.table_reader_ext = reader_vtable()
    return extract_input


def _extract_raw(host: SharedLibHost, field_id: int, arg: bytes | None) -> tuple[int, int]:
    """(rc, res_len) of one request, built the way no libsinsp would build it."""
    requests = ffi.new("ss_plugin_extract_field[]", 1)
    requests[0].field_id = field_id
    key = ffi.NULL if arg is None else ffi.new("char[]", arg)
    requests[0].arg_key = key
    requests[0].res_len = 99
    evt_input, _event = _event_input()
    rc = host.lib.plugin_extract_fields(host.state, evt_input, _extract_input(host, requests, 1))
    return int(rc), int(requests[0].res_len)


def _null_calls(host: SharedLibHost) -> dict[str, Callable[[], int]]:
    lib, state = host.lib, host.state
    evt_input, _event = _event_input()
    null_event = ffi.new("ss_plugin_event_input*", [ffi.NULL, 7, ffi.NULL])
    parse_input = ffi.new("ss_plugin_event_parse_input*")
    no_fields = _extract_input(host, ffi.NULL, 3)
    return {
        "extract-null-evt": lambda: lib.plugin_extract_fields(state, ffi.NULL, no_fields),
        "extract-null-event": lambda: lib.plugin_extract_fields(state, null_event, no_fields),
        "extract-null-in": lambda: lib.plugin_extract_fields(state, evt_input, ffi.NULL),
        "extract-null-fields": lambda: lib.plugin_extract_fields(state, evt_input, no_fields),
        "parse-null-evt": lambda: lib.plugin_parse_event(state, ffi.NULL, parse_input),
        "parse-null-event": lambda: lib.plugin_parse_event(state, null_event, parse_input),
        "parse-null-in": lambda: lib.plugin_parse_event(state, evt_input, ffi.NULL),
        "capture-open-null-in": lambda: lib.plugin_capture_open(state, ffi.NULL),
        "dump-state-null-handler": lambda: lib.plugin_dump_state(state, host.handle, ffi.NULL),
    }


NULL_CALLS = [
    "extract-null-evt",
    "extract-null-event",
    "extract-null-in",
    "extract-null-fields",
    "parse-null-evt",
    "parse-null-event",
    "parse-null-in",
    "capture-open-null-in",
    "dump-state-null-handler",
]


@pytest.mark.parametrize("call", NULL_CALLS)
def test_null_inputs_fail_with_an_error_and_the_state_keeps_working(
    host: SharedLibHost, call: str
) -> None:
    assert _null_calls(host)[call]() == 1
    assert "NULL" in host.last_error()
    assert host.extract(1, "k8smeta.pod.name") == POD_NAME
    assert host.metrics()["resources_pod"] == 10


def test_init_with_a_null_input_keeps_a_state_and_its_error(library: Path) -> None:
    made = SharedLibHost(library)
    rc = ffi.new("ss_plugin_rc*")
    state = made.lib.plugin_init(ffi.NULL, rc)
    try:
        assert state != ffi.NULL
        assert rc[0] == 1
        assert ffi.string(made.lib.plugin_get_last_error(state)) == (
            b"plugin_init: the init input is NULL"
        )
        assert made.lib.plugin_extract_fields(state, ffi.NULL, ffi.NULL) == 1
    finally:
        made.lib.plugin_destroy(state)


def test_get_metrics_with_a_null_count_returns_null(host: SharedLibHost) -> None:
    assert host.lib.plugin_get_metrics(host.state, ffi.NULL) == ffi.NULL
    assert host.metrics()["resources_pod"] == 10


def test_no_fields_is_success(host: SharedLibHost) -> None:
    evt_input, _event = _event_input()
    extract_input = _extract_input(host, ffi.NULL, 0)
    assert host.lib.plugin_extract_fields(host.state, evt_input, extract_input) == 0


POD_LABEL = next(i for i, f in enumerate(FIELDS) if f.name == "k8smeta.pod.label")
POD_NAME_ID = next(i for i, f in enumerate(FIELDS) if f.name == "k8smeta.pod.name")


@pytest.mark.parametrize(
    ("field_id", "arg", "expected"),
    [
        (len(FIELDS), None, (1, 0, f"unknown field id {len(FIELDS)}")),
        (0xFFFFFFFF, None, (1, 0, "unknown field id 4294967295")),
        (len(FIELDS), b"k8s-app", (1, 0, f"unknown field id {len(FIELDS)}")),
        (POD_LABEL, None, (0, 0, None)),  # a key field without its key: no value
        (POD_NAME_ID, b"\xff" * 70, (0, 1, None)),  # a stray argument is ignored
    ],
    ids=["past-the-table", "max-u32", "past-with-arg", "key-field-without-arg", "stray-arg"],
)
def test_requests_no_host_would_send_never_crash(
    host: SharedLibHost, field_id: int, arg: bytes | None, expected: tuple[int, int, str | None]
) -> None:
    rc, res_len = _extract_raw(host, field_id, arg)
    error = expected[2]
    assert (rc, res_len) == expected[:2]
    if error is not None:
        assert host.last_error() == error
    assert host.extract(1, "k8smeta.pod.name") == POD_NAME


def _delete_pod() -> bytes:
    return f'{{"reason":"Delete","uid":"{POD}","kind":"Pod"}}\0'.encode()


def _with_slots(id_len: int, name_len: int, data_len: int) -> bytes:
    event = bytearray(async_event("k8s", _delete_pod()))
    event[26:38] = struct.pack("<III", id_len, name_len, data_len)
    return bytes(event)


@pytest.mark.parametrize(
    "event",
    [
        _with_slots(4, 0xFFFFFFFF, 5),  # 42 + name + data wraps to a small 32-bit number
        _with_slots(4, 4, 0xFFFFFFFF - 40),
        _with_slots(4, 0x80000000, 0x80000000),  # name + data wraps to 0 in 32 bits
        _with_slots(4, 0, len(_delete_pod())),  # an empty name
        struct.pack("<QQIHI", 1, 1, 20, 402, 3),  # len shorter than the header
    ],
    ids=["name-wraps", "data-wraps", "sum-wraps", "empty-name", "short-header"],
)
def test_async_events_whose_slot_sums_overflow_change_nothing(
    host: SharedLibHost, event: bytes
) -> None:
    assert not host.parse_raw(event)
    assert host.last_error()
    assert host.metrics()["resources_pod"] == 10
    assert host.extract(1, "k8smeta.pod.name") == POD_NAME


@pytest.mark.parametrize("nparams", [0xFFFF, 0x10000, 0xFFFFFFFF, 0x80000000])
def test_process_events_with_huge_param_counts_are_ignored(
    host: SharedLibHost, nparams: int
) -> None:
    event = struct.pack("<QQIHI", 1, 1, 26 + 2 + 8, EXECVE_X, nparams)
    assert host.parse_raw(event + struct.pack("<H", 8) + b"\0" * 8)
    assert host.pod_uid(1) == POD


def test_dump_state_after_null_handler_rejection_still_dumps(host: SharedLibHost) -> None:
    assert host.lib.plugin_dump_state(host.state, host.handle, ffi.NULL) == 1
    host.owner.handler_set = True
    assert host.lib.plugin_dump_state(host.state, host.handle, async_handler) == 0
    host.owner.handler_set = False
    assert host.drain() > 0


def _update(kind: str, uid: str, meta: dict[str, object], refs: dict[str, object]) -> bytes:
    body: dict[str, object] = {"reason": "Update", "uid": uid, "kind": kind}
    body["meta"] = orjson.dumps(meta).decode()
    if kind == "Pod":
        body["status"] = "{}"
    if refs:
        body["refs"] = refs
    return orjson.dumps(body) + b"\0"


@pytest.mark.parametrize(
    ("kind", "uid", "meta", "field", "before", "after"),
    [
        (
            "Namespace",
            NAMESPACE,
            {"name": "kube-system", "labels": {"team": "core"}},
            "k8smeta.ns.label[team]",
            None,
            ["core"],
        ),
        (
            "Service",
            SERVICE,
            {"name": "metrics", "namespace": "kube-system", "labels": {"k8s-app": "m2"}},
            "k8smeta.svc.label[k8s-app]",
            ["metrics-server"],
            ["m2"],
        ),
        (
            "Service",
            SERVICE,
            {"name": "metrics", "namespace": "kube-system", "labels": {}},
            "k8smeta.svc.name",
            ["metrics-server"],
            ["metrics"],
        ),
    ],
    ids=["namespace-label", "service-label", "service-name"],
)
def test_cache_follows_updates_and_deletes_of_related_resources(  # noqa: PLR0917
    host: SharedLibHost,
    kind: str,
    uid: str,
    meta: dict[str, object],
    field: str,
    before: list[str] | None,
    after: list[str],
) -> None:
    """extract (cached) -> Update of the pod's namespace/service -> new value; Delete -> none."""
    for _ in range(2):  # the second is answered by the C cache
        assert host.extract(1, field) == before
    assert host.async_event("k8s", _update(kind, uid, meta, {}))
    assert host.extract(1, field) == after
    assert host.extract(1, field) == after
    assert host.async_event("k8s", orjson.dumps({"reason": "Delete", "uid": uid, "kind": kind}))
    assert host.extract(1, field) is None


def test_null_handler_twice_and_before_any_handler_is_success(host: SharedLibHost) -> None:
    for _ in range(3):
        assert host.lib.plugin_set_async_event_handler(host.state, host.handle, ffi.NULL) == 0
    assert host.extract(1, "k8smeta.pod.name") == POD_NAME


def _session_of(host: SharedLibHost) -> abi_session.Session:
    address = int(ffi.cast("uintptr_t", host.state))
    (session,) = [s for s in abi_session.LIVE if int(s.ffi.cast("uintptr_t", s.cstate)) == address]
    return session


def test_a_failing_log_sink_never_fails_the_call(
    host: SharedLibHost, capsys: pytest.CaptureFixture[str]
) -> None:
    """E.g. a daemonized host without stderr: the record is lost, the call is not."""

    def broken(level: int, message: str) -> None:
        raise OSError("the log sink is gone")

    _session_of(host).route.emit = broken
    before = host.metrics()["parse_errors"]
    event = bytearray(async_event("k8s", _delete_pod()))
    event[30:34] = struct.pack("<I", 200)  # name slot past the end: logged at ERROR
    assert not host.parse_raw(bytes(event))
    assert host.last_error() == "async event parameters exceed the event length"
    assert host.metrics()["parse_errors"] == before + 1
    assert host.async_event("k8s", _delete_pod())
    assert host.extract(1, "k8smeta.pod.name") is None
    assert "the log sink is gone" in capsys.readouterr().err  # logging's own report


def test_an_internal_error_reaches_last_error_even_when_logging_fails(
    host: SharedLibHost, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    session = _session_of(host)

    def broken(level: int, message: str) -> None:
        raise OSError("the log sink is gone")

    def boom(*args: object) -> None:
        raise RuntimeError("injected fault")

    session.route.emit = broken
    monkeypatch.setattr(session.core, "parse_async", boom)
    assert not host.async_event("k8s", _delete_pod())
    assert host.last_error() == "internal error in parse_event: RuntimeError('injected fault')"
    monkeypatch.undo()
    assert host.extract(1, "k8smeta.pod.name") == POD_NAME
    capsys.readouterr()


@pytest.mark.parametrize("missing", ["table_reader_ext", "table_writer_ext"])
def test_capture_open_without_vtables_tags_nothing_and_succeeds(
    host: SharedLibHost, missing: str
) -> None:
    listen = ffi.new("ss_plugin_capture_listen_input*")
    listen.owner = host.handle
    listen.table_reader_ext = reader_vtable()
    listen.table_writer_ext = writer_vtable()
    setattr(listen, missing, ffi.NULL)
    assert host.lib.plugin_capture_open(host.state, listen) == 0
    assert ("error", "capture_open: the host passed no table vtables; threads untagged") in (
        host.logs()
    )
    assert host.extract(1, "k8smeta.pod.name") == POD_NAME


def test_an_init_that_fails_unexpectedly_leaves_no_log_route(
    library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Else records of other states could reach the failed state's log_fn and owner."""
    routes = list(logsink._ROUTES)

    def boom(*args: object) -> None:
        raise RuntimeError("injected fault")

    monkeypatch.setattr(abi_session, "PluginCore", boom)
    made = SharedLibHost(library)
    try:
        error = made.init(DEFAULT_CONFIG)
    finally:
        made.close()
    assert error == "internal error in init: RuntimeError('injected fault')"
    assert routes == logsink._ROUTES


def test_destroy_forgets_the_state_even_when_stopping_the_feed_fails(
    library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    routes = list(logsink._ROUTES)
    made = SharedLibHost(library)
    assert made.init(DEFAULT_CONFIG) is None
    session = _session_of(made)

    def boom(*args: object) -> None:
        raise RuntimeError("injected fault")

    monkeypatch.setattr(session.pusher, "set_handler", boom)
    made.close()
    assert session not in abi_session.LIVE
    assert routes == logsink._ROUTES
