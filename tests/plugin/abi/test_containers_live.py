"""The container and security-context fields end to end: the Kubernetes API stand-in ->
our collector (pod details to the plugin's k8smeta/pod-details opt-in) -> libk8smeta.so in
the Falco stand-in, with a container restart; and `k8smeta watch --explain` against the
same collector."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
from collections.abc import Iterator

import pytest

from k8smeta.falcosim import Host
from k8smeta.tools import watch
from tests.interop.event_thread import EXECVE_X, EventThread
from tests.interop.stack import NODE, TIMEOUT, collector_over, library
from tests.kubeapi import objects
from tests.kubeapi.standin import KubeApiStandIn

POD = "0a0a0a0a-0000-4000-8000-00000000000a"
APP, SIDECAR = (objects.container_id(POD, name) for name in ("app", "sidecar"))
RESTARTED = "d" * 64
FIELDS = (
    "k8smeta.pod.name",
    "k8smeta.container.id",
    "k8smeta.container.name",
    "k8smeta.container.image",
    "k8smeta.container.image.repository",
    "k8smeta.container.image.tag",
    "k8smeta.container.image.digest",
    "k8smeta.container.type",
    "k8smeta.container.privileged",
    "k8smeta.pod.ips",
    "k8smeta.pod.serviceaccount",
    "k8smeta.pod.hostnetwork",
    "k8smeta.pod.qos",
)
DIGEST = "sha256:" + "0" * 64
WORDS = {
    "app", "sidecar", "container", "true", "false", "default", "Burstable", "10.16.0.10",
    "registry.example.com/team/app:1.2.3", "registry.example.com/team/sidecar:1.2.3",
    "registry.example.com/team/app", "registry.example.com/team/sidecar", "1.2.3", DIGEST,
    APP[:12], SIDECAR[:12],
}  # fmt: skip


def systemd_v2(container: str) -> list[str]:
    pod = POD.replace("-", "_")
    path = f"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{pod}.slice"
    return [f"unified={path}/cri-containerd-{container}.scope"]


def cgroupfs_v1(container: str) -> list[str]:
    return [f"{c}=/kubepods/burstable/pod{POD}/{container}" for c in ("cpu", "memory")]


def privileged_sidecar(obj: objects.Obj) -> None:
    obj["spec"]["containers"][1]["securityContext"] = {"privileged": True}


def restart_app(obj: objects.Obj) -> None:
    obj["status"]["containerStatuses"][0]["containerID"] = f"containerd://{RESTARTED}"


@contextlib.contextmanager
def plugin(port: int) -> Iterator[Host]:
    host = Host(library())
    config = {"collectorHostname": "127.0.0.1", "collectorPort": port, "nodeName": NODE}
    try:
        assert host.init(json.dumps(config)) is None
        assert host.set_async_handler(True) == 0
        yield host
    finally:
        host.destroy()


@pytest.mark.asyncio
async def test_containers_reach_the_fields_and_explain() -> None:
    async with KubeApiStandIn() as api:
        seeded = [
            api.add(objects.namespace("shop", uid="ns-shop")),
            api.add(objects.pod("web-0", "shop", uid=POD)),
        ]
        async with collector_over(api) as running:
            port = running.grpc_port
            with plugin(port) as host:
                ev = EventThread(host, FIELDS)
                ev.know(seeded)
                ev.vocabulary |= WORDS | {RESTARTED[:12]}
                for tid, cgroups in ((301, systemd_v2(APP)), (302, cgroupfs_v1(SIDECAR))):
                    assert host.process_event(EXECVE_X, tid, 0, cgroups)
                    ev.tids.append(tid)
                pod = {"k8smeta.pod.name": "web-0", "k8smeta.pod.ips": "10.16.0.10",
                       "k8smeta.pod.serviceaccount": "default", "k8smeta.pod.qos": "Burstable",
                       "k8smeta.pod.hostnetwork": "false"}  # fmt: skip
                await ev.until_fields({
                    301: {"k8smeta.container.id": APP[:12], "k8smeta.container.name": "app",
                          "k8smeta.container.image": "registry.example.com/team/app:1.2.3",
                          "k8smeta.container.image.repository": "registry.example.com/team/app",
                          "k8smeta.container.image.tag": "1.2.3",
                          "k8smeta.container.image.digest": DIGEST,
                          "k8smeta.container.type": "container",
                          "k8smeta.container.privileged": None, **pod},
                    302: {"k8smeta.container.name": "sidecar", **pod},
                })  # fmt: skip
                api.update("Pod", "shop", "web-0", privileged_sidecar)
                await ev.until_fields({302: {"k8smeta.container.privileged": "true"}})
                # The app container restarts: its old threads lose the container, a thread
                # of the new one finds it.
                api.update("Pod", "shop", "web-0", restart_app)
                assert host.process_event(EXECVE_X, 303, 0, cgroupfs_v1(RESTARTED))
                ev.tids.append(303)
                await ev.until_fields({
                    301: {"k8smeta.container.name": None, "k8smeta.pod.name": "web-0"},
                    303: {"k8smeta.container.name": "app",
                          "k8smeta.container.id": RESTARTED[:12]},
                })  # fmt: skip
                before = host.metrics()["extract_unknown_container"]
                host.extract(301, "k8smeta.container.name")
                assert host.metrics()["extract_unknown_container"] == before + 1
            options = watch.WatchOptions(
                target=f"127.0.0.1:{port}",
                node=NODE,
                kinds=watch.PLUGIN_KINDS,
                sync=True,
                count=None,
                timeout=TIMEOUT,
                explain=POD,
            )
            out = io.StringIO()
            assert await asyncio.to_thread(watch.run, options, out) == 0
    lines = out.getvalue().splitlines()
    assert any(line.startswith(f"containers: {RESTARTED[:12]} app (container)") for line in lines)
    assert f"  k8smeta.container.privileged{{{SIDECAR[:12]}}} = true" in lines
    assert "  k8smeta.pod.qos = Burstable" in lines
