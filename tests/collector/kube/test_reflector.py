"""The reflector against the API stand-in, through the real kubernetes_asyncio client."""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Callable

import pytest
from kubernetes_asyncio.client import ApiClient

from k8smeta.collector.kube.kinds import KINDS, METADATA_LIST, METADATA_WATCH
from k8smeta.collector.kube.reflector import Reflector
from k8smeta.collector.kube.transport import Transport
from k8smeta.collector.model import BatchQueue, ChangeType, Kind
from k8smeta.collector.ops.metrics import CollectorMetrics
from tests.collector.kube.conftest import FAST, next_batch
from tests.collector.kube.running import running
from tests.kubeapi import objects
from tests.kubeapi.server import RequestRecord
from tests.kubeapi.standin import KubeApiStandIn


def pod_reflector(client: ApiClient, metrics: CollectorMetrics, **policy: object) -> Reflector:
    chosen = dataclasses.replace(FAST, **policy) if policy else FAST  # type: ignore[arg-type]
    return Reflector(KINDS[Kind.POD], Transport(client), metrics, chosen)


@pytest.mark.asyncio
async def test_initial_list_is_paginated_and_synced(
    api: KubeApiStandIn, client: ApiClient, metrics: CollectorMetrics, queue: BatchQueue
) -> None:
    added = [api.add(objects.pod(f"web-{i}")) for i in range(8)]
    reflector = pod_reflector(client, metrics)
    async with running(reflector, queue):
        batch = await next_batch(queue)
        await api.wait_for(lambda: api.watchers("pods") == 1)
    assert batch.synced is Kind.POD
    assert [c.type for c in batch.changes] == [ChangeType.ADDED] * 8
    assert {c.obj.uid for c in batch.changes} == {p["metadata"]["uid"] for p in added}
    lists = api.requests_for("pods", watch=False)
    assert [r.query.get("limit") for r in lists] == ["3", "3", "3"]
    assert ["continue" in r.query for r in lists] == [False, True, True]
    assert {r.accept for r in lists} == {"application/json"}
    assert all(r.user_agent.startswith("k8smeta-collector") for r in lists)
    (watch,) = api.requests_for("pods", watch=True)
    assert watch.query["resourceVersion"] == str(api.state.rv)
    assert watch.query["allowWatchBookmarks"] == "true"
    assert 300 <= int(watch.query["timeoutSeconds"]) <= 600
    assert (
        metrics.registry.get_sample_value(
            "meta_collector_relists_total", {"kind": "Pod", "reason": "initial"}
        )
        == 1
    )
    # The objects served are the pipeline's to count (the index's), not the source's.
    assert metrics.registry.get_sample_value("meta_collector_objects", {"kind": "Pod"}) is None


def sample(metrics: CollectorMetrics, metric: str, **labels: str) -> float:
    value = metrics.registry.get_sample_value(f"meta_collector_{metric}", labels)
    return 0.0 if value is None else value


def set_label(key: str, value: str) -> Callable[[objects.Obj], None]:
    def mutate(obj: objects.Obj) -> None:
        obj["metadata"].setdefault("labels", {})[key] = value

    return mutate


@pytest.mark.asyncio
async def test_watch_events_become_batches_and_churn_is_dropped(
    api: KubeApiStandIn, client: ApiClient, metrics: CollectorMetrics, queue: BatchQueue
) -> None:
    async with running(pod_reflector(client, metrics), queue):
        assert (await next_batch(queue)).changes == ()
        web = api.add(objects.pod("web", ip=""))
        added = await next_batch(queue)
        api.update("Pod", "default", "web", lambda p: p["status"].update(phase="Failed"))
        api.update("Pod", "default", "web", lambda p: p["status"].update(podIP="10.1.2.3"))
        modified = await next_batch(queue)
        api.update("Pod", "default", "web", set_label("tier", "front"))
        relabelled = await next_batch(queue)
        api.delete("Pod", "default", "web")
        deleted = await next_batch(queue)
    assert [(c.type, c.obj.uid) for c in added.changes] == [
        (ChangeType.ADDED, web["metadata"]["uid"])
    ]
    assert added.synced is None
    assert added.changes[0].obj.pod_ip == ""
    # the phase change alone changed nothing trimmed: the next batch is the podIP change
    assert [(c.type, c.obj.pod_ip) for c in modified.changes] == [(ChangeType.MODIFIED, "10.1.2.3")]
    assert relabelled.changes[0].obj.meta.labels == {"app": "web", "tier": "front"}
    assert [c.type for c in deleted.changes] == [ChangeType.DELETED]
    assert deleted.changes[0].obj.meta.labels["tier"] == "front"
    assert queue.empty()
    assert sample(metrics, "watch_events_total", kind="Pod", type="MODIFIED") == 3
    assert sample(metrics, "watch_events_total", kind="Pod", type="ADDED") == 1
    for kind, count in (("create", 1), ("update", 2), ("delete", 1)):
        labels = {"name": "pod-collector", "source": "api-server", "type": kind}
        assert sample(metrics, "collector_event_api_server_received_total", **labels) == count


@pytest.mark.asyncio
async def test_bookmark_advances_version_and_normal_end_rewatches_without_relist(
    api: KubeApiStandIn, client: ApiClient, metrics: CollectorMetrics, queue: BatchQueue
) -> None:
    reflector = pod_reflector(client, metrics)
    async with running(reflector, queue):
        await next_batch(queue)
        await api.wait_for(lambda: api.watchers("pods") == 1)
        first_rv = api.requests_for("pods", watch=True)[0].query["resourceVersion"]
        api.add(objects.service("other"))  # moves the global version, not seen by pods
        assert api.bookmark("pods") == 1
        api.close_watches("pods")
        await api.wait_for(lambda: len(api.requests_for("pods", watch=True)) == 2)
    second = api.requests_for("pods", watch=True)[1]
    assert int(second.query["resourceVersion"]) == api.state.rv > int(first_rv)
    assert len(api.requests_for("pods", watch=False)) == 1
    assert sample(metrics, "watch_events_total", kind="Pod", type="BOOKMARK") == 1
    assert sample(metrics, "watch_restarts_total", kind="Pod") == 1
    assert queue.empty()


@pytest.mark.asyncio
async def test_server_side_watch_timeout_rewatches_from_version(
    api: KubeApiStandIn, client: ApiClient, metrics: CollectorMetrics, queue: BatchQueue
) -> None:
    async with running(pod_reflector(client, metrics, watch_timeout=(1, 1)), queue):
        await next_batch(queue)
        api.add(objects.pod("web"))
        await next_batch(queue)
        await api.wait_for(lambda: len(api.requests_for("pods", watch=True)) == 2)
    first, second = api.requests_for("pods", watch=True)
    assert first.query["timeoutSeconds"] == "1"
    assert second.query["resourceVersion"] == str(api.state.rv)
    assert len(api.requests_for("pods", watch=False)) == 1


def make_gap(api: KubeApiStandIn) -> dict[str, objects.Obj]:
    """Base objects a, b, c, web; returns them (the reflector lists them first)."""
    return {name: api.add(objects.pod(name)) for name in ("a", "b", "c", "web")}


def change_during_gap(api: KubeApiStandIn) -> objects.Obj:
    """Delete b, add d, relabel a, leave c; recreate web under a new UID; then compact."""
    api.delete("Pod", "default", "b")
    added = api.add(objects.pod("d"))
    api.update("Pod", "default", "a", set_label("tier", "back"))
    api.delete("Pod", "default", "web")
    api.add(objects.pod("web"))
    api.compact()
    return added


@pytest.mark.parametrize(
    "case",
    [
        ("http", "closed watch, HTTP 410 at watch start"),
        ("event", "closed watch, ERROR 410 event at watch start"),
        ("http", "ERROR 410 event in the open stream"),
    ],
)
@pytest.mark.asyncio
async def test_gone_relists_and_diffs_with_synthetic_deletes(
    api: KubeApiStandIn,
    client: ApiClient,
    metrics: CollectorMetrics,
    queue: BatchQueue,
    case: tuple[str, str],
) -> None:
    gone_as, how = case
    before = make_gap(api)
    api.gone_as = "event" if gone_as == "event" else "http"
    async with running(pod_reflector(client, metrics), queue):
        assert len((await next_batch(queue)).changes) == 4
        await api.wait_for(lambda: api.watchers("pods") == 1)
        # no await between these: the open watch never sees the changes
        if how.startswith("ERROR 410 event in"):
            api.expire_watches("pods")
        else:
            api.close_watches("pods")
        d = change_during_gap(api)
        relist = await next_batch(queue)
    uid = {name: obj["metadata"]["uid"] for name, obj in before.items()}
    new_web = api.state.objects["pods"]["default", "web"]["metadata"]["uid"]
    got = [(c.type, c.obj.meta.name, c.obj.uid) for c in relist.changes]
    assert got[:2] == [
        (ChangeType.DELETED, "b", uid["b"]),
        (ChangeType.DELETED, "web", uid["web"]),
    ]
    assert set(got[2:]) == {
        (ChangeType.ADDED, "d", d["metadata"]["uid"]),
        (ChangeType.ADDED, "web", new_web),
        (ChangeType.MODIFIED, "a", uid["a"]),
    }
    assert len(got) == 5
    assert relist.synced is None
    assert sample(metrics, "relists_total", kind="Pod", reason="gone") == 1
    assert len(api.requests_for("pods", watch=False)) == 4  # 2 pages, then 2 pages


@pytest.mark.asyncio
async def test_uid_reuse_while_watching_is_delete_then_add(
    api: KubeApiStandIn, client: ApiClient, metrics: CollectorMetrics, queue: BatchQueue
) -> None:
    old = api.add(objects.pod("web"))
    async with running(pod_reflector(client, metrics), queue):
        await next_batch(queue)
        api.delete("Pod", "default", "web")
        new = api.add(objects.pod("web"))
        deleted, added = await next_batch(queue), await next_batch(queue)
    assert [(c.type, c.obj.uid) for c in (*deleted.changes, *added.changes)] == [
        (ChangeType.DELETED, old["metadata"]["uid"]),
        (ChangeType.ADDED, new["metadata"]["uid"]),
    ]


@pytest.mark.asyncio
async def test_expired_continue_token_restarts_the_list(
    api: KubeApiStandIn, client: ApiClient, metrics: CollectorMetrics, queue: BatchQueue
) -> None:
    for i in range(5):
        api.add(objects.pod(f"web-{i}"))
    late: list[objects.Obj] = []

    def compact_before_second_page(record: RequestRecord) -> None:
        if "continue" in record.query and not late:
            late.append(api.add(objects.pod("late")))
            api.compact()

    api.on_request(compact_before_second_page)
    async with running(pod_reflector(client, metrics), queue):
        batch = await next_batch(queue)
    assert batch.synced is Kind.POD
    assert {c.obj.meta.name for c in batch.changes} == {f"web-{i}" for i in range(5)} | {"late"}
    lists = api.requests_for("pods", watch=False)
    # page 1, page 2 refused (410: token older than the compaction), then pages 1 and 2 again
    assert ["continue" in r.query for r in lists] == [False, True, False, True]
    assert sample(metrics, "relists_total", kind="Pod", reason="initial") == 1


@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.asyncio
async def test_accept_header_per_kind(
    api: KubeApiStandIn,
    client: ApiClient,
    metrics: CollectorMetrics,
    queue: BatchQueue,
    kind: Kind,
) -> None:
    builders = {
        Kind.POD: lambda: objects.pod("x"),
        Kind.SERVICE: lambda: objects.service("x", selector={"app": "x"}),
        Kind.NAMESPACE: lambda: objects.namespace("x"),
        Kind.DEPLOYMENT: lambda: objects.deployment("x"),
        Kind.REPLICA_SET: lambda: objects.replica_set("x"),
        Kind.REPLICATION_CONTROLLER: lambda: objects.replication_controller("x"),
        Kind.DAEMON_SET: lambda: objects.daemon_set("x"),
        Kind.STATEFUL_SET: lambda: objects.workload("StatefulSet", "x"),
        Kind.JOB: lambda: objects.workload("Job", "x"),
        Kind.CRON_JOB: lambda: objects.workload("CronJob", "x"),
        Kind.NODE: lambda: objects.node("x"),
    }
    created = api.add(builders[kind]())
    info = KINDS[kind]
    reflector = Reflector(info, Transport(client), metrics, FAST)
    async with running(reflector, queue):
        (change,) = (await next_batch(queue)).changes
        await api.wait_for(lambda: api.watchers(info.resource) == 1)
        api.update(kind.value, created["metadata"].get("namespace", ""), "x", set_label("v", "2"))
        (update,) = (await next_batch(queue)).changes
    assert change.obj.kind is kind
    assert change.obj.uid == created["metadata"]["uid"]
    assert update.obj.meta.labels["v"] == "2"
    lists = api.requests_for(info.resource, watch=False)
    watches = api.requests_for(info.resource, watch=True)
    if kind in (Kind.POD, Kind.SERVICE):
        assert {r.accept for r in (*lists, *watches)} == {"application/json"}
    else:
        assert {r.accept for r in lists} == {METADATA_LIST}
        assert {r.accept for r in watches} == {METADATA_WATCH}


@pytest.mark.asyncio
async def test_long_lines_and_odd_objects_in_a_watch(
    api: KubeApiStandIn, client: ApiClient, metrics: CollectorMetrics, queue: BatchQueue
) -> None:
    reflector = pod_reflector(client, metrics)
    async with running(reflector, queue):
        await next_batch(queue)
        big = objects.pod("big")
        big["metadata"]["annotations"]["blob"] = "x" * (5 * 2**20)  # over aiohttp's 4 MiB
        api.add(big)
        (added,) = (await next_batch(queue)).changes
        odd = objects.pod("odd", uid="")
        odd["metadata"]["labels"] = {"n": 1}
        api.add(odd)
        api.add(objects.pod("after"))
        (after,) = (await next_batch(queue)).changes
    assert added.obj.meta.name == "big"
    assert after.obj.meta.name == "after"
    assert reflector.skipped == 1
    assert reflector.resource_version == str(api.state.rv)


@pytest.mark.asyncio
async def test_large_pages_pause_the_gc_only_while_decoding(
    api: KubeApiStandIn, client: ApiClient, metrics: CollectorMetrics, queue: BatchQueue
) -> None:
    for i in range(60):  # one page of about 360 KB: decoded with the cyclic GC paused
        api.add(objects.pod(f"web-{i}"))
    assert gc.isenabled()
    async with running(pod_reflector(client, metrics, page_limit=500), queue):
        batch = await next_batch(queue)
        assert gc.isenabled()
    assert len(batch.changes) == 60
    assert len(api.requests_for("pods", watch=False)) == 1


@pytest.mark.asyncio
async def test_deleting_an_untrimmable_object_deletes_its_last_good_state(
    api: KubeApiStandIn, client: ApiClient, metrics: CollectorMetrics, queue: BatchQueue
) -> None:
    reflector = pod_reflector(client, metrics)
    async with running(reflector, queue):
        await next_batch(queue)
        api.add(objects.pod("web"))
        (added,) = (await next_batch(queue)).changes
        api.update("Pod", "default", "web", lambda p: p["metadata"].update(labels={"n": 7}))
        api.delete("Pod", "default", "web")
        (deleted,) = (await next_batch(queue)).changes
    assert deleted.type is ChangeType.DELETED
    assert deleted.obj == added.obj  # the odd MODIFIED was skipped; the last good state leaves
    assert reflector.skipped == 2
    assert reflector.objects() == {}
