"""ABI-level behaviour through the shared-library host: failures, hostile binary events,
result lifetimes, several states, static answers, logging (docs/plugin-contract.md)."""

from __future__ import annotations

import re
import struct
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from k8smeta.falcosim.declarations import ffi
from k8smeta.falcosim.events import async_event, header_only
from k8smeta.falcosim.owner import async_handler
from k8smeta.falcosim.tables import reader_vtable
from k8smeta.plugin.core.fields import FIELD_IDS, FIELDS, Arg
from tests.host.base import EXECVE_X
from tests.host.shared_lib import SharedLibHost
from tests.plugin.behaviour.conftest import DEFAULT_CONFIG, execve_in_pod, replay

POD = "5eaeeca9-2277-460b-a4bf-5a0783f6d49f"
DELETE_POD = f'{{"reason":"Delete","uid":"{POD}","kind":"Pod"}}\0'.encode()


@pytest.fixture
def make(library: Path) -> Iterator[Callable[[], SharedLibHost]]:
    made: list[SharedLibHost] = []

    def build() -> SharedLibHost:
        made.append(SharedLibHost(library))
        return made[-1]

    yield build
    for host in made:
        host.close()


@pytest.fixture
def replayed(make: Callable[[], SharedLibHost]) -> SharedLibHost:
    host = make()
    assert host.init(DEFAULT_CONFIG) is None
    replay(host)
    execve_in_pod(host, POD)
    return host


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ("", "cannot find the init config for the plugin"),
        ("{", "invalid init config"),
        (
            '{"collectorHostname":"h","collectorPort":1,"nodeName":"${K8SMETA_UNSET_VAR}"}',
            "nodeName is empty after expanding environment variables",
        ),
    ],
)
def test_failed_init_keeps_a_state_and_its_error(
    make: Callable[[], SharedLibHost], config: str, error: str
) -> None:
    host = make()
    result = host.init(config)
    assert result is not None
    assert error in result
    assert host.state != ffi.NULL
    assert error in host.last_error()
    # Every other call on that state fails cleanly and keeps the init error.
    assert host.extract(1, "k8smeta.pod.name") is None
    assert not host.async_event("k8s", DELETE_POD)
    assert error in host.last_error()


def test_missing_threads_table_fails_init(make: Callable[[], SharedLibHost]) -> None:
    host = make()
    host.owner.hide_threads_table = True
    error = host.init(DEFAULT_CONFIG)
    assert error is not None
    assert error.startswith("cannot add the 'pod_uid' field into the 'threads' table: ")
    assert "table not found" in error


def test_last_error_of_null_state_is_a_string(make: Callable[[], SharedLibHost]) -> None:
    host = make()
    assert isinstance(ffi.string(host.lib.plugin_get_last_error(ffi.NULL)), bytes)


def test_static_answers(make: Callable[[], SharedLibHost]) -> None:
    lib = make().lib
    n = ffi.new("uint32_t*")
    codes = lib.plugin_get_parse_event_types(n, ffi.NULL)
    assert [codes[i] for i in range(n[0])] == [402, 293, 331, 223, 225, 227, 335]
    lib.plugin_get_extract_event_types(n, ffi.NULL)
    assert n[0] == 0
    assert ffi.string(lib.plugin_get_required_event_schema_version(ffi.NULL)) == b"4.0.0"
    for symbol in ("extract_event_sources", "parse_event_sources", "async_event_sources"):
        assert ffi.string(getattr(lib, f"plugin_get_{symbol}")()) == b'["syscall"]'
    assert lib.plugin_capture_close(ffi.NULL, ffi.NULL) == 0


def test_set_config_is_not_supported(replayed: SharedLibHost) -> None:
    config = ffi.new("ss_plugin_set_config_input*", [ffi.new("char[]", b"{}")])
    assert replayed.lib.plugin_set_config(replayed.state, config) == 1
    assert replayed.last_error() == "set_config is not supported"


def _forged(name: str, data: bytes, **changes: int) -> bytes:
    event = bytearray(async_event(name, data))
    for offset, value in changes.items():
        at = int(offset.removeprefix("at"))
        event[at : at + 4] = struct.pack("<I", value)
    return bytes(event)


@pytest.mark.parametrize(
    "event",
    [
        _forged("k8s", DELETE_POD, at22=2),  # nparams 2
        _forged("k8s", DELETE_POD, at34=len(DELETE_POD) + 100),  # data slot past the end
        _forged("k8s", DELETE_POD, at30=200),  # name slot past the end
        _forged("k8s", DELETE_POD, at26=8),  # plugin_id slot of 8 bytes
        _forged("k8s", DELETE_POD, at16=30),  # len shorter than the header + slots
        async_event("k8s", DELETE_POD)[:42] + b"k8s!" + DELETE_POD,  # name not NUL-terminated
    ],
    ids=["nparams", "data-slot", "name-slot", "id-slot", "short-len", "name-nul"],
)
def test_malformed_async_events_change_nothing(replayed: SharedLibHost, event: bytes) -> None:
    before = replayed.metrics()
    assert not replayed.parse_raw(event)
    assert replayed.last_error()
    after = replayed.metrics()
    assert after["resources_pod"] == before["resources_pod"] == 10
    assert after["parse_errors"] == before["parse_errors"] + 1
    assert replayed.extract(1, "k8smeta.pod.name") == ["metrics-server-85d6fcf458-tqkcv"]


def test_unknown_event_type_fails(replayed: SharedLibHost) -> None:
    event = struct.pack("<QQIHI", 1, 1, 26, 1, 0)
    assert not replayed.parse_raw(event)
    assert replayed.last_error() == "received an unknown event type 1"


def test_process_event_without_8_byte_res_is_ignored(replayed: SharedLibHost) -> None:
    # 16-bit slots: one param of 4 bytes
    event = struct.pack("<QQIHI", 1, 1, 26 + 2 + 4, EXECVE_X, 1) + struct.pack("<H", 4) + b"\0" * 4
    assert replayed.parse_raw(event)
    assert replayed.pod_uid(1) == POD


def test_the_thread_is_read_once_per_extract_call(replayed: SharedLibHost) -> None:
    """The C wrapper reads the event thread's pod_uid once for all fields of a call."""
    fields = [(i, "k8s-app" if f.arg is Arg.KEY else None) for i, f in enumerate(FIELDS)]
    for evtnum in (10_001, 10_002):  # uncached, then from the C cache
        released = replayed.owner.threads.released
        values = replayed.extract_ids(1, fields, evtnum)
        assert replayed.owner.threads.released - released == 1
        assert values[FIELD_IDS["k8smeta.pod.name"]] == [b"metrics-server-85d6fcf458-tqkcv"]
        assert sum(v is not None for v in values) == 20  # as the core gives them


def _failing_read(t: object, e: object, f: object, out: object) -> int:
    return 1


FAILING_READ = ffi.callback(
    "ss_plugin_rc(ss_plugin_table_t*, ss_plugin_table_entry_t*, const ss_plugin_table_field_t*,"
    " ss_plugin_state_data*)",
    _failing_read,
)


def test_an_unreadable_pod_uid_fails_the_call(replayed: SharedLibHost) -> None:
    """The extract wrapper turns a failed pod_uid read into FAILURE, the last error, and no
    value for every field."""
    evt_input, _buffer = replayed.inputs.event(header_only(1), 20_000)
    pod_name = FIELD_IDS["k8smeta.pod.name"]
    requests = replayed.inputs.requests([(pod_name, ffi.NULL), (pod_name, ffi.NULL)])
    extract_input, (reader,) = replayed.inputs.extract(requests, 2)
    reader.read_entry_field = FAILING_READ
    assert replayed.lib.plugin_extract_fields(replayed.state, evt_input, extract_input) == 1
    assert replayed.last_error().startswith("cannot read pod_uid: ")
    assert [requests[i].res_len for i in range(2)] == [0, 0]
    assert replayed.extract(1, "k8smeta.pod.name") == ["metrics-server-85d6fcf458-tqkcv"]


def test_results_stay_valid_until_the_next_call(replayed: SharedLibHost) -> None:
    """Several fields in one call: every element is filled, every pointer stays put."""
    names = ["k8smeta.svc.labels", "k8smeta.pod.name", "k8smeta.rc.name", "k8smeta.ns.labels"]
    requests = ffi.new("ss_plugin_extract_field[]", len(names))
    for request, name in zip(requests, names, strict=True):
        request.field_id = replayed.resolve(name)[0]
    results = []
    for _ in range(50):
        results.append(_extract_many(replayed, requests))
    assert all(result == results[0] for result in results)
    assert results[0] == [
        [b"k8s-app:metrics-server"],
        [b"metrics-server-85d6fcf458-tqkcv"],
        [],
        [b"kubernetes.io/metadata.name:kube-system"],
    ]


def _extract_many(host: SharedLibHost, requests: object) -> list[list[bytes]]:
    event = struct.pack("<QQIHI", 1, 1, 26, EXECVE_X, 0)
    evt_input = ffi.new(
        "ss_plugin_event_input*", [ffi.from_buffer("ss_plugin_event*", event), 7, ffi.NULL]
    )
    extract_input = ffi.new("ss_plugin_field_extract_input*")
    extract_input.owner = host.handle
    extract_input.num_fields = len(requests)  # type: ignore[arg-type]
    extract_input.fields = requests
    reader = reader_vtable()
    extract_input.table_reader_ext = reader
    assert host.lib.plugin_extract_fields(host.state, evt_input, extract_input) == 0
    # A parse between two extractions must not invalidate what was returned.
    host.async_event("k8s", b'{"reason":"Delete","uid":"unrelated","kind":"Pod"}\0')
    return [
        [ffi.string(r.res.str[i]) for i in range(r.res_len)]
        for r in requests  # type: ignore[attr-defined]
    ]


def test_two_states_in_one_process(
    make: Callable[[], SharedLibHost], replayed: SharedLibHost
) -> None:
    other = make()
    assert other.init(DEFAULT_CONFIG) is None
    execve_in_pod(other, POD)
    assert other.extract(1, "k8smeta.pod.name") is None
    assert replayed.extract(1, "k8smeta.pod.name") == ["metrics-server-85d6fcf458-tqkcv"]
    assert other.async_event("k8s", DELETE_POD)
    assert replayed.extract(1, "k8smeta.pod.name") == ["metrics-server-85d6fcf458-tqkcv"]
    assert other.metrics()["resources_pod"] == 0


def test_logs_go_to_log_fn_with_null_component(make: Callable[[], SharedLibHost]) -> None:
    host = make()
    config = DEFAULT_CONFIG.replace('"info"', '"debug"')
    assert host.init(config) is None
    host.async_event("other", b"{}\0")
    assert (None, "debug", "received an async event with name other") in host.owner.log_records
    deprecated = "hostProc init config key is deprecated since it is no more in use"
    assert (None, "warning", deprecated) in host.owner.log_records


def test_logs_without_log_fn_go_to_stderr(
    make: Callable[[], SharedLibHost], capfd: pytest.CaptureFixture[str]
) -> None:
    host = make()
    host.with_log_fn = False
    assert host.init(DEFAULT_CONFIG) is None
    err = capfd.readouterr().err
    line = re.compile(
        r"^\w{3} \w{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}: \[warning\] \[k8smeta\] "
        r"hostProc init config key is deprecated since it is no more in use$",
        re.MULTILINE,
    )
    assert line.search(err), err


def test_cached_values_follow_every_update(replayed: SharedLibHost) -> None:
    """Values answered by the C extraction cache change with the next async event."""
    field = "k8smeta.pod.label[k8s-app]"
    assert replayed.extract(1, field) == ["metrics-server"]
    assert replayed.extract(1, field) == ["metrics-server"]  # a cache hit
    update = (
        '{"reason":"Update","uid":"' + POD + '","kind":"Pod",'
        '"meta":"{\\"name\\":\\"renamed\\",\\"namespace\\":\\"kube-system\\",'
        '\\"labels\\":{\\"k8s-app\\":\\"other\\"}}","status":"{}","refs":{"resources":{}}}\0'
    )
    assert replayed.async_event("k8s", update.encode())
    assert replayed.extract(1, field) == ["other"]
    assert replayed.extract(1, "k8smeta.pod.name") == ["renamed"]
    assert replayed.async_event("k8s", DELETE_POD)
    assert replayed.extract(1, field) is None
    assert replayed.extract(1, "k8smeta.pod.name") is None


def test_dump_state_succeeds_when_the_handler_rejects(replayed: SharedLibHost) -> None:
    replayed.owner.reject_async = "dumper queue is full"
    replayed.owner.handler_set = True  # the framework's checks pass; the handler then refuses
    rc = replayed.lib.plugin_dump_state(replayed.state, replayed.handle, async_handler)
    replayed.owner.handler_set = False
    assert rc == 0
    assert replayed.owner.refused == 28
    assert replayed.metrics()["async_events_rejected"] == 28


def test_each_state_logs_to_its_own_log_fn_at_its_own_verbosity(
    make: Callable[[], SharedLibHost],
) -> None:
    quiet, chatty = make(), make()
    assert quiet.init(DEFAULT_CONFIG) is None
    assert chatty.init(DEFAULT_CONFIG.replace('"info"', '"debug"')) is None
    for host in (quiet, chatty, quiet):
        host.async_event("other", b"{}\0")
    message = "received an async event with name other"
    assert chatty.logs().count(("debug", message)) == 1
    assert ("debug", message) not in quiet.logs()


def test_get_metrics_concurrently_with_the_event_loop(replayed: SharedLibHost) -> None:
    """libsinsp's metrics producers call get_metrics from their own thread."""
    seen: list[int] = []

    def metrics_producer() -> None:
        for _ in range(200):
            seen.append(replayed.metrics()["resources_pod"])

    producer = threading.Thread(target=metrics_producer)
    producer.start()
    for i in range(200):
        assert replayed.extract(1, "k8smeta.pod.name", evtnum=10_000 + i)
        replayed.async_event("k8s", b'{"reason":"Delete","uid":"none","kind":"Pod"}\0')
    producer.join(30)
    assert not producer.is_alive()
    assert seen == [10] * 200
