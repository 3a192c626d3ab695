"""Objects no decoder takes whole: a 1,000-deep value in an ignored field is decoded the
general way (the typed decoder's RecursionError never escapes); an item with invalid UTF-8,
a lone surrogate, NaN or nesting beyond orjson's limit is skipped alone, named as far as its
metadata can be read, and every other item of the page is kept. A watch line likewise."""

from __future__ import annotations

import orjson
import pytest

from k8smeta.collector.kube.decode import KindDecoder
from k8smeta.collector.kube.errors import TransportError, UndecodableError
from k8smeta.collector.kube.kinds import KINDS
from k8smeta.collector.kube.trim import trim
from k8smeta.collector.model import Kind
from tests.kubeapi import objects

Obj = objects.Obj
PODS = KINDS[Kind.POD]


def pod(number: int) -> Obj:
    obj = objects.pod(f"web-{number}", "shop", uid=f"uid-{number}")
    obj["metadata"]["resourceVersion"] = str(100 + number)
    return obj


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def with_field(obj: Obj, raw_value: bytes, where: str = "spec") -> bytes:
    """`obj` serialized with `raw_value` (any bytes) as `<where>.odd` (spec, metadata or
    metadata.labels)."""
    text = orjson.dumps(obj)
    key = b'"' + where.encode() + b'":{'
    at = text.index(key) + len(key)
    return text[:at] + b'"odd":' + raw_value + b"," + text[at:]


BAD_VALUES = {
    "invalid UTF-8": b'"\xff\xfe"',
    "lone surrogate": b'"\\ud800"',
    "NaN": b"NaN",
    "1,100 deep": nested(1100),
}


def page(items: list[bytes], rv: str = "9", token: str = "") -> bytes:
    meta = {"resourceVersion": rv} | ({"continue": token} if token else {})
    head = orjson.dumps({"kind": "PodList", "apiVersion": "v1", "metadata": meta})
    return head[:-1] + b',"items":[' + b",".join(items) + b"]}"


@pytest.mark.parametrize("depth", [1000, 1020])
def test_a_deep_value_in_an_ignored_field_is_decoded_the_general_way(depth: int) -> None:
    good, deep = pod(1), pod(2)
    body = page([orjson.dumps(good), with_field(deep, nested(depth))], token="next")
    decoded = KindDecoder(PODS).page(body)
    assert decoded.objects == [trim(Kind.POD, good), trim(Kind.POD, deep)]
    assert (decoded.token, decoded.resource_version, decoded.skipped) == ("next", "9", [])
    event = KindDecoder(PODS).event(
        b'{"type":"MODIFIED","object":' + with_field(deep, nested(depth)) + b"}"
    )
    assert (event.type, event.obj, event.resource_version) == (
        "MODIFIED",
        trim(Kind.POD, deep),
        "102",
    )


@pytest.mark.parametrize("bad", list(BAD_VALUES))
@pytest.mark.parametrize("where", ["spec", "metadata", "labels"])
def test_one_undecodable_item_is_skipped_alone(bad: str, where: str) -> None:
    items = [pod(1), pod(2), pod(3)]
    odd = with_field(items[1], BAD_VALUES[bad], where)
    body = page([orjson.dumps(items[0]), odd, orjson.dumps(items[2])])
    decoded = KindDecoder(PODS).page(body)
    assert decoded.resource_version == "9"
    if bad == "invalid UTF-8" and where != "labels":  # bytes the typed path never reads
        assert decoded.objects == [trim(Kind.POD, item) for item in items]
        return
    assert decoded.objects == [trim(Kind.POD, items[0]), trim(Kind.POD, items[2])]
    (error,) = decoded.skipped
    assert isinstance(error, UndecodableError)
    assert "undecodable Pod shop/web-2 (uid uid-2), skipped: " in str(error)


@pytest.mark.parametrize("bad", list(BAD_VALUES))
@pytest.mark.parametrize("etype", ["ADDED", "MODIFIED", "DELETED"])
def test_an_undecodable_watch_line_keeps_its_type_version_and_uid(bad: str, etype: str) -> None:
    odd = with_field(pod(2), BAD_VALUES[bad], "labels")
    line = b'{"type":"' + etype.encode() + b'","object":' + odd + b"}"
    event = KindDecoder(PODS).event(line)
    assert (event.type, event.obj, event.uid, event.resource_version) == (
        etype,
        None,
        "uid-2",
        "102",
    )
    assert isinstance(event.skipped, UndecodableError)
    assert "Pod shop/web-2" in str(event.skipped)


@pytest.mark.parametrize(
    "line",
    [
        b"{not json",
        b"\xff\xfe",
        b'{"type":"ADDED","object":{"metadata":{"name":"\xff"',
        b'{"type":NaN}',
    ],
)
def test_a_line_that_is_no_event_is_marked_unusable(line: bytes) -> None:
    event = KindDecoder(PODS).event(line)
    assert event.type == ""
    assert isinstance(event.skipped, UndecodableError)


def test_a_body_that_is_not_even_json_shaped_is_refused_whole() -> None:
    with pytest.raises(TransportError):
        KindDecoder(PODS).page(b'{"items":[{"metadata":{}}, NaN')


def test_a_bookmark_and_an_error_with_undecodable_bytes_are_still_read() -> None:
    bookmark = b'{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"77","x":NaN}}}'
    assert KindDecoder(PODS).event(bookmark).resource_version == "77"
    error = b'{"type":"ERROR","object":{"kind":"Status","code":410,"message":"\xff gone"}}'
    event = KindDecoder(PODS).event(error)
    assert event.error is not None
    assert "410" in str(event.error)


def test_a_deep_list_head_leaves_the_token_to_the_page() -> None:
    head = b'{"kind":"PodList","metadata":{"resourceVersion":"9","x":' + nested(1500) + b"},"
    body = head + b'"items":[' + orjson.dumps(pod(1)) + b"]}"
    assert KindDecoder.continue_token(body) is None  # read from the decoded page instead
    decoded = KindDecoder(PODS).page(body)
    assert (decoded.objects, decoded.resource_version) == ([trim(Kind.POD, pod(1))], "9")
