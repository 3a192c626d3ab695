"""Live changes in the API reach the plugin's fields: pod created, labels changed, service
added, namespace deleted - while the event thread extracts between every delivery."""

from __future__ import annotations

from typing import Any

import pytest

from tests.interop.event_thread import View
from tests.interop.stack import collector_over, plugin_events
from tests.kubeapi import objects
from tests.kubeapi.standin import KubeApiStandIn

POD_A, POD_NEW, POD_TMP = (
    "0a0a0a0a-0000-4000-8000-00000000000a",
    "0b0b0b0b-0000-4000-8000-00000000000b",
    "0c0c0c0c-0000-4000-8000-00000000000c",
)
A, NEW, TMP = 101, 102, 103
NONE: View = {"k8smeta.pod.name": None, "k8smeta.ns.name": None, "k8smeta.svc.name": None}


def seed(api: KubeApiStandIn) -> list[dict[str, Any]]:
    shop = objects.namespace("shop", labels={"team": "store"}, uid="ns-shop")
    web = objects.deployment("web", "shop", uid="dep-web")
    rs = objects.replica_set("web-1", "shop", owner=web, uid="rs-web-1")
    tmp = objects.namespace("tmp", uid="ns-tmp")
    added = [
        api.add(obj)
        for obj in (
            shop,
            web,
            rs,
            objects.pod("web-1-a", "shop", owner=rs, labels={"app": "web"}, uid=POD_A),
            objects.service("web", "shop", selector={"app": "web"}, uid="svc-1"),
            tmp,
            objects.pod("tmp-1", "tmp", labels={"app": "tmp"}, uid=POD_TMP),
        )
    ]
    return [*added, rs]


@pytest.mark.asyncio
async def test_live_changes_reach_the_fields() -> None:
    async with KubeApiStandIn() as api:
        seeded = seed(api)
        async with collector_over(api) as collector, plugin_events(collector.grpc_port) as ev:
            ev.know(seeded)
            for tid, uid in ((A, POD_A), (NEW, POD_NEW), (TMP, POD_TMP)):
                ev.spawn(tid, uid)
            await ev.until_fields({
                A: {"k8smeta.pod.name": "web-1-a", "k8smeta.deployment.name": "web",
                    "k8smeta.rs.name": "web-1", "k8smeta.svc.name": "web",
                    "k8smeta.ns.labels": "team:store,kubernetes.io/metadata.name:shop"},
                NEW: NONE,
                TMP: {"k8smeta.pod.name": "tmp-1", "k8smeta.ns.name": "tmp"},
            })  # fmt: skip

            # a pod is created: the process already running in it gets its fields
            new = objects.pod("api-0", "shop", labels={"app": "api"}, uid=POD_NEW)
            ev.know([api.add(new)])
            await ev.until_fields({
                NEW: {"k8smeta.pod.name": "api-0", "k8smeta.pod.label[app]": "api",
                      "k8smeta.svc.name": None, "k8smeta.rs.name": None},
            })  # fmt: skip

            # its labels change: label values update and the web Service now selects it
            def relabel(pod: dict[str, Any]) -> None:
                pod["metadata"]["labels"] = {"app": "web", "tier": "api"}

            ev.know([api.update("Pod", "shop", "api-0", relabel)])
            await ev.until_fields({
                NEW: {"k8smeta.pod.label[app]": "web", "k8smeta.pod.labels": "tier:api,app:web",
                      "k8smeta.svc.name": "web", "k8smeta.svc.uid": "svc-1"},
            })  # fmt: skip

            # a Service is added that selects the web pods: svc.* of both pods update
            extra = objects.service("web-extra", "shop", selector={"app": "web"}, uid="svc-2")
            ev.know([api.add(extra)])
            both: View = {"k8smeta.svc.name": "web,web-extra", "k8smeta.svc.uid": "svc-1,svc-2"}
            await ev.until_fields({A: both, NEW: both})

            # a namespace is deleted: its pod's record goes (the collector sends Deletes)
            api.delete("Namespace", "", "tmp")
            held = {
                "pod": 2, "namespace": 1, "deployment": 1, "replicaset": 1,
                "replicationcontroller": 0, "daemonset": 0, "service": 2,
                "statefulset": 0, "job": 0, "cronjob": 0, "node": 0,
            }  # fmt: skip
            await ev.until(lambda views: ev.resources() == held)
            views = await ev.until_fields({TMP: NONE})
            assert views[A]["k8smeta.pod.name"] == "web-1-a"
            assert ev.host.metrics()["parse_errors"] == 0
            assert ev.extractions > 0
