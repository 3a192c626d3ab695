"""Async payloads: strict decoding and protobuf-JSON encoding (docs/plugin-contract.md,
"Async events")."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from google.protobuf import json_format

from k8smeta.plugin.core.errors import PayloadError, UnknownKindError
from k8smeta.plugin.core.payload import (
    MAX_ENTRIES,
    MAX_PAYLOAD,
    MAX_STRING,
    decode_payload,
    encode_payload,
)
from k8smeta.wire import metadata_pb2
from tests.conftest import load_collector_stream

POD_UID = "5eaeeca9-2277-460b-a4bf-5a0783f6d49f"


def pod(**changes: Any) -> dict[str, Any]:
    """A valid pod Create, with parts replaced or removed (value None)."""
    event: dict[str, Any] = {
        "reason": "Create",
        "uid": POD_UID,
        "kind": "Pod",
        "meta": json.dumps({"name": "p", "namespace": "ns", "labels": {"a": "1"}}),
        "status": json.dumps({"podIP": "10.0.0.1"}),
        "refs": {"resources": {"Service": {"list": ["s1", "s2"]}, "Namespace": {"list": []}}},
    }
    event.update(changes)
    return {k: v for k, v in event.items() if v is not None}


def data(event: object) -> bytes:
    return orjson.dumps(event) + b"\0"


def meta(**content: Any) -> str:
    return json.dumps({"name": "p", **content})


def test_decodes_a_pod() -> None:
    payload = decode_payload(data(pod()))
    assert (payload.reason, payload.uid, payload.kind) == ("Create", POD_UID, "Pod")
    assert (payload.name, payload.namespace, payload.pod_ip) == ("p", "ns", "10.0.0.1")
    assert payload.labels == {"a": "1"}
    assert payload.refs == (("Service", ("s1", "s2")), ("Namespace", ()))
    assert payload.spec is None


def test_without_trailing_nul_is_accepted() -> None:
    assert decode_payload(orjson.dumps(pod())).uid == POD_UID


def test_every_fixture_event_is_accepted() -> None:
    for event in load_collector_stream():
        assert decode_payload(data(event)).uid == event["uid"]


@pytest.mark.parametrize(
    "event",
    [
        pod(meta=None, status=None, refs=None),
        pod(meta=""),
        pod(status="{}"),
        pod(meta=meta(labels={})),
        pod(meta=json.dumps({"namespace": "ns"})),
        pod(status=json.dumps({"podIP": ""})),
        pod(refs={}),
        pod(refs={"resources": {"Service": {}}}),
        pod(spec="[1, 2]"),
        {"reason": "Sync"},
        {"reason": "Delete", "uid": POD_UID, "kind": "DaemonSet"},
    ],
)
def test_accepted_shapes(event: dict[str, Any]) -> None:
    assert decode_payload(data(event)).reason == event["reason"]


LONG = "x" * (MAX_STRING + 1)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{", "not valid UTF-8 JSON"),
        (b'{"reason":"Create"}\0garbage', "not valid UTF-8 JSON"),
        (b"\xff\xfe", "not valid UTF-8 JSON"),
        (b"[]", "the top level must be an object, not array"),
        (data(pod(reason=None)), "Invalid json resource.'/reason', '/uid', and '/kind'"),
        (data(pod(uid=None)), "Invalid json resource."),
        (data(pod(kind=None)), "Invalid json resource."),
        (data(pod(kind=7)), "Invalid json resource."),
        (data(pod(reason="Patch")), "reason 'Patch' is not known to the plugin"),
        (data(pod(uid="")), "empty 'uid' in a Create of a Pod"),
        (data(pod(meta={"name": "p"})), "'meta' must be a string holding JSON, not object"),
        (data(pod(spec=1)), "'spec' must be a string holding JSON, not integer"),
        (data(pod(status="{")), "'status' is not valid JSON"),
        (data(pod(meta="[]")), "'meta' must hold a JSON object, not array"),
        (data(pod(status='"x"')), "'status' must hold a JSON object, not string"),
        (data(pod(meta=json.dumps({"name": 1}))), "'meta.name' must be a string, not integer"),
        (data(pod(meta=meta(namespace=None))), "'meta.namespace' must be a string, not null"),
        (data(pod(status=json.dumps({"podIP": []}))), "'status.podIP' must be a string"),
        (data(pod(meta=meta(labels=[]))), "'meta.labels' must be an object, not array"),
        (data(pod(meta=meta(labels={"a": 1}))), "label 'a' must be a string, not integer"),
        (
            data(pod(meta=meta(labels={str(i): "v" for i in range(5000)}))),
            f"'meta.labels' has 5000 entries, more than {MAX_ENTRIES}",
        ),
        (data(pod(refs=[])), "'refs' must be an object, not array"),
        (data(pod(refs={"resources": []})), "'refs.resources' must be an object"),
        (data(pod(refs={"resources": {"Service": []}})), "'refs.resources.Service' must be an"),
        (
            data(pod(refs={"resources": {"Service": {"list": "s"}}})),
            "'refs.resources.Service.list' must be an array, not string",
        ),
        (
            data(pod(refs={"resources": {"Service": {"list": [1]}}})),
            "a UID in 'refs.resources.Service.list' must be a string",
        ),
        (
            data(pod(refs={"resources": {"Service": {"list": ["u"] * 4097}}})),
            "'refs.resources.Service.list' has 4097 UIDs",
        ),
        (data(pod(uid=LONG)), f"'uid' is longer than {MAX_STRING} bytes"),
        (data(pod(meta=meta(name="é" * (MAX_STRING // 2 + 1)))), "'meta.name' is longer"),
        (data(pod(meta=meta(labels={"a": LONG}))), "label 'a' is longer"),
        (data(pod(meta=meta(labels={LONG: "v"}))), "a label key is longer"),
        (data(pod(meta=json.dumps({"name": "p", "x": "y" * MAX_PAYLOAD}))), "bytes, more than"),
        (data(pod(uid="a\0b")), "a string contains a NUL character"),
        (data(pod(meta=meta(labels={"a": "x\0"}))), "a string contains a NUL character"),
        (data(pod(status=json.dumps({"podIP": "\0"}))), "a string contains a NUL character"),
    ],
)
def test_rejected(raw: bytes, message: str) -> None:
    with pytest.raises(PayloadError) as info:
        decode_payload(raw)
    assert message in str(info.value)


@pytest.mark.parametrize("kind", ["DeamonSet", "Node", "pod", ""])
def test_unknown_kinds(kind: str) -> None:
    with pytest.raises(UnknownKindError) as info:
        decode_payload(data(pod(kind=kind)))
    assert info.value.kind == kind
    assert str(info.value) == f"kind '{kind}' is not known to the plugin"


def _protobuf_json(event: dict[str, Any]) -> Any:
    message = json_format.ParseDict(event, metadata_pb2.Event())
    return json.loads(json_format.MessageToJson(message))


@pytest.mark.parametrize("index", range(43))
def test_encode_matches_protobuf_printer_for_fixture(index: int) -> None:
    event = load_collector_stream()[index]
    p = decode_payload(data(event))
    encoded = encode_payload(
        p.reason, p.uid, p.kind, meta=p.meta, spec=p.spec, status=p.status, refs=p.refs
    )
    assert encoded.endswith(b"\0")
    assert encoded.count(b"\0") == 1
    assert encoded[:-1] == orjson.dumps(orjson.loads(encoded[:-1]))  # compact
    assert json.loads(encoded[:-1]) == _protobuf_json(event)


@pytest.mark.parametrize(
    "event",
    [
        {"reason": "Create", "uid": "u", "kind": "Pod", "meta": "", "spec": "", "status": ""},
        {"reason": "Create", "uid": "u", "kind": "Pod", "refs": {}},
        {"reason": "Create", "uid": "u", "kind": "Pod", "refs": {"resources": {"Service": {}}}},
        {"reason": "Sync"},
        {"reason": "Delete", "uid": "u", "kind": "Pod"},
    ],
)
def test_encode_matches_protobuf_printer_for_edge_cases(event: dict[str, Any]) -> None:
    p = decode_payload(data(event))
    encoded = encode_payload(
        p.reason, p.uid, p.kind, meta=p.meta, spec=p.spec, status=p.status, refs=p.refs
    )
    assert json.loads(encoded[:-1]) == _protobuf_json(event)


def test_encoded_strings_are_forwarded_byte_for_byte() -> None:
    raw_meta = '{"name":"é\\u00e9", "labels" : {}}'
    encoded = encode_payload("Create", "u", "Namespace", meta=raw_meta)
    assert decode_payload(encoded).meta == raw_meta
