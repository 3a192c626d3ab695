"""decode: the typed (msgspec) path gives what orjson + trim gives, on every kind; refused
bodies take the general path and skip only the objects at fault."""

from __future__ import annotations

import copy
import re
from typing import Any

import msgspec
import orjson
import pytest

from k8smeta.collector.kube.decode import KindDecoder
from k8smeta.collector.kube.errors import TransportError, TrimError
from k8smeta.collector.kube.kinds import KINDS
from k8smeta.collector.kube.shapes import event_of, list_of
from k8smeta.collector.kube.trim import trim
from k8smeta.collector.model import Kind
from tests.kubeapi import objects

Obj = dict[str, Any]
RS = objects.replica_set("web-7d4b9", "shop", uid="0d7c6a8e-1b2c-4d5e-8f90-a1b2c3d4e5f6")
CRON = objects.workload("CronJob", "nightly", "shop", uid="4c1e3a7b-5d2f-4e6a-9b8c-7d6e5f4a3b2c")
KEPT = frozenset({"team.example.com/owner", "big", "empty", "absent"})
"""Annotation keys kept by the `--pod-annotations` cases."""
HUGE = 'x"\\\n\u00e9\U0001f600' * 200_000  # 1.4 MB of characters JSON escapes or encodes


def full(kind: Kind, number: int) -> Obj:
    """A realistic full object of `kind`, as the API serves it."""
    uid = f"{number:08x}-2277-460b-a4bf-5a0783f6d49f"
    builders = {
        Kind.POD: lambda: objects.pod(
            f"web-7d4b9-{number}", "shop", owner=RS, uid=uid, labels={"app": "web", "n": "1"}
        ),
        Kind.SERVICE: lambda: objects.service("web", "shop", selector={"app": "web"}, uid=uid),
        Kind.NAMESPACE: lambda: objects.namespace("shop", labels={"team": "a"}, uid=uid),
        Kind.DEPLOYMENT: lambda: objects.deployment("web", "shop", uid=uid),
        Kind.REPLICA_SET: lambda: objects.replica_set("web-7d4b9", "shop", owner=RS, uid=uid),
        Kind.REPLICATION_CONTROLLER: lambda: objects.replication_controller("rc", uid=uid),
        Kind.DAEMON_SET: lambda: objects.daemon_set("agent", "kube-system", uid=uid),
        Kind.STATEFUL_SET: lambda: objects.workload("StatefulSet", "db", "shop", uid=uid),
        Kind.JOB: lambda: objects.workload("Job", "nightly-29000", "shop", owner=CRON, uid=uid),
        Kind.CRON_JOB: lambda: objects.workload(
            "CronJob", "nightly", "shop", labels={"a": "b"}, uid=uid
        ),
        Kind.NODE: lambda: objects.node(f"node-{number}", uid=uid),
    }
    obj: Obj = builders[kind]()
    obj["metadata"]["resourceVersion"] = str(1000 + number)
    return obj


def served(kind: Kind, obj: Obj) -> Obj:
    """`obj` as the collector receives it: metadata only for the kinds watched that way."""
    if KINDS[kind].metadata_only:
        meta_api = "meta.k8s.io/v1"
        return {
            "kind": "PartialObjectMetadata",
            "apiVersion": meta_api,
            "metadata": obj["metadata"],
        }
    return obj


def extra_fields(obj: Obj) -> None:
    """Fields no shape names, at every level the shapes descend into."""
    odd: Obj = {"nested": [1, 2.5e300, -0.0, None, True, {"deep": [[], {}]}], "s": "\u2028"}
    obj["futureField"] = odd
    obj["metadata"]["futureMeta"] = odd
    obj["metadata"].setdefault("ownerReferences", []).append(
        {"apiVersion": "v9", "kind": "Thing", "name": "t", "uid": "t-1", "future": odd}
    )
    obj.setdefault("spec", {})["futureSpec"] = odd
    obj.setdefault("status", {})["futureStatus"] = odd


def nulls(obj: Obj) -> None:
    """Null wherever the API may send one for an optional field."""
    meta = obj["metadata"]
    for key in ("labels", "ownerReferences", "generateName", "namespace", "annotations"):
        meta[key] = None
    if "spec" in obj:
        obj["spec"].update(nodeName=None, selector=None)
    obj["status"] = None


def null_reference_fields(obj: Obj) -> None:
    obj["metadata"]["ownerReferences"] = [
        {"kind": "ReplicaSet", "name": "r", "uid": "r-1", "controller": None, "apiVersion": None}
    ]


def large_annotations(obj: Obj) -> None:
    meta = obj["metadata"]
    meta["annotations"] = {"big": HUGE, HUGE[:5000]: "key", "empty": ""}
    meta["labels"] = {**(meta.get("labels") or {}), "unicode-\u00e9": "\U0001f600"}


def empty_collections(obj: Obj) -> None:
    obj["metadata"].update(labels={}, ownerReferences=[])
    if "spec" in obj:
        obj["spec"]["selector"] = {}


VARIANTS = {
    "as-served": lambda obj: None,
    "extra-fields": extra_fields,
    "nulls": nulls,
    "null-reference-fields": null_reference_fields,
    "large-annotations": large_annotations,
    "empty-collections": empty_collections,
}


def variant_objects(kind: Kind, variant: str) -> list[Obj]:
    items = []
    for number in range(3):
        obj = copy.deepcopy(full(kind, number))
        VARIANTS[variant](obj)
        items.append(served(kind, obj))
    return items


def list_page(kind: Kind, items: list[Obj], token: str = "") -> bytes:
    """A list page as the API server sends it (typed lists' items lack kind/apiVersion)."""
    bare = [{k: v for k, v in item.items() if k not in ("kind", "apiVersion")} for item in items]
    meta = {"resourceVersion": "2000", "continue": token}
    return orjson.dumps({"kind": f"{kind.value}List", "metadata": meta, "items": bare})


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("kind", list(KINDS))
def test_list_pages_decode_to_what_trim_gives(kind: Kind, variant: str) -> None:
    body = list_page(kind, variant_objects(kind, variant), token="next")
    msgspec.json.decode(body, type=list_of(KINDS[kind].shape))  # the fast path takes it
    page = KindDecoder(KINDS[kind]).page(body)
    expected = [trim(kind, item) for item in orjson.loads(body)["items"]]
    assert page.objects == expected
    assert [o.meta.resource_version for o in page.objects] == ["1000", "1001", "1002"]
    assert (page.token, page.resource_version, page.skipped) == ("next", "2000", [])


@pytest.mark.parametrize("event_type", ["ADDED", "MODIFIED", "DELETED"])
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("kind", list(KINDS))
def test_watch_events_decode_to_what_trim_gives(kind: Kind, variant: str, event_type: str) -> None:
    obj = variant_objects(kind, variant)[1]
    line = orjson.dumps({"type": event_type, "object": obj})
    msgspec.json.decode(line, type=event_of(KINDS[kind].shape))  # the fast path takes it
    event = KindDecoder(KINDS[kind]).event(line)
    assert event.obj == trim(kind, obj)
    assert (event.type, event.resource_version, event.skipped) == (event_type, "1001", None)


@pytest.mark.parametrize("variant", VARIANTS)
def test_kept_pod_annotations_decode_to_what_trim_gives(variant: str) -> None:
    items = variant_objects(Kind.POD, variant)
    for number, item in enumerate(items):
        if isinstance(item["metadata"].get("annotations"), dict):
            item["metadata"]["annotations"]["team.example.com/owner"] = f"team-{number}"
    decoder = KindDecoder(KINDS[Kind.POD], KEPT)
    body = list_page(Kind.POD, items)
    page = decoder.page(body)
    expected = [trim(Kind.POD, item, KEPT) for item in orjson.loads(body)["items"]]
    assert page.objects == expected
    line = orjson.dumps({"type": "MODIFIED", "object": items[1]})
    assert decoder.event(line).obj == expected[1]
    kept = [dict(obj.meta.annotations) for obj in page.objects]
    if variant in ("as-served", "extra-fields", "null-reference-fields", "empty-collections"):
        assert kept == [{"team.example.com/owner": f"team-{n}"} for n in range(3)]
    elif variant == "large-annotations":
        owners = [{"team.example.com/owner": f"team-{n}"} for n in range(3)]
        assert kept == [{"big": HUGE, "empty": "", **owner} for owner in owners]
    else:
        assert kept == [{}] * 3
    # Without the flag, no annotation is kept, on either path.
    assert all(not obj.meta.annotations for obj in KindDecoder(KINDS[Kind.POD]).page(body).objects)
    assert all(not trim(Kind.POD, item).meta.annotations for item in items)


def test_kept_annotations_are_only_a_pods() -> None:
    obj = full(Kind.DEPLOYMENT, 1)
    obj["metadata"]["annotations"]["big"] = "x"
    page = KindDecoder(KINDS[Kind.DEPLOYMENT], KEPT).page(list_page(Kind.DEPLOYMENT, [obj]))
    assert page.objects == [trim(Kind.DEPLOYMENT, obj, KEPT)]
    assert not page.objects[0].meta.annotations


MALFORMED_ANNOTATIONS: list[tuple[object, dict[str, str]]] = [
    ({"team.example.com/owner": "t", "replicas": 3}, {"team.example.com/owner": "t"}),
    ({"team.example.com/owner": "t", "x": {"deep": [1, None]}}, {"team.example.com/owner": "t"}),
    ({"team.example.com/owner": "t", "big": 7}, {"team.example.com/owner": "t"}),
    (["team.example.com/owner", "t"], {}),
    ("team.example.com/owner=t", {}),
    (None, {}),
    (17, {}),
]


@pytest.mark.parametrize(("annotations", "kept"), MALFORMED_ANNOTATIONS)
def test_only_kept_annotation_keys_are_read(annotations: object, kept: dict[str, str]) -> None:
    """An unkept annotation of any type, or annotations that are no object, never cost the
    pod; a kept key whose value is not a string is the only thing left out. The same on the
    typed path (pages, watch lines) and the general one (`trim`)."""
    good, odd = full(Kind.POD, 1), full(Kind.POD, 2)
    odd["metadata"]["annotations"] = annotations
    body = list_page(Kind.POD, [good, odd])
    page = KindDecoder(KINDS[Kind.POD], KEPT).page(body)
    assert [obj.uid for obj in page.objects] == [good["metadata"]["uid"], odd["metadata"]["uid"]]
    assert page.skipped == []
    assert dict(page.objects[1].meta.annotations) == kept
    assert page.objects[1] == trim(Kind.POD, odd, KEPT)
    event = KindDecoder(KINDS[Kind.POD], KEPT).event(orjson.dumps({"type": "ADDED", "object": odd}))
    assert event.obj == page.objects[1]


@pytest.mark.parametrize("kind", list(KINDS))
def test_bookmarks_carry_only_a_version(kind: Kind) -> None:
    line = orjson.dumps({"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": "77"}}})
    event = KindDecoder(KINDS[kind]).event(line)
    assert (event.type, event.resource_version, event.obj, event.skipped) == (
        "BOOKMARK",
        "77",
        None,
        None,
    )


ODD_ITEMS: list[tuple[object, str]] = [
    (None, "not an object"),
    ([], "not an object"),
    ({"metadata": None}, "metadata missing"),
    ({"metadata": {"name": "x"}}, "metadata.uid"),
    ({"metadata": {"uid": ""}}, "metadata.uid"),
    ({"metadata": {"uid": 5}}, "metadata.uid"),
    ({"metadata": {"uid": "u", "labels": {"a": 1}}}, "metadata.labels['a']"),
    ({"metadata": {"uid": "u", "ownerReferences": [{"kind": "X"}]}}, "lacks"),
    (
        {"metadata": {"uid": "u", "ownerReferences": [{"kind": "X", "name": "x", "uid": ""}]}},
        "lacks",
    ),
    ({"metadata": {"uid": "u", "ownerReferences": ["x"]}}, "not an object"),
    ({"metadata": {"uid": "u"}, "spec": {"nodeName": 3}}, "spec.nodeName"),
    ({"metadata": {"uid": "u"}, "status": {"podIP": {}}}, "status.podIP"),
]


@pytest.mark.parametrize(("item", "error"), ODD_ITEMS)
def test_an_odd_item_is_skipped_with_trims_error_and_the_rest_kept(
    item: object, error: str
) -> None:
    good = [full(Kind.POD, 1), full(Kind.POD, 2)]
    items = [good[0], item, good[1]]
    body = orjson.dumps({"metadata": {"resourceVersion": "9"}, "items": items})
    page = KindDecoder(KINDS[Kind.POD]).page(body)
    assert page.objects == [trim(Kind.POD, obj) for obj in good]
    (skipped,) = page.skipped
    with pytest.raises(TrimError) as trimmed:
        trim(Kind.POD, item)
    assert str(skipped) == str(trimmed.value)
    assert re.search(re.escape(error), str(skipped))
    assert page.resource_version == "9"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{not json", "response is not JSON"),
        (b"[]", "not a JSON object"),
        (b'{"items": {}}', "items is not a list"),
    ],
)
def test_a_body_that_is_no_list_page_is_a_transport_error(body: bytes, error: str) -> None:
    with pytest.raises(TransportError, match=re.escape(error)):
        KindDecoder(KINDS[Kind.POD]).page(body)


def test_odd_list_metadata_reads_as_absent() -> None:
    body = orjson.dumps({"metadata": {"continue": 5, "resourceVersion": None}, "items": None})
    page = KindDecoder(KINDS[Kind.NAMESPACE]).page(body)
    assert (page.objects, page.token, page.resource_version) == ([], "", "")


def test_an_untrimmable_delete_keeps_its_uid() -> None:
    line = b'{"type": "DELETED", "object": {"metadata": {"uid": "u-1", "labels": {"a": 1}}}}'
    event = KindDecoder(KINDS[Kind.POD]).event(line)
    assert (event.obj, event.uid) == (None, "u-1")
    assert event.skipped is not None
    assert "metadata.labels['a']" in str(event.skipped)


def test_an_error_event_becomes_its_status_error() -> None:
    status = {"kind": "Status", "status": "Failure", "code": 410, "message": "too old"}
    for kind in KINDS:
        event = KindDecoder(KINDS[kind]).event(orjson.dumps({"type": "ERROR", "object": status}))
        assert event.error is not None
        assert str(event.error) == "HTTP 410: too old"


def test_pods_of_one_owner_share_its_owner_reference() -> None:
    body = list_page(Kind.POD, [full(Kind.POD, 1), full(Kind.POD, 2)])
    first, second = KindDecoder(KINDS[Kind.POD]).page(body).objects
    assert first.meta.owner_references == second.meta.owner_references
    assert first.meta.owner_references[0] is second.meta.owner_references[0]
