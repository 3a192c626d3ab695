"""The store: replace/erase semantics, derived values, reuse of Extracted, service views.

Every payload goes through `PluginCore.parse_async` and every value through
`PluginCore.extract`: the path the plugin runs.
"""

from __future__ import annotations

import itertools

import pytest

from k8smeta.plugin.core.absence import Absent
from k8smeta.plugin.core.config import parse_config
from k8smeta.plugin.core.fields import FIELD_IDS
from k8smeta.plugin.core.plugin import PluginCore
from k8smeta.plugin.core.values import Extracted
from tests.plugin.core import events

POD = "p0000000-0000-0000-0000-000000000001"
CONFIG = '{"collectorHostname":"h","collectorPort":1,"nodeName":"n"}'
_EVENTS = itertools.count(1)


def new_core() -> PluginCore:
    return PluginCore(parse_config(CONFIG, {}))


def apply(core: PluginCore, *payloads: bytes) -> None:
    for data in payloads:
        core.parse_async("k8s", data)


def value(core: PluginCore, field: str, arg: str | None = None, uid: str = POD) -> Extracted | None:
    name = field if field.startswith("k8smeta.") else f"k8smeta.{field}"
    found = core.extract(uid, next(_EVENTS), FIELD_IDS[name], arg)
    return None if isinstance(found, Absent) else found


def strings(core: PluginCore, field: str, arg: str | None = None) -> list[str] | None:
    found = value(core, field, arg)
    return None if found is None else [s.decode() for s in found.strings]


def test_create_update_replace_without_merge() -> None:
    core = new_core()
    apply(core, events.pod(POD, labels={"a": "1", "b": "2"}, ip="10.0.0.1"))
    apply(core, events.pod(POD, labels={"c": "3"}, reason="Update"))
    assert strings(core, "pod.labels") == ["c:3"]
    assert strings(core, "pod.ip") is None  # not merged from the previous version
    assert strings(core, "pod.label", "a") is None


def test_delete_erases_and_absent_delete_is_noop() -> None:
    core = new_core()
    apply(core, events.pod(POD), events.delete("Pod", POD), events.delete("Pod", POD))
    assert core.store.counts()["Pod"] == 0
    assert value(core, "pod.name") is None


def test_sync_is_a_noop() -> None:
    core = new_core()
    apply(core, events.pod(POD), b'{"reason":"Sync"}\0')
    assert core.store.counts()["Pod"] == 1


def test_daemonset_is_stored() -> None:
    core = new_core()
    apply(core, events.resource("DaemonSet", "d1", "ds"))
    assert core.store.counts()["DaemonSet"] == 1


def test_labels_descend_by_utf8_key_bytes() -> None:
    core = new_core()
    labels = {"a": "1", "B": "2", "é": "3", "z": "4", "a.b/c": "5", "": "6"}
    apply(core, events.pod(POD, labels=labels))
    assert strings(core, "pod.labels") == ["é:3", "z:4", "a.b/c:5", "a:1", "B:2", ":6"]
    assert strings(core, "pod.label", "a.b/c") == ["5"]
    assert strings(core, "pod.label", "") == ["6"]


def test_unchanged_values_keep_their_extracted_object() -> None:
    core = new_core()
    apply(core, events.pod(POD, name="n", labels={"a": "1", "b": "2"}, ip="1.1.1.1"))
    before = {f: value(core, f, "a") for f in ("pod.name", "pod.label", "pod.labels", "pod.ip")}
    uid_before = value(core, "pod.uid")
    apply(
        core, events.pod(POD, name="n", labels={"a": "1", "b": "3"}, reason="Update", ip="1.1.1.1")
    )
    assert value(core, "pod.name") is before["pod.name"]
    assert value(core, "pod.label", "a") is before["pod.label"]
    assert value(core, "pod.ip") is before["pod.ip"]
    assert value(core, "pod.uid") is uid_before
    changed = value(core, "pod.labels")
    assert changed is not before["pod.labels"]
    assert changed is not None
    assert changed.strings == (b"b:3", b"a:1")


def test_replacing_a_record_never_mutates_the_old_one() -> None:
    core = new_core()
    apply(core, events.pod(POD, labels={"a": "1"}))
    old = core.store.pods[POD]
    apply(core, events.pod(POD, labels={"a": "2"}, reason="Update"))
    assert {key: value.strings for key, value in old.labels.items()} == {"a": (b"1",)}
    assert core.store.pods[POD] is not old


SVC_A, SVC_B = "sa", "sb"


def with_services(core: PluginCore) -> None:
    apply(core, events.pod(POD, refs={"Service": [SVC_A, SVC_B]}))


@pytest.mark.parametrize("service_first", [True, False])
def test_service_arriving_before_or_after_the_pod(service_first: bool) -> None:
    core = new_core()
    service = events.resource("Service", SVC_B, "b", {"app": "x"})
    if service_first:
        apply(core, service)
        with_services(core)
    else:
        with_services(core)
        assert strings(core, "svc.name") is None
        apply(core, service)
    assert strings(core, "svc.name") == ["b"]
    assert strings(core, "svc.uid") == [SVC_A, SVC_B]
    assert strings(core, "svc.label", "app") == ["x"]


def test_service_update_and_delete_refresh_the_pod_view() -> None:
    core = new_core()
    with_services(core)
    apply(core, events.resource("Service", SVC_A, "a", {"k": "1"}))
    apply(core, events.resource("Service", SVC_B, "b", {"k": "2", "z": "9"}))
    assert strings(core, "svc.labels") == ["k:1", "z:9", "k:2"]
    apply(core, events.resource("Service", SVC_A, "a2", {"k": "1"}, reason="Update"))
    assert strings(core, "svc.name") == ["a2", "b"]
    apply(core, events.delete("Service", SVC_B))
    assert strings(core, "svc.name") == ["a2"]
    assert strings(core, "svc.label", "z") is None
    apply(core, events.delete("Service", SVC_A))
    assert strings(core, "svc.name") is None
    assert strings(core, "svc.labels") is None
    assert strings(core, "svc.uid") == [SVC_A, SVC_B]  # refs verbatim


def test_known_service_without_name_voids_svc_name() -> None:
    core = new_core()
    with_services(core)
    apply(core, events.resource("Service", SVC_A, "a"), events.resource("Service", SVC_B, None))
    assert strings(core, "svc.name") is None


def test_pod_changing_its_services_is_relinked() -> None:
    core = new_core()
    with_services(core)
    apply(core, events.resource("Service", SVC_A, "a"), events.resource("Service", SVC_B, "b"))
    apply(core, events.pod(POD, refs={"Service": [SVC_B]}, reason="Update"))
    assert strings(core, "svc.name") == ["b"]
    apply(core, events.resource("Service", SVC_A, "a-renamed", reason="Update"))
    assert strings(core, "svc.name") == ["b"]
    apply(core, events.delete("Pod", POD))
    assert core.store.service_views == {}
    assert core.store._pods_by_service == {}


def test_unchanged_service_view_values_are_reused() -> None:
    core = new_core()
    with_services(core)
    apply(core, events.resource("Service", SVC_A, "a", {"k": "1"}))
    names = value(core, "svc.name")
    label = value(core, "svc.label", "k")
    apply(core, events.resource("Service", SVC_B, None, {"other": "2"}))
    apply(core, events.resource("Service", SVC_B, "b", {"other": "2"}, reason="Update"))
    apply(core, events.resource("Service", SVC_B, "b", {"other": "3"}, reason="Update"))
    assert value(core, "svc.label", "k") is label
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
    core = new_core()
    apply(core, events.pod(POD, refs={kind: ["o1", "o2"]}))
    apply(core, events.resource(kind, "o2", "second", {"k": "2"}))
    # ns.name is the pod's own namespace (see below); the others name the resource.
    name_field = "ns.label" if kind == "Namespace" else f"{prefix}.name"
    name_arg = "name" if kind == "Namespace" else None
    assert strings(core, f"{prefix}.uid") == ["o1"]
    assert strings(core, name_field, name_arg) is None
    labels = {"k": "1", "j": "", "name": "first"}
    apply(core, events.resource(kind, "o1", "first", labels))
    assert strings(core, name_field, name_arg) == ["first"]
    assert strings(core, f"{prefix}.label", "j") == [""]
    assert strings(core, f"{prefix}.labels") == ["name:first", "k:1", "j:"]
    apply(core, events.delete(kind, "o1"))
    assert strings(core, f"{prefix}.label", "k") is None
    assert strings(core, f"{prefix}.uid") == ["o1"]


def test_ns_name_comes_from_the_pod_meta() -> None:
    core = new_core()
    apply(core, events.pod(POD, namespace="from-pod", refs={"Namespace": ["n1"]}))
    apply(core, events.resource("Namespace", "n1", "from-namespace"))
    assert strings(core, "ns.name") == ["from-pod"]
    apply(core, events.pod(POD, namespace=None, reason="Update"))
    assert strings(core, "ns.name") is None


def test_empty_refs_lists_mean_no_value() -> None:
    core = new_core()
    apply(core, events.pod(POD, refs={"Namespace": [], "Service": []}))
    assert strings(core, "ns.uid") is None
    assert strings(core, "svc.uid") is None
    assert strings(core, "svc.name") is None


def test_label_fields_without_argument_have_no_value() -> None:
    core = new_core()
    apply(core, events.pod(POD, labels={"a": "1"}, refs={"Service": [SVC_A]}))
    apply(core, events.resource("Service", SVC_A, "a", {"a": "1"}))
    assert value(core, "pod.label") is None
    assert value(core, "svc.label") is None
    assert value(core, "ns.label") is None
