"""The wire contract: names and numbers of upstream's metadata.proto."""

from __future__ import annotations

from google.protobuf.descriptor import FieldDescriptor

from k8smeta.wire import metadata_pb2

EXPECTED_FIELDS = {
    "Selector": {"nodeName": 1, "resourceKinds": 2},
    "ListOfStrings": {"list": 1},
    "References": {"resources": 1},
    "SpecFields": {"fields": 1},
    "StatusFields": {"fields": 1},
    "Event": {
        "reason": 1,
        "uid": 2,
        "kind": 3,
        "meta": 4,
        "spec": 5,
        "status": 6,
        "refs": 7,
    },
}


def test_package_service_and_method() -> None:
    service = metadata_pb2.DESCRIPTOR.services_by_name["Metadata"]
    assert metadata_pb2.DESCRIPTOR.package == "metadata"
    assert service.full_name == "metadata.Metadata"
    watch = service.methods_by_name["Watch"]
    assert watch.input_type.full_name == "metadata.Selector"
    assert watch.output_type.full_name == "metadata.Event"
    assert watch.server_streaming
    assert not watch.client_streaming


def test_message_fields_match_upstream_numbers() -> None:
    for message, fields in EXPECTED_FIELDS.items():
        descriptor = metadata_pb2.DESCRIPTOR.message_types_by_name[message]
        assert {f.name: f.number for f in descriptor.fields} == fields, message


def test_event_optional_fields_have_presence() -> None:
    event = metadata_pb2.Event(reason="Create")
    assert not event.HasField("meta")
    event.meta = ""
    assert event.HasField("meta")
    kinds = metadata_pb2.Event.DESCRIPTOR.fields_by_name
    assert kinds["refs"].type == FieldDescriptor.TYPE_MESSAGE
