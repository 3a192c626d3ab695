"""The container and security-context fields on every host: the container ID from the
thread's cgroups (every runtime and driver layout), stored once per thread, and the
values of the pod's details (docs/plugin-contract.md, "Container and security-context
fields")."""

from __future__ import annotations

import hashlib

import orjson
import pytest

from k8smeta.wire import metadata_pb2
from tests.host.base import CLONE_X, EXECVE_X, FalcoHost, rendered
from tests.plugin.behaviour.cluster import CLUSTER, POD_WEB, send

WEB_ = POD_WEB.replace("-", "_")


def cid(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


APP, SIDECAR, SETUP, DEBUG = cid("app"), cid("sidecar"), cid("setup"), cid("debug")
DIGEST = "sha256:" + "ab" * 32


def detailed_web(app_id: str = APP) -> metadata_pb2.Event:
    """pod-web as our collector sends it to a selector with k8smeta/pod-details."""
    spec = {
        "containers": [
            {"image": "docker.io/library/nginx:1.27", "name": "app"},
            {
                "image": "registry.example.com:5000/team/proxy@" + DIGEST,
                "name": "sidecar",
                "securityContext": {"privileged": True},
            },
        ],
        "ephemeralContainers": [{"image": "busybox", "name": "debug"}],
        "hostNetwork": True,
        "initContainers": [
            {"image": "alpine:3.20", "name": "setup", "securityContext": {"privileged": False}}
        ],
        "serviceAccountName": "web",
    }
    status = {
        "containerStatuses": [
            {
                "containerID": f"containerd://{app_id}",
                "imageID": f"docker.io/library/nginx@{DIGEST}",
                "name": "app",
            },
            {"containerID": f"cri-o://{SIDECAR}", "name": "sidecar"},
        ],
        "ephemeralContainerStatuses": [{"containerID": f"docker://{DEBUG}", "name": "debug"}],
        "initContainerStatuses": [{"containerID": f"containerd://{SETUP}", "name": "setup"}],
        "podIP": "10.0.0.7",
        "podIPs": [{"ip": "10.0.0.7"}, {"ip": "fd00::7"}],
        "qosClass": "Burstable",
    }
    base = next(e for e in CLUSTER if e.uid == POD_WEB)
    message = metadata_pb2.Event()
    message.CopyFrom(base)
    message.spec = orjson.dumps(spec, option=orjson.OPT_SORT_KEYS).decode()
    message.status = orjson.dumps(status, option=orjson.OPT_SORT_KEYS).decode()
    return message


#: One thread per layout: (tid, cgroups as libsinsp receives them, container ID).
LAYOUTS = [
    (
        21,
        [
            "cpu=/kubepods.slice/kubepods-burstable.slice/"
            f"kubepods-burstable-pod{WEB_}.slice/cri-containerd-{APP}.scope"
        ],
        APP,
    ),
    (22, [f"cpuset=/kubepods/burstable/pod{POD_WEB}/{APP}"], APP),
    (23, [f"unified=/kubepods.slice/kubepods-pod{WEB_}.slice/crio-{SIDECAR}.scope"], SIDECAR),
    (24, [f"cpu=/kubepods/pod{POD_WEB}/crio-{SIDECAR}"], SIDECAR),
    (25, [f"unified=/kubepods.slice/kubepods-pod{WEB_}.slice/docker-{DEBUG}.scope"], DEBUG),
    (26, [f"memory=/kubepods/besteffort/pod{POD_WEB}/{SETUP}"], SETUP),
]


@pytest.fixture
def detailed(ready: FalcoHost) -> FalcoHost:
    send(ready, *CLUSTER, detailed_web())
    for tid, cgroups, _ in LAYOUTS:
        assert ready.process_event(EXECVE_X, tid, 0, cgroups)
    return ready


@pytest.mark.parametrize(("tid", "cgroups", "expected"), LAYOUTS)
def test_the_container_id_is_stored_with_the_pod_uid(
    detailed: FalcoHost, tid: int, cgroups: list[str], expected: str
) -> None:
    assert (detailed.pod_uid(tid), detailed.container_id(tid)) == (POD_WEB, expected)
    assert rendered(detailed, tid, "k8smeta.container.full_id") == expected
    assert rendered(detailed, tid, "k8smeta.container.id") == expected[:12]


CONTAINER_CASES = [
    (21, "k8smeta.container.name", "app"),
    (21, "k8smeta.container.image", "docker.io/library/nginx:1.27"),
    (21, "k8smeta.container.image.repository", "docker.io/library/nginx"),
    (21, "k8smeta.container.image.tag", "1.27"),
    (21, "k8smeta.container.image.digest", DIGEST),
    (21, "k8smeta.container.type", "container"),
    (21, "k8smeta.container.privileged", None),
    (23, "k8smeta.container.name", "sidecar"),
    (23, "k8smeta.container.image.repository", "registry.example.com:5000/team/proxy"),
    (23, "k8smeta.container.image.tag", None),
    (23, "k8smeta.container.image.digest", DIGEST),
    (23, "k8smeta.container.privileged", "true"),
    (25, "k8smeta.container.type", "ephemeral"),
    (25, "k8smeta.container.image.tag", None),
    (25, "k8smeta.container.image.digest", None),
    (26, "k8smeta.container.type", "init"),
    (26, "k8smeta.container.privileged", "false"),
    (26, "k8smeta.container.image.tag", "3.20"),
    (21, "k8smeta.pod.ips", "(10.0.0.7,fd00::7)"),
    (21, "k8smeta.pod.ip", "10.0.0.7"),
    (21, "k8smeta.pod.serviceaccount", "web"),
    (21, "k8smeta.pod.hostnetwork", "true"),
    (21, "k8smeta.pod.hostpid", "false"),
    (21, "k8smeta.pod.qos", "Burstable"),
    (21, "k8smeta.pod.name", "pod-web"),
]


@pytest.mark.parametrize(("tid", "field", "expected"), CONTAINER_CASES)
def test_container_and_pod_values(
    detailed: FalcoHost, tid: int, field: str, expected: str | None
) -> None:
    assert rendered(detailed, tid, field) == expected


def test_containers_of_one_pod_are_told_apart_in_one_event(detailed: FalcoHost) -> None:
    """Same pod, same field, same store generation: each thread gets its own container."""
    names = [rendered(detailed, tid, "k8smeta.container.name") for tid, _, _ in LAYOUTS]
    assert names == ["app", "app", "sidecar", "sidecar", "debug", "setup"]
    again = [rendered(detailed, tid, "k8smeta.container.name") for tid, _, _ in LAYOUTS]
    assert again == names


def test_unknown_and_missing_container_ids_are_counted(detailed: FalcoHost) -> None:
    assert detailed.process_event(EXECVE_X, 31, 0, [f"cpu=/kubepods/pod{POD_WEB}/{cid('new')}"])
    assert detailed.process_event(EXECVE_X, 32, 0, [f"cpu=/kubepods/pod{POD_WEB}"])
    before = detailed.metrics()
    for _ in range(2):  # the second answers may come from a cache: still counted
        assert detailed.extract(31, "k8smeta.container.name") is None
        assert detailed.extract(32, "k8smeta.container.name") is None
        assert rendered(detailed, 31, "k8smeta.pod.name") == "pod-web"
    after = detailed.metrics()
    assert after["extract_unknown_container"] - before["extract_unknown_container"] == 2
    assert after["extract_no_container_id"] - before["extract_no_container_id"] == 2
    assert detailed.container_id(32) == ""


def test_a_restart_is_a_pod_update(detailed: FalcoHost) -> None:
    restarted = cid("app-restarted")
    update = detailed_web(restarted)
    update.reason = "Update"
    send(detailed, update)
    assert detailed.extract(21, "k8smeta.container.name") is None  # the old container
    new = [f"cpu=/kubepods/burstable/pod{POD_WEB}/{restarted}"]
    assert detailed.process_event(EXECVE_X, 41, 0, new)
    assert rendered(detailed, 41, "k8smeta.container.name") == "app"
    assert rendered(detailed, 41, "k8smeta.container.id") == restarted[:12]


def test_a_child_is_tagged_by_its_own_clone_event(detailed: FalcoHost) -> None:
    cgroups = LAYOUTS[2][1]
    assert detailed.process_event(CLONE_X, 23, 51, cgroups)  # parent side
    assert detailed.process_event(CLONE_X, 51, 0, cgroups)  # child side
    assert detailed.container_id(51) == SIDECAR
    assert rendered(detailed, 51, "k8smeta.container.name") == "sidecar"


def test_without_details_every_new_field_is_empty(ready: FalcoHost) -> None:
    """The upstream collector (or no opt-in): pods come without spec."""
    send(ready, *CLUSTER)
    assert ready.process_event(EXECVE_X, 61, 0, LAYOUTS[0][1])
    for field in ("k8smeta.pod.ips", "k8smeta.pod.hostnetwork", "k8smeta.pod.qos"):
        assert ready.extract(61, field) is None
    before = ready.metrics()["extract_unknown_container"]
    assert ready.extract(61, "k8smeta.container.name") is None
    assert ready.metrics()["extract_unknown_container"] == before + 1
    assert rendered(ready, 61, "k8smeta.pod.name") == "pod-web"


def test_a_thread_outside_any_pod_keeps_no_container(detailed: FalcoHost) -> None:
    assert detailed.process_event(EXECVE_X, 71, 0, [f"cpu=/docker/{APP}"])
    assert detailed.container_id(71) == ""
    assert detailed.extract(71, "k8smeta.container.name") is None
