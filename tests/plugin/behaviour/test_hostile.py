"""Malformed and hostile async payloads change nothing (docs/plugin-contract.md, "Async
events")."""

from __future__ import annotations

import json

import orjson
import pytest

from tests.host.base import FalcoHost
from tests.plugin.behaviour.conftest import execve_in_pod

POD = "5eaeeca9-2277-460b-a4bf-5a0783f6d49f"


def pod_event(**changes: object) -> dict[str, object]:
    event: dict[str, object] = {
        "reason": "Update",
        "uid": POD,
        "kind": "Pod",
        "meta": json.dumps({"name": "hostile", "namespace": "x", "labels": {"a": "b"}}),
        "status": "{}",
        "refs": {"resources": {}},
    }
    event.update(changes)
    return event


def raw(event: object) -> bytes:
    return orjson.dumps(event) + b"\0"


def big_labels(count: int) -> str:
    return json.dumps({"name": "n", "labels": {f"k{i}": "v" for i in range(count)}})


HOSTILE: list[tuple[str, bytes, str]] = [
    ("invalid-json", b'{"reason":"Update",\0', "error"),
    ("bytes-after-nul", raw(pod_event())[:-1] + b"\0trailing", "error"),
    ("two-nuls", raw(pod_event()) + b"\0", "error"),
    ("top-level-array", b"[1,2]\0", "error"),
    ("reason-not-string", raw(pod_event(reason=1)), "error"),
    ("missing-uid", raw({"reason": "Update", "kind": "Pod"}), "error"),
    ("empty-uid", raw(pod_event(uid="")), "error"),
    ("meta-object", raw(pod_event(meta={"name": "n"})), "error"),
    ("meta-not-json", raw(pod_event(meta="{name")), "error"),
    ("labels-not-strings", raw(pod_event(meta='{"labels":{"a":1}}')), "error"),
    ("refs-list", raw(pod_event(refs=[])), "error"),
    ("unknown-reason", raw(pod_event(reason="Patch")), "error"),
    ("unknown-kind", raw(pod_event(kind="Node")), "error"),
    ("DeamonSet", raw(pod_event(kind="DeamonSet")), "error"),
    ("over-1MiB", raw(pod_event(spec=json.dumps("x" * (1 << 20)))), "error"),
    ("5000-labels", raw(pod_event(meta=big_labels(5000))), "error"),
    ("70KiB-string", raw(pod_event(meta=json.dumps({"name": "n" * 70 * 1024}))), "error"),
    ("NUL-in-label", raw(pod_event(meta='{"labels":{"a":"x\\u0000y"}}')), "error"),
    ("5000-uids", raw(pod_event(refs={"resources": {"Service": {"list": ["u"] * 5000}}})), "error"),
]


def field_snapshot(host: FalcoHost) -> dict[str, list[str] | None]:
    fields = ("k8smeta.pod.name", "k8smeta.pod.labels", "k8smeta.ns.name", "k8smeta.svc.name")
    return {name: host.extract(1, name) for name in fields}


@pytest.mark.parametrize(("case", "data", "level"), HOSTILE, ids=[c for c, _, _ in HOSTILE])
def test_hostile_payload_changes_nothing(
    replayed: FalcoHost, case: str, data: bytes, level: str
) -> None:
    execve_in_pod(replayed, POD)
    before_fields = field_snapshot(replayed)
    before_dump = replayed.dump_state()
    before_errors = replayed.metrics()["parse_errors"]
    logs_before = len(replayed.logs())
    assert not replayed.async_event("k8s", data)
    assert replayed.last_error()
    assert replayed.metrics()["parse_errors"] == before_errors + 1
    new_logs = replayed.logs()[logs_before:]
    assert [lvl for lvl, _ in new_logs] == [level], new_logs
    assert replayed.dump_state() == before_dump
    execve_in_pod(replayed, POD)
    assert field_snapshot(replayed) == before_fields


def test_unknown_kind_logs_error_once_then_debug(replayed: FalcoHost) -> None:
    for _ in range(3):
        assert not replayed.async_event("k8s", raw(pod_event(kind="DeamonSet")))
    errors = [msg for lvl, msg in replayed.logs() if lvl == "error"]
    assert errors == ["kind 'DeamonSet' is not known to the plugin"]
    assert replayed.metrics()["parse_errors"] == 3


def test_payload_without_trailing_nul_is_accepted(replayed: FalcoHost) -> None:
    assert replayed.async_event("k8s", orjson.dumps(pod_event()))
    execve_in_pod(replayed, POD)
    assert replayed.extract(1, "k8smeta.pod.name") == ["hostile"]


def test_other_async_event_names_are_ignored(replayed: FalcoHost) -> None:
    before = replayed.metrics()
    assert replayed.async_event("other", b"not even json")
    assert replayed.metrics() == before


def test_sync_marker_is_accepted_and_changes_nothing(replayed: FalcoHost) -> None:
    before = replayed.dump_state()
    assert replayed.async_event("k8s", b'{"reason":"Sync"}\0')
    assert replayed.dump_state() == before
    assert replayed.metrics()["parse_errors"] == 0
