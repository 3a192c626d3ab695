"""The example cluster served by the API stand-in: what node-a's plugin holds and extracts."""

from __future__ import annotations

import orjson
import pytest

from tests.interop.event_thread import Views
from tests.interop.stack import ROOT, collector_over, plugin_events
from tests.kubeapi.standin import KubeApiStandIn

CLUSTER = ROOT / "examples" / "cluster.json"
ITEMS = orjson.loads(CLUSTER.read_bytes())["items"]
UID = {f"{i['metadata'].get('namespace', '')}/{i['metadata']['name']}": i["metadata"]["uid"]
       for i in ITEMS if i["kind"] == "Pod"}  # fmt: skip
NODE_A_HOLDS = {
    "pod": 8,
    "namespace": 3,
    "deployment": 2,
    "replicaset": 2,
    "replicationcontroller": 1,
    "daemonset": 2,
    "service": 5,
    "statefulset": 1,
    "job": 2,
    "cronjob": 1,
    "node": 1,
}
# (pod, pod.name, deployment.name, rs.name, rc.name, svc.name, ns.labels) per pod of node-a
ROWS = [
    ("shop/frontend-6d4cf56db6-k7xqz", "frontend", "frontend-6d4cf56db6", None, "web,frontend"),
    ("shop/cart-7c9d8f6b5-qp4lw", "cart", "cart-7c9d8f6b5", None, "cart"),
    ("shop/redis-0", None, None, None, "redis"),
    ("shop/db-migrate-x7k2p", None, None, None, None),
    ("default/legacy-nginx-h5d2c", None, None, "legacy-nginx", "legacy-nginx"),
    ("kube-system/kube-proxy-4xj9p", None, None, None, None),
    ("shop/nightly-report-29410560-q8wz2", None, None, None, None),
]
ELSEWHERE = ["shop/frontend-6d4cf56db6-m2vbn", "shop/cart-7c9d8f6b5-zz9rt",
             "monitoring/prometheus-84b9d7c6f-lx2sd"]  # fmt: skip


@pytest.mark.asyncio
async def test_node_a_extracts_the_example_cluster() -> None:
    async with KubeApiStandIn() as api:
        assert api.load_file(CLUSTER) == len(ITEMS)
        async with collector_over(api) as collector, plugin_events(collector.grpc_port) as ev:
            ev.know(ITEMS)
            for tid, (pod, *_) in enumerate(ROWS + [(p,) for p in ELSEWHERE], start=100):
                ev.spawn(tid, UID[pod])
            expected = {
                100 + n: {
                    "k8smeta.pod.name": pod.split("/")[1],
                    "k8smeta.ns.name": pod.split("/")[0],
                    "k8smeta.deployment.name": deployment,
                    "k8smeta.rs.name": rs,
                    "k8smeta.rc.name": rc,
                    "k8smeta.svc.name": svc,
                }
                for n, (pod, deployment, rs, rc, svc) in enumerate(ROWS)
            }

            def synced(views: Views) -> bool:
                return ev.resources() == NODE_A_HOLDS

            await ev.until(synced)
            views = await ev.until_fields(expected)
            for tid in range(100 + len(ROWS), 100 + len(ROWS) + len(ELSEWHERE)):
                assert set(views[tid].values()) == {None}, "pods of node-b or of no node"
            assert views[100]["k8smeta.ns.labels"] == (
                "team:storefront,pod-security.kubernetes.io/enforce:baseline,"
                "kubernetes.io/metadata.name:shop,app.kubernetes.io/part-of:webshop"
            )
            assert views[100]["k8smeta.svc.uid"] == (
                "419190ae-e123-5ff7-9ff0-60363a8768c8,f0a7fb0c-daac-5d46-99ea-bc893a26bf58"
            )
            assert ev.host.metrics()["async_events_received"] == sum(NODE_A_HOLDS.values())
