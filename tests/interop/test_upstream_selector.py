"""An upstream plugin's selector (misspelt `ReplicaController`, no DaemonSet, no `Sync`)
gets ReplicationController objects from our collector, so its rc.* fields work."""

from __future__ import annotations

import asyncio
import json

import grpc
import orjson
import pytest

from k8smeta.wire import metadata_pb2, metadata_pb2_grpc
from tests.interop.stack import NODE, ROOT, TIMEOUT, collector_over
from tests.kubeapi.standin import KubeApiStandIn

UPSTREAM_KINDS = ("Pod", "Namespace", "Deployment", "Service", "ReplicaSet", "ReplicaController")
ITEMS = orjson.loads((ROOT / "examples" / "cluster.json").read_bytes())["items"]
UIDS = {(i["kind"], i["metadata"]["name"]): i["metadata"]["uid"] for i in ITEMS}
# node-a's view (see tests/demo/test_parts.py) without the kinds upstream does not select
NODE_A_UPSTREAM = {
    ("Namespace", "shop"), ("Namespace", "default"), ("Namespace", "kube-system"),
    ("Deployment", "frontend"), ("Deployment", "cart"),
    ("ReplicaSet", "frontend-6d4cf56db6"), ("ReplicaSet", "cart-7c9d8f6b5"),
    ("ReplicationController", "legacy-nginx"),
    ("Service", "frontend"), ("Service", "web"), ("Service", "cart"), ("Service", "redis"),
    ("Service", "legacy-nginx"),
    ("Pod", "frontend-6d4cf56db6-k7xqz"), ("Pod", "cart-7c9d8f6b5-qp4lw"), ("Pod", "redis-0"),
    ("Pod", "db-migrate-x7k2p"), ("Pod", "legacy-nginx-h5d2c"), ("Pod", "kube-proxy-4xj9p"),
    ("Pod", "fluent-bit-b7k2m"), ("Pod", "nightly-report-29410560-q8wz2"),
}  # fmt: skip


@pytest.mark.asyncio
async def test_upstream_selector_receives_replication_controllers() -> None:
    async with KubeApiStandIn() as api:
        api.load_file(ROOT / "examples" / "cluster.json")
        async with collector_over(api) as collector:
            channel = grpc.aio.insecure_channel(f"127.0.0.1:{collector.grpc_port}")
            stub = metadata_pb2_grpc.MetadataStub(channel)
            selector = metadata_pb2.Selector(
                nodeName=NODE, resourceKinds=dict.fromkeys(UPSTREAM_KINDS, "true")
            )
            call = stub.Watch(selector)
            events: list[metadata_pb2.Event] = []
            try:
                for _ in range(len(NODE_A_UPSTREAM)):
                    event = await asyncio.wait_for(call.read(), TIMEOUT)
                    assert isinstance(event, metadata_pb2.Event), f"stream ended after {events}"
                    events.append(event)
            finally:
                call.cancel()
                await channel.close(None)
    received = set()
    for event in events:
        assert event.reason == "Create"
        received.add((event.kind, json.loads(event.meta)["name"]))
    assert received == NODE_A_UPSTREAM
    rc_uid = UIDS["ReplicationController", "legacy-nginx"]
    (pod,) = [e for e in events if e.uid == UIDS["Pod", "legacy-nginx-h5d2c"]]
    assert list(pod.refs.resources["ReplicationController"].list) == [rc_uid]
