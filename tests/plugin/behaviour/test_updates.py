"""Resources arriving, changing and leaving in any order keep pod values consistent."""

from __future__ import annotations

from tests.host.base import FalcoHost, rendered
from tests.plugin.behaviour.conftest import execve_in_pod
from tests.plugin.core import events

POD = "11111111-2222-3333-4444-555555555555"
REFS = {
    "Namespace": ["ns-1"],
    "Deployment": ["dep-1"],
    "ReplicaSet": ["rs-1"],
    "ReplicationController": ["rc-1"],
    "Service": ["svc-1", "svc-2"],
}


def send(host: FalcoHost, *payloads: bytes) -> None:
    for data in payloads:
        assert host.async_event("k8s", data), host.last_error()


def values(host: FalcoHost) -> dict[str, str | None]:
    execve_in_pod(host, POD)
    fields = (
        "k8smeta.ns.labels",
        "k8smeta.deployment.name",
        "k8smeta.rs.label[tier]",
        "k8smeta.rc.name",
        "k8smeta.svc.name",
        "k8smeta.svc.label[tier]",
    )
    return {f.split(".", 1)[1]: rendered(host, 1, f) for f in fields}


def owners(reason: str = "Create", suffix: str = "") -> list[bytes]:
    labels = {"tier": f"t{suffix}"}
    return [
        events.resource("Namespace", "ns-1", "ns", labels, reason=reason),
        events.resource("Deployment", "dep-1", f"dep{suffix}", labels, reason=reason),
        events.resource("ReplicaSet", "rs-1", "rs", labels, reason=reason),
        events.resource("ReplicationController", "rc-1", f"rc{suffix}", labels, reason=reason),
        events.resource("Service", "svc-2", f"svc-b{suffix}", labels, reason=reason),
        events.resource("Service", "svc-1", f"svc-a{suffix}", reason=reason),
    ]


EXPECTED = {
    "ns.labels": "(tier:t)",
    "deployment.name": "dep",
    "rs.label[tier]": "t",
    "rc.name": "rc",
    "svc.name": "(svc-a,svc-b)",
    "svc.label[tier]": "(t)",
}


def test_resources_before_the_pod(ready: FalcoHost) -> None:
    send(ready, *owners(), events.pod(POD, refs=REFS))
    assert values(ready) == EXPECTED


def test_resources_after_the_pod(ready: FalcoHost) -> None:
    send(ready, events.pod(POD, refs=REFS))
    assert set(values(ready).values()) == {None}
    send(ready, *owners())
    assert values(ready) == EXPECTED


def test_updates_of_resources_reach_the_pod(ready: FalcoHost) -> None:
    send(ready, events.pod(POD, refs=REFS), *owners())
    send(ready, *owners("Update", "2"))
    assert values(ready) == {
        "ns.labels": "(tier:t2)",
        "deployment.name": "dep2",
        "rs.label[tier]": "t2",
        "rc.name": "rc2",
        "svc.name": "(svc-a2,svc-b2)",
        "svc.label[tier]": "(t2)",
    }


def test_deletes_of_resources_reach_the_pod(ready: FalcoHost) -> None:
    send(ready, events.pod(POD, refs=REFS), *owners())
    send(ready, events.delete("Service", "svc-1"), events.delete("Namespace", "ns-1"))
    assert values(ready) == EXPECTED | {"ns.labels": None, "svc.name": "(svc-b)"}
    send(ready, *(events.delete(kind, uids[0]) for kind, uids in REFS.items()))
    send(ready, events.delete("Service", "svc-2"))
    assert set(values(ready).values()) == {None}
    assert ready.extract(1, "k8smeta.svc.uid") == ["svc-1", "svc-2"]
    assert ready.extract(1, "k8smeta.pod.name") == ["pod"]


def test_pod_update_changes_its_references(ready: FalcoHost) -> None:
    send(ready, events.pod(POD, refs=REFS), *owners())
    send(ready, events.pod(POD, refs={"Service": ["svc-2"]}, reason="Update"))
    assert values(ready) == {
        "ns.labels": None,
        "deployment.name": None,
        "rs.label[tier]": None,
        "rc.name": None,
        "svc.name": "(svc-b)",
        "svc.label[tier]": "(t)",
    }
