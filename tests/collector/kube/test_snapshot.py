"""SnapshotSource: kubectl dumps (List, typed list, single object, several files), unknown
kinds, bad files, and reload as a relist."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
import pytest
from prometheus_client import CollectorRegistry

from k8smeta.collector.kube.errors import SnapshotError
from k8smeta.collector.kube.snapshot import SnapshotSource
from k8smeta.collector.model import DEPENDENCY_ORDER, BatchQueue, ChangeType, Kind
from k8smeta.collector.ops.metrics import CollectorMetrics
from tests.collector.kube.conftest import next_batch
from tests.collector.kube.running import running
from tests.kubeapi import objects


def with_uid(obj: dict[str, Any], uid: str) -> dict[str, Any]:
    obj["metadata"]["uid"] = uid
    obj["metadata"]["resourceVersion"] = "100"
    return obj


def write(path: Path, document: object) -> Path:
    path.write_bytes(orjson.dumps(document))
    return path


def kubectl_list(*items: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {"resourceVersion": ""},
        "items": list(items),
    }


NS = with_uid(objects.namespace("shop"), "ns-1")
POD = with_uid(objects.pod("web-1", "shop"), "pod-1")
SVC = with_uid(objects.service("web", "shop", selector={"app": "web"}), "svc-1")
NODE = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n", "uid": "node-1"}}
SECRET = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "uid": "sec-1"}}
CONFIG_MAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "uid": "cm-1"}}


@pytest.mark.asyncio
async def test_files_are_served_one_synced_batch_per_kind(tmp_path: Path) -> None:
    pods_only = {
        "apiVersion": "v1",
        "kind": "PodList",
        "metadata": {},
        "items": [
            {
                k: v
                for k, v in with_uid(objects.pod("web-2", "shop"), "pod-2").items()
                if k not in ("kind", "apiVersion")
            }
        ],
    }
    files = [
        write(tmp_path / "a.json", kubectl_list(NS, POD, NODE, SECRET, CONFIG_MAP, CONFIG_MAP)),
        write(tmp_path / "single.json", SVC),
        write(tmp_path / "typed.json", pods_only),
    ]
    metrics = CollectorMetrics(CollectorRegistry())
    source = SnapshotSource(files, metrics)
    queue: BatchQueue = asyncio.Queue()
    async with running(source, queue):
        batches = [await next_batch(queue) for _ in DEPENDENCY_ORDER]
    assert [b.synced for b in batches] == list(DEPENDENCY_ORDER)
    names = {b.synced: sorted(c.obj.meta.name for c in b.changes) for b in batches}
    assert names[Kind.NAMESPACE] == ["shop"]
    assert names[Kind.POD] == ["web-1", "web-2"]
    assert names[Kind.SERVICE] == ["web"]
    assert names[Kind.DEPLOYMENT] == []
    assert all(c.type is ChangeType.ADDED for b in batches for c in b.changes)
    assert names[Kind.NODE] == ["n"]
    assert source.ignored == {"ConfigMap": 2, "Secret": 1}
    assert queue.empty()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        (b"{not json", "not JSON"),
        (b"[1, 2]", "no kind"),
        (b'{"apiVersion": "v1", "items": []}', "no kind"),
        (b'{"kind": "List", "items": {}}', "without an items list"),
    ],
)
def test_bad_files_raise_snapshot_error(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "dump.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SnapshotError, match=message) as caught:
        SnapshotSource([path])
    assert str(path) in str(caught.value)


def test_untrimmable_items_are_skipped_and_counted(tmp_path: Path) -> None:
    broken = {"kind": "Pod", "metadata": {"name": "no-uid"}}
    source = SnapshotSource([write(tmp_path / "a.json", kubectl_list(POD, broken))])
    assert [o.meta.name for o in source.objects()] == ["web-1"]
    assert source.skipped == 1


def test_no_files_is_an_error() -> None:
    with pytest.raises(SnapshotError, match="no snapshot file"):
        SnapshotSource([])


@pytest.mark.asyncio
async def test_reload_publishes_the_difference_like_a_relist(tmp_path: Path) -> None:
    path = write(tmp_path / "a.json", kubectl_list(NS, POD, SVC))
    source = SnapshotSource([path])
    queue: BatchQueue = asyncio.Queue()
    moved = with_uid(objects.pod("web-1", "shop", node="node-b"), "pod-1")
    reused = with_uid(objects.service("web", "shop", selector={"app": "web"}), "svc-2")
    async with running(source, queue):
        for _ in DEPENDENCY_ORDER:
            await next_batch(queue)
        write(path, kubectl_list(NS, moved, reused))
        source.request_reload()
        batch = await next_batch(queue)
        path.write_bytes(b"garbage")
        assert source.reload() == ()  # a bad file keeps the objects served
        assert {o.uid for o in source.objects()} == {"ns-1", "pod-1", "svc-2"}
        write(path, kubectl_list(NS))
        source.request_reload()
        emptied = await next_batch(queue)
    got = [(c.type, c.obj.uid) for c in batch.changes]
    assert got[0] == (ChangeType.DELETED, "svc-1")
    assert set(got[1:]) == {(ChangeType.MODIFIED, "pod-1"), (ChangeType.ADDED, "svc-2")}
    assert batch.synced is None
    assert {(c.type, c.obj.uid) for c in emptied.changes} == {
        (ChangeType.DELETED, "pod-1"),
        (ChangeType.DELETED, "svc-2"),
    }
