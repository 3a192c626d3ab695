"""Generated pods whose details cover every case the decoders join (a seeded, fixed set).

Containers in every list, statuses missing, reordered, duplicated or naming no container,
strings the plugin refuses (a NUL, the text `\\u0000`, over 64 KiB), pod IPs equal to
`podIP` or not, fields of the wrong JSON type (the general path), and pods with no details.
`pod_details_golden.json` holds the digests of what the collector serves of each.
"""

from __future__ import annotations

import copy
import random
from typing import Any

from tests.kubeapi import objects

Obj = dict[str, Any]
SEED = 16
COUNT = 120
_RS = objects.replica_set("web-7d4b9", "shop", uid="0d7c6a8e-1b2c-4d5e-8f90-a1b2c3d4e5f6")
_ODD_TEXT = ("a\0b", "x\\u0000y", "r/" + "x" * 70_000, "é" * 20_000, "", "busybox")


def _name(rng: random.Random) -> str:
    return rng.choice(["app", "sidecar", "init", "proxy", "debug", "a\0b", "x\\u0000y", ""])


def _container(rng: random.Random) -> Obj:
    entry: Obj = {"name": _name(rng)}
    roll = rng.random()
    if roll < 0.8:
        entry["image"] = rng.choice(["registry.example.com/team/app:1.2.3", *_ODD_TEXT])
    if rng.random() < 0.4:
        entry["securityContext"] = rng.choice(
            [{"privileged": True}, {"privileged": False}, {}, {"runAsUser": 0}]
        )
    if rng.random() < 0.05:
        del entry["name"]
    return entry


def _status(rng: random.Random, name: str) -> Obj:
    entry: Obj = {"name": name, "ready": True, "restartCount": rng.randrange(3)}
    if rng.random() < 0.8:
        entry["containerID"] = "containerd://" + f"{rng.getrandbits(256):064x}"
    if rng.random() < 0.8:
        entry["imageID"] = rng.choice(
            ["registry.example.com/team/app@sha256:" + "0" * 64, "", "i\0d", "x" * 70_000]
        )
    return entry


def _lists(rng: random.Random, pod: Obj, spec_key: str, status_key: str) -> None:
    count = rng.choice([0, 0, 1, 2, 2, 3, 5])
    if spec_key != "containers" and rng.random() < 0.6:
        count = 0
    specs = [_container(rng) for _ in range(count)]
    if count or rng.random() < 0.1:
        pod["spec"][spec_key] = specs
    else:
        pod["spec"].pop(spec_key, None)
    names = [str(entry.get("name", "")) for entry in specs]
    statuses = [_status(rng, name) for name in names if rng.random() < 0.85]
    if rng.random() < 0.3:
        rng.shuffle(statuses)
    if statuses and rng.random() < 0.15:
        statuses.append(copy.deepcopy(statuses[0]) | {"containerID": "cri-o://" + "2" * 64})
    if rng.random() < 0.1:
        statuses.append(_status(rng, "no-such-container"))
    if statuses:
        pod["status"][status_key] = statuses
    else:
        pod["status"].pop(status_key, None)


def _context(rng: random.Random, pod: Obj, ip: str) -> None:
    spec, status = pod["spec"], pod["status"]
    if rng.random() < 0.3:
        spec.pop("serviceAccountName", None)
    elif rng.random() < 0.2:
        spec["serviceAccountName"] = rng.choice(_ODD_TEXT)
    for key in ("hostNetwork", "hostPID"):
        if rng.random() < 0.3:
            spec[key] = rng.random() < 0.5
    if rng.random() < 0.3:
        status.pop("qosClass", None)
    status["podIPs"] = rng.choice(
        [[{"ip": ip}], [{"ip": ip}, {"ip": "fd00::7"}], [], [{}], [{"ip": ""}], [{"ip": "a\0"}]]
    )
    if rng.random() < 0.2:
        del status["podIPs"]


def _odd_types(rng: random.Random, pod: Obj) -> None:
    """A field of the wrong JSON type: the typed decoder refuses the pod, the general path
    reads the field as absent."""
    spec, status = pod["spec"], pod["status"]
    choice = rng.randrange(5)
    if choice == 0 and spec.get("containers"):
        spec["containers"][0]["securityContext"] = {"privileged": "yes"}
    elif choice == 1:
        status["containerStatuses"] = [3, *status.get("containerStatuses", [])]
    elif choice == 2:
        spec["hostNetwork"] = 1
    elif choice == 3:
        status["podIPs"] = None
    else:
        spec["initContainers"] = {"name": "x"}


def pods() -> list[Obj]:
    """COUNT pods, the same on every run."""
    rng = random.Random(SEED)
    out = []
    for number in range(COUNT):
        uid = f"{number:08x}-5e1f-4c2d-9a0b-d37a1c0ffee0"
        ip = f"10.1.{number // 256}.{number % 256}"
        pod = objects.pod(f"web-7d4b9-{number:03d}", "shop", owner=_RS, uid=uid, ip=ip)
        pod["status"].pop("containerStatuses", None)
        for spec_key, status_key in (
            ("containers", "containerStatuses"),
            ("initContainers", "initContainerStatuses"),
            ("ephemeralContainers", "ephemeralContainerStatuses"),
        ):
            _lists(rng, pod, spec_key, status_key)
        _context(rng, pod, ip)
        if rng.random() < 0.1:
            _odd_types(rng, pod)
        if rng.random() < 0.05:
            del pod["status"]
        if rng.random() < 0.05:
            pod["spec"] = {"nodeName": "node-a"}
        out.append(pod)
    out.append(_many_containers())
    return out


def _many_containers() -> Obj:
    """Over the 4,096 containers kept; statuses in reverse order."""
    pod = objects.pod("many", "shop", uid="ffffffff-5e1f-4c2d-9a0b-d37a1c0ffee0")
    names = [f"c{i}" for i in range(4_100)]
    pod["spec"]["containers"] = [{"name": name, "image": "i"} for name in names]
    pod["status"]["containerStatuses"] = [
        {"name": name, "containerID": f"containerd://{i:064x}"} for i, name in enumerate(names)
    ][::-1]
    return pod
