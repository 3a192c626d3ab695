"""Wire Event -> async payload: equal to protobuf's JSON printer with default options."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from google.protobuf import json_format
from hypothesis import given
from hypothesis import strategies as st

from k8smeta.plugin.feed.translate import delete_payload, event_payload
from k8smeta.wire import metadata_pb2


def _decode(payload: bytes) -> Any:
    assert payload.endswith(b"\0")
    body = payload[:-1]
    assert b"\0" not in body
    return orjson.loads(body)


def _printer(event: metadata_pb2.Event) -> Any:
    as_dict = json_format.MessageToDict(event)
    assert as_dict == json.loads(json_format.MessageToJson(event))
    return as_dict


def test_every_fixture_event_matches_the_printer(collector_stream: list[dict[str, Any]]) -> None:
    assert len(collector_stream) == 43
    for index, recorded in enumerate(collector_stream):
        event = json_format.ParseDict(recorded, metadata_pb2.Event())
        decoded = _decode(event_payload(event))
        assert decoded == _printer(event), f"fixture #{index}"
        assert decoded == recorded, f"fixture #{index}"


def test_payload_is_compact(collector_stream: list[dict[str, Any]]) -> None:
    event = json_format.ParseDict(collector_stream[10], metadata_pb2.Event())
    payload = event_payload(event)
    assert b'", "' not in payload
    assert b'": ' not in payload
    assert payload.startswith(b'{"reason":"Create","uid":"5eaeeca9-')


def _refs(resources: dict[str, list[str]]) -> metadata_pb2.References:
    refs = metadata_pb2.References()
    for kind, uids in resources.items():
        refs.resources[kind].list.extend(uids)
    return refs


EDGE_CASES: list[tuple[str, metadata_pb2.Event, dict[str, Any]]] = [
    ("empty event", metadata_pb2.Event(), {}),
    ("sync marker", metadata_pb2.Event(reason="Sync"), {"reason": "Sync"}),
    (
        "empty meta is set",
        metadata_pb2.Event(reason="Create", uid="u", kind="Pod", meta=""),
        {"reason": "Create", "uid": "u", "kind": "Pod", "meta": ""},
    ),
    (
        "empty spec and status are set",
        metadata_pb2.Event(uid="u", spec="", status=""),
        {"uid": "u", "spec": "", "status": ""},
    ),
    ("empty refs", metadata_pb2.Event(uid="u", refs=_refs({})), {"uid": "u", "refs": {}}),
    (
        "empty service list",
        metadata_pb2.Event(uid="u", refs=_refs({"Service": [], "Namespace": ["n"]})),
        {"uid": "u", "refs": {"resources": {"Service": {}, "Namespace": {"list": ["n"]}}}},
    ),
    (
        "strings forwarded unchanged",
        metadata_pb2.Event(uid="u", meta='{"name": "é\\u00e9\u2028 \\"x\\""}', status="not json"),
        {"uid": "u", "meta": '{"name": "é\\u00e9\u2028 \\"x\\""}', "status": "not json"},
    ),
]


@pytest.mark.parametrize(
    ("event", "expected"), [(e, x) for _, e, x in EDGE_CASES], ids=[n for n, _, _ in EDGE_CASES]
)
def test_edge_cases(event: metadata_pb2.Event, expected: dict[str, Any]) -> None:
    decoded = _decode(event_payload(event))
    assert decoded == expected
    assert decoded == _printer(event)


def test_delete_payload() -> None:
    payload = delete_payload("Pod", "0cc0927d-1d9f-4798-926b-451364a4fgjs")
    assert payload == (
        b'{"reason":"Delete","uid":"0cc0927d-1d9f-4798-926b-451364a4fgjs","kind":"Pod"}\0'
    )


_text = st.text(max_size=12)
_events = st.builds(
    metadata_pb2.Event,
    reason=_text,
    uid=_text,
    kind=_text,
    meta=st.none() | _text,
    spec=st.none() | _text,
    status=st.none() | _text,
    refs=st.none() | st.dictionaries(_text, st.lists(_text, max_size=3), max_size=3).map(_refs),
)


@given(_events)
def test_any_event_matches_the_printer(event: metadata_pb2.Event) -> None:
    assert _decode(event_payload(event)) == _printer(event)
