"""A pod's containers and security context: both decoding paths keep the same details."""

from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest

from k8smeta.collector.kube.containers import MAX_CONTAINERS
from k8smeta.collector.kube.decode import KindDecoder
from k8smeta.collector.kube.kinds import KINDS
from k8smeta.collector.kube.trim import trim
from k8smeta.collector.model import NO_DETAILS, Container, ContainerType, Kind, PodDetails
from k8smeta.collector.rpc.encode import EventEncoder
from k8smeta.plugin.core.payload import decode_payload
from k8smeta.plugin.feed import event_payload
from k8smeta.wire import metadata_pb2
from tests.kubeapi import objects

UID = "0f90f31c-ebeb-4192-a2b0-92e076c43817"
DIGEST = "sha256:" + "a" * 64


def rich_pod() -> dict[str, Any]:
    pod = objects.pod("web-0", "shop", uid=UID, ip="10.0.0.7")
    spec, status = pod["spec"], pod["status"]
    spec.update(serviceAccountName="web", hostNetwork=True, hostPID=False)
    spec["containers"][1]["securityContext"] = {"privileged": True, "runAsUser": 0}
    spec["initContainers"] = [{"name": "setup", "image": "busybox"}]
    spec["ephemeralContainers"] = [
        {"name": "debugger", "image": "nicolaka/netshoot:v0.13", "securityContext": {}}
    ]
    status["podIPs"] = [{"ip": "10.0.0.7"}, {"ip": "fd00::7"}]
    status["qosClass"] = "Guaranteed"
    status["initContainerStatuses"] = [
        {"name": "setup", "containerID": "cri-o://" + "1" * 64, "imageID": f"busybox@{DIGEST}"}
    ]
    # The ephemeral container has no status yet: no ID, no image ID.
    return pod


def typed(raw: dict[str, Any]) -> Any:
    line = orjson.dumps({"type": "ADDED", "object": raw})
    event = KindDecoder(KINDS[Kind.POD]).event(line)
    assert event.obj is not None
    return event.obj


def test_every_container_list_joined_with_its_status() -> None:
    app, sidecar = (objects.container_id(UID, n) for n in ("app", "sidecar"))
    image_id = "registry.example.com/team/app@sha256:" + "0" * 64
    expected = PodDetails(
        pod_ips=("10.0.0.7", "fd00::7"),
        service_account="web",
        host_network=True,
        host_pid=False,
        qos_class="Guaranteed",
        containers=(
            Container(
                ContainerType.CONTAINER,
                "app",
                "registry.example.com/team/app:1.2.3",
                None,
                f"containerd://{app}",
                image_id,
            ),
            Container(
                ContainerType.CONTAINER,
                "sidecar",
                "registry.example.com/team/sidecar:1.2.3",
                True,
                f"containerd://{sidecar}",
                image_id,
            ),
            Container(
                ContainerType.INIT,
                "setup",
                "busybox",
                None,
                "cri-o://" + "1" * 64,
                f"busybox@{DIGEST}",
            ),
            Container(ContainerType.EPHEMERAL, "debugger", "nicolaka/netshoot:v0.13"),
        ),
    )
    raw = rich_pod()
    assert typed(raw).details == expected
    assert trim(Kind.POD, raw).details == expected


def _odd(pod: dict[str, Any], change: str) -> None:
    spec, status = pod["spec"], pod["status"]
    if change == "privileged-string":
        spec["containers"][0]["securityContext"] = {"privileged": "yes"}
    elif change == "containers-not-a-list":
        spec["initContainers"] = {"name": "x"}
    elif change == "status-entry-not-an-object":
        status["containerStatuses"] = [3, *status["containerStatuses"]]
    elif change == "pod-ips-null":
        status["podIPs"] = None
    elif change == "host-network-number":
        spec["hostNetwork"] = 1
    elif change == "nameless-container":
        spec["containers"].append({"image": "nameless"})


@pytest.mark.parametrize(
    "change",
    [
        "privileged-string",
        "containers-not-a-list",
        "status-entry-not-an-object",
        "pod-ips-null",
        "host-network-number",
        "nameless-container",
    ],
)
def test_odd_detail_fields_never_cost_the_pod(change: str) -> None:
    raw = rich_pod()
    _odd(raw, change)
    got = typed(raw)
    assert got == trim(Kind.POD, copy.deepcopy(raw))
    assert got.meta.name == "web-0"
    assert len(got.details.containers) >= 3


def test_a_pod_without_details_shares_the_empty_value() -> None:
    raw = {"metadata": {"uid": "u", "name": "p"}, "spec": {"nodeName": "n"}, "status": {}}
    assert typed(raw).details is NO_DETAILS
    assert trim(Kind.POD, raw).details is NO_DETAILS


def test_containers_are_bounded() -> None:
    raw = rich_pod()
    raw["spec"]["containers"] = [{"name": f"c{i}", "image": "i"} for i in range(MAX_CONTAINERS + 5)]
    assert len(typed(raw).details.containers) == MAX_CONTAINERS
    assert len(trim(Kind.POD, raw).details.containers) == MAX_CONTAINERS


def test_a_container_restart_changes_the_pod() -> None:
    before = typed(rich_pod())
    raw = rich_pod()
    raw["status"]["containerStatuses"][0]["containerID"] = "containerd://" + "e" * 64
    assert not typed(raw).same_content(before)
    assert typed(rich_pod()).same_content(before)


def test_what_is_kept_the_plugin_accepts() -> None:
    """A string over the plugin's 64 KiB limit is kept as absent, not served to be refused
    (with the whole pod) by the plugin."""
    raw = rich_pod()
    raw["spec"]["containers"][0]["image"] = "r/" + "x" * 70_000
    raw["spec"]["serviceAccountName"] = "é" * 20_000  # 40,000 bytes: kept
    obj = typed(raw)
    assert obj == trim(Kind.POD, raw)
    assert obj.details.containers[0].image == ""
    assert obj.details.service_account == "é" * 20_000
    body = EventEncoder().detailed_body(obj, None)
    assert body is not None
    event = metadata_pb2.Event.FromString(body)
    event.reason = "Create"
    payload = decode_payload(event_payload(event))
    assert payload.details is not None
    assert payload.details.containers[0].image == ""
