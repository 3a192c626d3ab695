"""The PluginCore facade: caching, no JSON at extraction, level checks, table failures."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

import orjson
import pytest

from k8smeta.plugin.core import payload as payload_module
from k8smeta.plugin.core import plugin as plugin_module
from k8smeta.plugin.core.absence import AbsenceReason, Absent
from k8smeta.plugin.core.config import parse_config
from k8smeta.plugin.core.errors import FieldError, PayloadError, TableError
from k8smeta.plugin.core.fields import FIELD_IDS, FIELDS
from k8smeta.plugin.core.plugin import PluginCore
from k8smeta.plugin.core.records import Record
from k8smeta.plugin.core.threads import Tid
from k8smeta.plugin.core.values import Extracted
from tests.conftest import load_collector_stream
from tests.host.inprocess import FakeThread, FakeThreadTable

POD = "5eaeeca9-2277-460b-a4bf-5a0783f6d49f"
CONFIG = '{"collectorHostname":"h","collectorPort":1,"nodeName":"n"}'


class CountingPods(dict[str, Record]):
    """The store's pods, counting look-ups by UID (the per-event step of extraction)."""

    reads = 0

    def get(self, key: str, default: Record | None = None) -> Record | None:  # type: ignore[override]
        self.reads += 1
        return super().get(key, default)


class BrokenView:
    def cgroup_paths(self) -> Iterable[str]:
        raise TableError("can't get subtable")

    def set_pod_uid(self, uid: str) -> None:
        raise AssertionError("unreachable")

    def set_container_id(self, container_id: str) -> None:
        raise AssertionError("unreachable")


@pytest.fixture
def core() -> PluginCore:
    core = PluginCore(parse_config(CONFIG, {}))
    for event in load_collector_stream():
        core.parse_async("k8s", orjson.dumps(event))
    return core


@pytest.fixture
def table() -> FakeThreadTable:
    table = FakeThreadTable()
    table.threads[1] = FakeThread(pod_uid=POD)
    return table


def test_pod_lookup_is_cached_per_event(core: PluginCore) -> None:
    pods = CountingPods(core.store.pods)
    core.store.pods = pods
    for field_id in range(len(FIELDS)):
        core.extract(POD, 10, field_id, "k8s-app")
    assert pods.reads == 1
    core.extract(POD, 11, 0, None)
    core.extract("another-pod", 11, 0, None)
    assert pods.reads == 3


def test_parsing_invalidates_the_cache(core: PluginCore) -> None:
    assert isinstance(core.extract(POD, 10, FIELD_IDS["k8smeta.pod.name"], None), Extracted)
    core.parse_async("k8s", orjson.dumps({"reason": "Delete", "uid": POD, "kind": "Pod"}))
    answer = core.extract(POD, 10, FIELD_IDS["k8smeta.pod.name"], None)
    assert answer == Absent(AbsenceReason.UNKNOWN_POD)


def test_extraction_returns_the_same_objects(core: PluginCore) -> None:
    first = [core.extract(POD, 1, i, "k8s-app") for i in range(len(FIELDS))]
    second = [core.extract(POD, 2, i, "k8s-app") for i in range(len(FIELDS))]
    assert all(a is b for a, b in zip(first, second, strict=True))


def test_extraction_decodes_no_json(core: PluginCore, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = [core.extract(POD, 2, i, "k8s-app") for i in range(len(FIELDS))]

    def forbidden(*args: object, **kwargs: object) -> object:
        raise AssertionError("JSON decoded during extraction")

    assert vars(payload_module)["orjson"] is orjson  # the decoder the core uses
    monkeypatch.setattr(orjson, "loads", forbidden)
    monkeypatch.setattr(json, "loads", forbidden)
    monkeypatch.setattr(json.JSONDecoder, "decode", forbidden)
    values = [core.extract(POD, 3, i, "k8s-app") for i in range(len(FIELDS))]
    assert values == expected
    # rc.* and ns.label[k8s-app] have none; of ours, workload.kind and workload.name have
    assert sum(isinstance(v, Extracted) for v in values) == 22


class NoScanDict(dict[str, object]):
    """A table that only allows look-ups by key: any scan or copy fails the test."""

    def _scan(self, *args: object) -> object:
        raise AssertionError("a table was scanned or copied during extraction")

    __iter__ = values = items = keys = copy = __len__ = _scan  # type: ignore[assignment]


def test_extraction_scans_and_copies_no_table(core: PluginCore) -> None:
    expected = [core.extract(POD, 2, i, "k8s-app") for i in range(len(FIELDS))]
    store = core.store
    for kind in list(store.tables):
        store.tables[kind] = NoScanDict(store.tables[kind])  # type: ignore[assignment]
    store.pods = store.tables["Pod"]
    store.services = store.tables["Service"]
    store.service_views = NoScanDict(store.service_views)  # type: ignore[assignment]
    values = [core.extract(POD, 3, i, "k8s-app") for i in range(len(FIELDS))]
    assert values == expected


@pytest.mark.parametrize("field_id", [-1, len(FIELDS), 1000])
def test_unknown_field_id_is_an_error(core: PluginCore, field_id: int) -> None:
    with pytest.raises(FieldError):
        core.extract(POD, 1, field_id, None)


def test_hot_path_checks_the_level_before_formatting(
    core: PluginCore, table: FakeThreadTable, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At info, the hot path creates no log record (so formats nothing)."""
    calls: list[str] = []
    monkeypatch.setattr(plugin_module.logger, "_log", lambda *a, **k: calls.append(str(a[1])))
    logging.getLogger("k8smeta").setLevel(logging.INFO)
    try:
        table.threads[2] = FakeThread()
        table.threads[4] = FakeThread(pod_uid="unknown-pod")
        for tid in (0, -1, 2, 3, 4):  # no tid, async, no pod uid, no thread, unknown pod
            table.extract(core, 5, tid, 0, None)
        core.parse_process_event(table.view(Tid(3)), Tid(3), 0, 293)  # missing thread
        core.parse_process_event(table.view(Tid(2)), Tid(2), -1, 293)  # failed syscall
    finally:
        logging.getLogger("k8smeta").setLevel(logging.NOTSET)
    assert calls == []
    # The same calls at trace do log: the spy sees records when they are enabled.
    logging.getLogger("k8smeta").setLevel(1)
    try:
        table.extract(core, 6, 4, 0, None)
    finally:
        logging.getLogger("k8smeta").setLevel(logging.NOTSET)
    assert calls == ["the plugin has no info for the pod uid '%s'"]


def test_table_failures_are_logged_and_counted(
    core: PluginCore, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="k8smeta"):
        core.parse_process_event(BrokenView(), Tid(1), 0, 293)
    assert [r.getMessage() for r in caplog.records] == [
        "cannot attach pod_uid to process: can't get subtable"
    ]
    assert core.metrics.parse_errors == 1


def test_rejected_payload_raises_and_counts(core: PluginCore) -> None:
    with pytest.raises(PayloadError):
        core.parse_async("k8s", b"{")
    assert core.metrics.parse_errors == 1
    assert core.metrics.async_events_received == 44


def test_metric_values_shape(core: PluginCore) -> None:
    core.metrics.reconnects += 2
    core.metrics.async_events_rejected += 1
    values = core.metric_values()
    assert [name for name, _, _ in values] == [
        "resources_pod",
        "resources_namespace",
        "resources_deployment",
        "resources_replicaset",
        "resources_replicationcontroller",
        "resources_daemonset",
        "resources_service",
        "resources_statefulset",
        "resources_job",
        "resources_cronjob",
        "resources_node",
        "async_events_received",
        "async_events_rejected",
        "reconnects",
        "parse_errors",
        "threads_tagged",
        "extract_no_pod_uid",
        "extract_unknown_pod",
        "extract_unknown_owner",
        "extract_no_container_id",
        "extract_unknown_container",
    ]
    assert [monotonic for _, monotonic, _ in values] == [False] * 11 + [True] * 10
    assert {n: v for n, _, v in values}["reconnects"] == 2


def test_init_logs_are_emitted_by_the_core(caplog: pytest.LogCaptureFixture) -> None:
    config = parse_config(CONFIG.replace("}", ',"hostProc":"/host"}'), {})
    with caplog.at_level(logging.DEBUG, logger="k8smeta"):
        PluginCore(config)
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.DEBUG, "metadata are received from node 'n'"),
        (logging.WARNING, "hostProc init config key is deprecated since it is no more in use"),
    ]


def test_unknown_kinds_are_remembered_within_a_bound(
    core: PluginCore, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="k8smeta"):
        for index in range(100):
            for _ in range(2):
                data = orjson.dumps({"reason": "Create", "uid": "u", "kind": f"Kind{index}"})
                with pytest.raises(PayloadError):
                    core.parse_async("k8s", data)
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [f"kind 'Kind{index}' is not known to the plugin" for index in range(64)]
    assert core.metrics.parse_errors == 200
