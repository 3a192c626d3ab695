"""The collector restarts mid-stream: the plugin keeps serving what it has, reconnects with
backoff, receives the new snapshot and its `Sync`, and sweeps what was deleted meanwhile -
while the event thread extracts the whole time."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from tests.interop.event_thread import View, Views
from tests.interop.stack import collector_over, plugin_events
from tests.kubeapi import objects
from tests.kubeapi.standin import KubeApiStandIn

STAYS, GOES = "1a1a1a1a-0000-4000-8000-00000000001a", "2b2b2b2b-0000-4000-8000-00000000002b"
A, B = 201, 202


def seed(api: KubeApiStandIn) -> list[dict[str, Any]]:
    return [
        api.add(obj)
        for obj in (
            objects.namespace("shop", uid="ns-shop"),
            objects.replication_controller("legacy", "shop", uid="rc-legacy"),
            objects.pod("stays", "shop", labels={"app": "web", "tier": "a"}, uid=STAYS),
            objects.pod("goes", "shop", labels={"app": "web", "tier": "b"}, uid=GOES),
            objects.service("web", "shop", selector={"app": "web"}, uid="svc-1"),
            objects.service("tier-a", "shop", selector={"tier": "a"}, uid="svc-2"),
        )
    ]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_restart_reconnects_and_sweeps_what_was_deleted_meanwhile() -> None:
    async with KubeApiStandIn() as api:
        seeded = seed(api)
        first = contextlib.AsyncExitStack()
        collector = await first.enter_async_context(collector_over(api))
        port = collector.grpc_port
        async with plugin_events(port) as ev:
            ev.know(seeded)
            ev.spawn(A, STAYS)
            ev.spawn(B, GOES)
            before: dict[int, View] = {
                A: {"k8smeta.pod.name": "stays", "k8smeta.svc.name": "web,tier-a"},
                B: {"k8smeta.pod.name": "goes", "k8smeta.svc.name": "web"},
            }
            await ev.until_fields(before)
            assert ev.resources()["service"] == 2

            await first.aclose()  # every stream ends with UNAVAILABLE
            api.delete("Pod", "shop", "goes")
            api.delete("Service", "shop", "tier-a")
            down = await ev.until_fields(before)  # no collector: the last state is served
            assert ev.host.metrics()["reconnects"] == 0

            held = {
                "pod": 1, "namespace": 1, "deployment": 0, "replicaset": 0,
                "replicationcontroller": 0, "daemonset": 0, "service": 1,
                "statefulset": 0, "job": 0, "cronjob": 0, "node": 0,
            }  # fmt: skip
            async with collector_over(api, port):

                def resynced(views: Views) -> bool:
                    return (
                        views[A]["k8smeta.svc.name"] == "web"
                        and views[B]["k8smeta.pod.name"] is None
                        and ev.resources() == held  # no stale record left
                    )

                after = await ev.until(resynced, timeout=15.0)
            metrics = ev.host.metrics()
            assert metrics["reconnects"] >= 1
            assert set(after[B].values()) == {None}
            assert after[A]["k8smeta.pod.name"] == "stays"
            assert down[B]["k8smeta.pod.name"] == "goes"
            assert metrics["parse_errors"] == 0
