"""dump_state pushes the current metadata; replaying it rebuilds the values."""

from __future__ import annotations

from typing import Any

import orjson

from tests.host.base import FalcoHost
from tests.plugin.behaviour.conftest import DEFAULT_CONFIG, HostFactory, execve_in_pod
from tests.plugin.behaviour.test_fixture_values import EXPECTED, all_field_names

KIND_ORDER = [
    "Namespace",
    "Deployment",
    "ReplicaSet",
    "ReplicationController",
    "DaemonSet",
    "Service",
    "Pod",
]


def test_dump_order_and_shape(replayed: FalcoHost) -> None:
    dumped = replayed.dump_state()
    assert len(dumped) == 28
    assert all(data.endswith(b"\0") and data.count(b"\0") == 1 for data in dumped)
    decoded = [orjson.loads(data[:-1]) for data in dumped]
    assert {event["reason"] for event in decoded} == {"Create"}
    keys = [(KIND_ORDER.index(e["kind"]), e["uid"]) for e in decoded]
    assert keys == sorted(keys)
    assert [e["kind"] for e in decoded].count("Pod") == 10


def test_dump_keeps_the_received_parts(
    replayed: FalcoHost, collector_stream: list[dict[str, Any]]
) -> None:
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for event in collector_stream:
        if event["reason"] == "Delete":
            latest.pop((event["kind"], event["uid"]), None)
        else:
            latest[(event["kind"], event["uid"])] = {**event, "reason": "Create"}
    decoded = [orjson.loads(data[:-1]) for data in replayed.dump_state()]
    assert {(e["kind"], e["uid"]): e for e in decoded} == latest


def test_replaying_a_dump_gives_the_same_values(
    replayed: FalcoHost, make_host: HostFactory
) -> None:
    fresh = make_host()
    assert fresh.init(DEFAULT_CONFIG) is None
    for data in replayed.dump_state():
        assert fresh.async_event("k8s", data), fresh.last_error()
    assert fresh.metrics() | {"async_events_received": 0} == replayed.metrics() | {
        "async_events_received": 0
    }
    for pod in sorted({pod for pod, _, _ in EXPECTED}):
        execve_in_pod(replayed, pod)
        execve_in_pod(fresh, pod)
        for name in all_field_names() + [field for p, field, _ in EXPECTED if p == pod]:
            assert fresh.extract(1, name) == replayed.extract(1, name), (pod, name)


def test_dump_of_an_empty_store(ready: FalcoHost) -> None:
    assert ready.dump_state() == []
