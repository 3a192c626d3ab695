"""KubeSource over every kind, and the snapshot source fed the same objects."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from kubernetes_asyncio.client import ApiClient

from k8smeta.collector.kube.snapshot import SnapshotSource
from k8smeta.collector.kube.source import KubeSource
from k8smeta.collector.model import BatchQueue, Kind, KubeObject
from k8smeta.collector.ops.metrics import CollectorMetrics
from tests.collector.kube.cluster import populate
from tests.collector.kube.conftest import FAST, next_batch
from tests.collector.kube.running import running
from tests.kubeapi.standin import KubeApiStandIn


def without_version(obj: KubeObject) -> tuple[object, ...]:
    m = obj.meta
    return (
        obj.kind,
        m.uid,
        m.name,
        m.namespace,
        m.generate_name,
        dict(m.labels),
        m.owner_references,
        obj.node_name,
        obj.pod_ip,
        obj.selector,
    )


@pytest.mark.asyncio
async def test_every_kind_syncs_once_into_one_queue(
    api: KubeApiStandIn,
    client: ApiClient,
    metrics: CollectorMetrics,
    queue: BatchQueue,
    tmp_path: Path,
) -> None:
    created = populate(api)
    source = KubeSource(client, metrics, policy=FAST)
    assert set(source.kinds) == set(Kind)
    async with running(source, queue):
        batches = [await next_batch(queue) for _ in Kind]
        await api.wait_for(lambda: api.watchers() == len(Kind))
        assert source.synced()
    assert sorted(b.synced for b in batches if b.synced) == sorted(Kind)
    live = {c.obj.uid: c.obj for b in batches for c in b.changes}
    assert len(live) == len(created)
    pod = next(o for o in live.values() if o.meta.name == "web-7d4b9-x1")
    assert (pod.node_name, pod.pod_ip, pod.meta.generate_name) == (
        "node-a",
        "10.16.0.10",
        "web-7d4b9-",
    )
    owner = pod.meta.controller()
    assert owner is not None
    assert (owner.kind, owner.name) == ("ReplicaSet", "web-7d4b9")
    services = {o.meta.name: o.selector for o in live.values() if o.kind is Kind.SERVICE}
    assert services == {"web": {"app": "web"}, "external": None}

    dump = tmp_path / "cluster.json"
    dump.write_bytes(orjson.dumps({"apiVersion": "v1", "kind": "List", "items": created}))
    snapshot = SnapshotSource([dump])
    from_file = {o.uid: without_version(o) for o in snapshot.objects()}
    assert from_file == {uid: without_version(o) for uid, o in live.items()}
