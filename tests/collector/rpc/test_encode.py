"""Go-compatible `meta`/`status` JSON and the serialized Events (docs/collector-contract.md)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from google.protobuf import json_format

from k8smeta.collector.model import Kind, Uid
from k8smeta.collector.rpc.encode import EventEncoder
from k8smeta.collector.rpc.gojson import go_json
from k8smeta.wire import metadata_pb2
from tests.collector.index.objects import namespace, pod, ref, workload
from tests.conftest import load_collector_stream

NS_UID = "7617a251-8b06-4ae1-892c-92fc20930826"
RC_UID = "f2e2a261-ba86-4fa6-9493-e5260a106126"
HAND_WRITTEN = {18, 22, 37}  # unsorted keys in the fixture itself (tests/fixtures/README.md)
WELL_FORMED = [
    pytest.param(number, key, id=f"#{number}-{key}")
    for number, event in enumerate(load_collector_stream())
    for key in ("meta", "status")
    if key in event and number not in HAND_WRITTEN
]


def test_fixture_has_57_well_formed_strings() -> None:
    assert len(WELL_FORMED) == 57


@pytest.mark.parametrize(("number", "key"), WELL_FORMED)
def test_fixture_strings_reencode_byte_identically(
    collector_stream: list[dict[str, Any]], number: int, key: str
) -> None:
    original = collector_stream[number][key]
    assert go_json(json.loads(original)) == original


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"b": 1, "a": {"d": "x", "c": "y"}}, '{"a":{"c":"y","d":"x"},"b":1}'),
        ({"l": "<a&b>"}, '{"l":"\\u003ca\\u0026b\\u003e"}'),
        ({"l": "é ü 日本"}, '{"l":"é ü 日本"}'),
        ({"l": "a\u2028b\u2029c"}, '{"l":"a\\u2028b\\u2029c"}'),
        ({"l": "bad\udcffbyte"}, '{"l":"bad\ufffdbyte"}'),
        ({"l": 'q"b\\'}, '{"l":"q\\"b\\\\"}'),
        ({}, "{}"),
    ],
)
def test_go_escaping(document: dict[str, Any], expected: str) -> None:
    assert go_json(document) == expected


def event_json(data: bytes) -> dict[str, Any]:
    message = metadata_pb2.Event.FromString(data)
    parsed: dict[str, Any] = json_format.MessageToDict(message)
    return parsed


def test_pod_event_matches_fixture_10(collector_stream: list[dict[str, Any]]) -> None:
    expected = collector_stream[10]
    labels = {"k8s-app": "metrics-server", "pod-template-hash": "85d6fcf458"}
    obj = pod(
        "metrics-server-85d6fcf458-tqkcv",
        "5eaeeca9-2277-460b-a4bf-5a0783f6d49f",
        namespace="kube-system",
        labels=labels,
        generate_name="metrics-server-85d6fcf458-",
        owner=ref(
            Kind.REPLICA_SET, "metrics-server-85d6fcf458", "8be7cb9d-f96a-41b5-8fb0-81fda92a663a"
        ),
        ip="10.16.1.2",
    )
    refs = sorted((kind, tuple(v["list"])) for kind, v in expected["refs"]["resources"].items())
    encoder = EventEncoder()
    data = encoder.framed("Create", encoder.body(obj, refs))
    assert event_json(data) == expected
    whole = metadata_pb2.Event.FromString(data).SerializeToString(deterministic=True)
    assert whole == data  # reason + body == the canonical serialization


@pytest.mark.parametrize(
    ("obj", "number", "expected_meta"),
    [
        (
            namespace("default", NS_UID, {"kubernetes.io/metadata.name": "default"}),
            6,
            None,
        ),
        (
            workload(Kind.REPLICATION_CONTROLLER, "nginx", RC_UID, labels={"app": "nginx"}),
            4,
            '{"labels":{"app":"nginx"},"name":"nginx","namespace":"default",'
            '"uid":"f2e2a261-ba86-4fa6-9493-e5260a106126"}',
        ),
        (
            workload(Kind.DAEMON_SET, "kube-proxy", "b3596254-e9ad-45f5-9c13-1141c8f851a3",
                     namespace="kube-system", labels={"k8s-app": "kube-proxy"}),
            7,
            None,
        ),
    ],
)  # fmt: skip
def test_object_events_match_fixture(
    collector_stream: list[dict[str, Any]], obj: Any, number: int, expected_meta: str | None
) -> None:
    expected = dict(collector_stream[number])
    if expected_meta is not None:  # #4 carries upstream's old unfiltered form
        expected["meta"] = expected_meta
    encoder = EventEncoder()
    assert event_json(encoder.framed("Create", encoder.body(obj, None))) == expected


def test_pod_without_ip_or_services() -> None:
    encoder = EventEncoder()
    obj = pod("p", "p-1")
    document = event_json(
        encoder.framed("Update", encoder.body(obj, [("Namespace", [Uid("n")]), ("Service", [])]))
    )
    assert document["status"] == "{}"
    assert document["refs"] == {"resources": {"Namespace": {"list": ["n"]}, "Service": {}}}


def test_delete_and_sync_carry_only_their_fields() -> None:
    encoder = EventEncoder()
    assert event_json(encoder.delete(Kind.POD, Uid("p-1"))) == {
        "reason": "Delete",
        "uid": "p-1",
        "kind": "Pod",
    }
    assert event_json(encoder.sync()) == {"reason": "Sync"}
