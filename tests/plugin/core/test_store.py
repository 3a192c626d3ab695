"""The store: replace/erase semantics, derived values, reuse of Extracted, service views."""

from __future__ import annotations

import pytest

from k8smeta.plugin.core.extract import extract
from k8smeta.plugin.core.fields import FIELD_IDS
from k8smeta.plugin.core.payload import decode_payload
from k8smeta.plugin.core.store import Store
from k8smeta.plugin.core.values import Extracted
from tests.plugin.core import events

POD = "p0000000-0000-0000-0000-000000000001"


def apply(store: Store, *payloads: bytes) -> None:
    for data in payloads:
        store.apply(decode_payload(data))


def value(store: Store, field: str, arg: str | None = None, uid: str = POD) -> Extracted | None:
    name = field if field.startswith("k8smeta.") else f"k8smeta.{field}"
    return extract(store, FIELD_IDS[name], arg, uid)


def strings(store: Store, field: str, arg: str | None = None) -> list[str] | None:
    found = value(store, field, arg)
    return None if found is None else [s.decode() for s in found.strings]


def test_create_update_replace_without_merge() -> None:
    store = Store()
    apply(store, events.pod(POD, labels={"a": "1", "b": "2"}, ip="10.0.0.1"))
    apply(store, events.pod(POD, labels={"c": "3"}, reason="Update"))
    assert strings(store, "pod.labels") == ["c:3"]
    assert strings(store, "pod.ip") is None  # not merged from the previous version
    assert strings(store, "pod.label", "a") is None


def test_delete_erases_and_absent_delete_is_noop() -> None:
    store = Store()
    apply(store, events.pod(POD), events.delete("Pod", POD), events.delete("Pod", POD))
    assert store.counts()["Pod"] == 0
    assert value(store, "pod.name") is None


def test_sync_is_a_noop() -> None:
    store = Store()
    apply(store, events.pod(POD), b'{"reason":"Sync"}\0')
    assert store.counts()["Pod"] == 1


def test_daemonset_is_stored() -> None:
    store = Store()
    apply(store, events.resource("DaemonSet", "d1", "ds"))
    assert store.counts()["DaemonSet"] == 1


def test_labels_descend_by_utf8_key_bytes() -> None:
    store = Store()
    labels = {"a": "1", "B": "2", "é": "3", "z": "4", "a.b/c": "5", "": "6"}
    apply(store, events.pod(POD, labels=labels))
    assert strings(store, "pod.labels") == ["é:3", "z:4", "a.b/c:5", "a:1", "B:2", ":6"]
    assert strings(store, "pod.label", "a.b/c") == ["5"]
    assert strings(store, "pod.label", "") == ["6"]


def test_unchanged_values_keep_their_extracted_object() -> None:
    store = Store()
    apply(store, events.pod(POD, name="n", labels={"a": "1", "b": "2"}, ip="1.1.1.1"))
    before = {f: value(store, f, "a") for f in ("pod.name", "pod.label", "pod.labels", "pod.ip")}
    uid_before = value(store, "pod.uid")
    apply(
        store, events.pod(POD, name="n", labels={"a": "1", "b": "3"}, reason="Update", ip="1.1.1.1")
    )
    assert value(store, "pod.name") is before["pod.name"]
    assert value(store, "pod.label", "a") is before["pod.label"]
    assert value(store, "pod.ip") is before["pod.ip"]
    assert value(store, "pod.uid") is uid_before
    changed = value(store, "pod.labels")
    assert changed is not before["pod.labels"]
    assert changed is not None
    assert changed.strings == (b"b:3", b"a:1")


def test_replacing_a_record_never_mutates_the_old_one() -> None:
    store = Store()
    apply(store, events.pod(POD, labels={"a": "1"}))
    old = store.pods[POD]
    apply(store, events.pod(POD, labels={"a": "2"}, reason="Update"))
    assert {key: value.strings for key, value in old.labels.items()} == {"a": (b"1",)}
    assert store.pods[POD] is not old


SVC_A, SVC_B = "sa", "sb"


def with_services(store: Store) -> None:
    apply(store, events.pod(POD, refs={"Service": [SVC_A, SVC_B]}))


@pytest.mark.parametrize("service_first", [True, False])
def test_service_arriving_before_or_after_the_pod(service_first: bool) -> None:
    store = Store()
    service = events.resource("Service", SVC_B, "b", {"app": "x"})
    if service_first:
        apply(store, service)
        with_services(store)
    else:
        with_services(store)
        assert strings(store, "svc.name") is None
        apply(store, service)
    assert strings(store, "svc.name") == ["b"]
    assert strings(store, "svc.uid") == [SVC_A, SVC_B]
    assert strings(store, "svc.label", "app") == ["x"]


def test_service_update_and_delete_refresh_the_pod_view() -> None:
    store = Store()
    with_services(store)
    apply(store, events.resource("Service", SVC_A, "a", {"k": "1"}))
    apply(store, events.resource("Service", SVC_B, "b", {"k": "2", "z": "9"}))
    assert strings(store, "svc.labels") == ["k:1", "z:9", "k:2"]
    apply(store, events.resource("Service", SVC_A, "a2", {"k": "1"}, reason="Update"))
    assert strings(store, "svc.name") == ["a2", "b"]
    apply(store, events.delete("Service", SVC_B))
    assert strings(store, "svc.name") == ["a2"]
    assert strings(store, "svc.label", "z") is None
    apply(store, events.delete("Service", SVC_A))
    assert strings(store, "svc.name") is None
    assert strings(store, "svc.labels") is None
    assert strings(store, "svc.uid") == [SVC_A, SVC_B]  # refs verbatim


def test_known_service_without_name_voids_svc_name() -> None:
    store = Store()
    with_services(store)
    apply(store, events.resource("Service", SVC_A, "a"), events.resource("Service", SVC_B, None))
    assert strings(store, "svc.name") is None


def test_pod_changing_its_services_is_relinked() -> None:
    store = Store()
    with_services(store)
    apply(store, events.resource("Service", SVC_A, "a"), events.resource("Service", SVC_B, "b"))
    apply(store, events.pod(POD, refs={"Service": [SVC_B]}, reason="Update"))
    assert strings(store, "svc.name") == ["b"]
    apply(store, events.resource("Service", SVC_A, "a-renamed", reason="Update"))
    assert strings(store, "svc.name") == ["b"]
    apply(store, events.delete("Pod", POD))
    assert store.service_views == {}
    assert store._pods_by_service == {}


def test_unchanged_service_view_values_are_reused() -> None:
    store = Store()
    with_services(store)
    apply(store, events.resource("Service", SVC_A, "a", {"k": "1"}))
    names = value(store, "svc.name")
    label = value(store, "svc.label", "k")
    apply(store, events.resource("Service", SVC_B, None, {"other": "2"}))
    apply(store, events.resource("Service", SVC_B, "b", {"other": "2"}, reason="Update"))
    apply(store, events.resource("Service", SVC_B, "b", {"other": "3"}, reason="Update"))
    assert value(store, "svc.label", "k") is label
    assert names is not None
    assert names.strings == (b"a",)


@pytest.mark.parametrize(
    ("kind", "prefix"),
    [
        ("Namespace", "ns"),
        ("Deployment", "deployment"),
        ("ReplicaSet", "rs"),
        ("ReplicationController", "rc"),
    ],
)
def test_owner_fields_follow_the_first_ref(kind: str, prefix: str) -> None:
    store = Store()
    apply(store, events.pod(POD, refs={kind: ["o1", "o2"]}))
    apply(store, events.resource(kind, "o2", "second", {"k": "2"}))
    # ns.name is the pod's own namespace (see below); the others name the resource.
    name_field = "ns.label" if kind == "Namespace" else f"{prefix}.name"
    name_arg = "name" if kind == "Namespace" else None
    assert strings(store, f"{prefix}.uid") == ["o1"]
    assert strings(store, name_field, name_arg) is None
    labels = {"k": "1", "j": "", "name": "first"}
    apply(store, events.resource(kind, "o1", "first", labels))
    assert strings(store, name_field, name_arg) == ["first"]
    assert strings(store, f"{prefix}.label", "j") == [""]
    assert strings(store, f"{prefix}.labels") == ["name:first", "k:1", "j:"]
    apply(store, events.delete(kind, "o1"))
    assert strings(store, f"{prefix}.label", "k") is None
    assert strings(store, f"{prefix}.uid") == ["o1"]


def test_ns_name_comes_from_the_pod_meta() -> None:
    store = Store()
    apply(store, events.pod(POD, namespace="from-pod", refs={"Namespace": ["n1"]}))
    apply(store, events.resource("Namespace", "n1", "from-namespace"))
    assert strings(store, "ns.name") == ["from-pod"]
    apply(store, events.pod(POD, namespace=None, reason="Update"))
    assert strings(store, "ns.name") is None


def test_empty_refs_lists_mean_no_value() -> None:
    store = Store()
    apply(store, events.pod(POD, refs={"Namespace": [], "Service": []}))
    assert strings(store, "ns.uid") is None
    assert strings(store, "svc.uid") is None
    assert strings(store, "svc.name") is None


def test_label_fields_without_argument_have_no_value() -> None:
    store = Store()
    apply(store, events.pod(POD, labels={"a": "1"}, refs={"Service": [SVC_A]}))
    apply(store, events.resource("Service", SVC_A, "a", {"a": "1"}))
    assert value(store, "pod.label") is None
    assert value(store, "svc.label") is None
    assert value(store, "ns.label") is None
