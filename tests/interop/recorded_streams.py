"""The raw bytes a Watch client receives for a cluster holding every kind, recorded once and
compared byte for byte by `test_unchanged_bytes`.

The cluster has Deployments, ReplicaSets, a ReplicationController, DaemonSets, Services and
also StatefulSets, Jobs, a CronJob, Nodes and annotated pods; the changes touch all of them.
A collector that predates the StatefulSet, Job, CronJob and Node kinds and
`--pod-annotations` recorded `golden/watch_streams.json`:

    git archive f105cee src | tar -x -C /tmp/before
    PYTHONPATH=/tmp/before/src:. .venv/bin/python -m tests.interop.recorded_streams

Each stream is read until the collector shuts down, so no count of events is assumed.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

import grpc

from k8smeta.collector.app import Collector
from k8smeta.wire import metadata_pb2
from tests.interop.stack import TIMEOUT, collector_over
from tests.kubeapi import objects
from tests.kubeapi.standin import KubeApiStandIn
from tests.kubeapi.state import RESOURCE_BY_KIND

GOLDEN = Path(__file__).parent / "golden" / "watch_streams.json"
UPSTREAM = ("Pod", "Namespace", "Deployment", "Service", "ReplicaSet", "ReplicaController")
OURS_BEFORE = (
    "Pod", "Namespace", "Deployment", "ReplicaSet", "ReplicationController", "DaemonSet",
    "Service", "k8smeta/sync",
)  # fmt: skip
"""Our plugin's selector before the StatefulSet, Job, CronJob and Node kinds."""
SELECTORS = {"upstream": UPSTREAM, "ours-before": OURS_BEFORE}
NODES = ("node-a", "node-b")
Obj = objects.Obj
Call = grpc.aio.UnaryStreamCall[metadata_pb2.Selector, bytes]


def cluster() -> list[Obj]:
    """Objects of every kind on two nodes, with fixed UIDs; pods carry extra annotations."""
    ns = objects.namespace("shop", labels={"team": "a"}, uid="ns-shop")
    dep = objects.deployment("web", "shop", uid="dep-web")
    rs = objects.replica_set("web-5d", "shop", owner=dep, uid="rs-web")
    rc = objects.replication_controller("legacy", "shop", uid="rc-legacy")
    ds = objects.daemon_set("agent", "shop", uid="ds-agent")
    sts = objects.workload("StatefulSet", "db", "shop", uid="sts-db")
    cron = objects.workload("CronJob", "nightly", "shop", uid="cj-nightly")
    job = objects.workload("Job", "nightly-1", "shop", owner=cron, uid="job-n1")
    once = objects.workload("Job", "once", "shop", uid="job-once")
    notes = {"team.example.com/owner": "shop", "prometheus.io/scrape": "true"}
    pods = [
        objects.pod(f"{owner['metadata']['name']}-{node}", "shop", owner=owner, node=node,
                    uid=f"p-{owner['metadata']['uid']}-{node}", annotations=notes,
                    ip=f"10.0.{n}.{i}")
        for n, node in enumerate(NODES)
        for i, owner in enumerate((rs, rc, ds, sts, job, once))
    ]  # fmt: skip
    return [
        ns, objects.namespace("empty", uid="ns-empty"),
        objects.node("node-a", uid="n-a"), objects.node("node-b", uid="n-b"),
        dep, rs, rc, ds, sts, cron, job, once,
        objects.service("web", "shop", selector={"app": "web"}, uid="svc-web"),
        objects.service("db", "shop", selector={"app": "db"}, uid="svc-db"),
        *pods,
        objects.pod("web-a-plain", "shop", node="node-a", uid="p-plain"),
    ]  # fmt: skip


def _set(path: tuple[str, ...], value: object) -> Callable[[Obj], None]:
    def mutate(obj: Obj) -> None:
        target = obj
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = value

    return mutate


CRON_REF = {"apiVersion": "batch/v1", "kind": "CronJob", "name": "nightly",
            "uid": "cj-nightly", "controller": True}  # fmt: skip
CHANGES: list[tuple[str, str, str, Callable[[Obj], None] | None]] = [
    ("Node", "", "node-a", _set(("metadata", "labels", "zone"), "z2")),
    ("Pod", "shop", "web-5d-node-a", _set(("metadata", "annotations", "prometheus.io/x"), "no")),
    ("Job", "shop", "once", _set(("metadata", "ownerReferences"), [CRON_REF])),
    ("StatefulSet", "shop", "db", _set(("metadata", "labels", "tier"), "data")),
    ("CronJob", "shop", "nightly", _set(("metadata", "labels", "tier"), "batch")),
    ("Namespace", "", "shop", _set(("metadata", "labels", "team"), "b")),
    ("Pod", "shop", "web-5d-node-a", _set(("metadata", "labels", "tier"), "front")),
    ("Pod", "shop", "nightly-1-node-a", None),
    ("Pod", "shop", "db-node-b", None),
    ("Node", "", "node-b", None),
    ("Pod", "shop", "web-a-plain", None),
]  # fmt: skip
"""(kind, namespace, name, mutation or None for a delete), applied in order."""


async def record(selectors: dict[str, tuple[str, ...]]) -> dict[str, list[bytes]]:
    """Per `<selector>/<node>`, the raw Event messages of one Watch stream: its snapshot,
    then what CHANGES cause, until the collector shuts down."""
    async with KubeApiStandIn() as api:
        for obj in cluster():
            api.add(obj)
        async with collector_over(api) as collector:
            channel = grpc.aio.insecure_channel(f"127.0.0.1:{collector.grpc_port}")
            try:
                calls = {
                    f"{name}/{node}": _watch(channel, node, kinds)
                    for name, kinds in selectors.items()
                    for node in NODES
                }
                for call in calls.values():
                    await asyncio.wait_for(call.initial_metadata(), TIMEOUT)
                for kind, namespace, name, mutate in CHANGES:
                    if mutate is None:
                        changed = api.delete(kind, namespace, name)
                    else:
                        changed = api.update(kind, namespace, name, mutate)
                    await _applied(
                        api, collector, kind, int(changed["metadata"]["resourceVersion"])
                    )
                await collector.stop()  # every stream drains, then ends
                return {key: await _rest(call) for key, call in calls.items()}
            finally:
                await channel.close(None)


def _watch(channel: grpc.aio.Channel, node: str, kinds: tuple[str, ...]) -> Call:
    watch = channel.unary_stream(
        "/metadata.Metadata/Watch",
        request_serializer=metadata_pb2.Selector.SerializeToString,
        response_deserializer=bytes,  # the message as written on the wire
    )
    return watch(metadata_pb2.Selector(nodeName=node, resourceKinds=dict.fromkeys(kinds, "true")))


async def _applied(api: KubeApiStandIn, collector: Collector, kind: str, version: int) -> None:
    """Until the collector has applied the change at `version` (one watch per kind, so
    changes of different kinds could otherwise be applied out of order): its watch is
    ended, and the reflector's next watch starts from `version` or later."""
    resource = RESOURCE_BY_KIND[kind].name
    if not api.requests_for(resource, watch=True):
        return  # a kind this collector does not watch (one that predates it)
    api.close_watches(resource)

    def rewatched() -> bool:
        watches = api.requests_for(resource, watch=True)
        return any(int(r.query.get("resourceVersion") or 0) >= version for r in watches)

    await api.wait_for(rewatched, TIMEOUT)
    await asyncio.wait_for(collector.wait_idle(), TIMEOUT)


async def _rest(call: Call) -> list[bytes]:
    """Every message until the stream ends (with UNAVAILABLE: the collector shut down)."""
    received: list[bytes] = []
    with contextlib.suppress(grpc.aio.AioRpcError):
        while True:
            data = await asyncio.wait_for(call.read(), TIMEOUT)
            if not isinstance(data, bytes):
                break
            received.append(data)
    code = await asyncio.wait_for(call.code(), TIMEOUT)
    assert code is grpc.StatusCode.UNAVAILABLE, code
    return received


def describe(data: bytes) -> str:
    """`Reason Kind uid` of a raw Event (`Sync` alone), for readable diffs."""
    event = metadata_pb2.Event.FromString(data)
    return event.reason if event.reason == "Sync" else f"{event.reason} {event.kind} {event.uid}"


def to_json(streams: dict[str, list[bytes]]) -> str:
    document = {
        key: [
            {"event": describe(data), "bytes": base64.b64encode(data).decode()} for data in events
        ]
        for key, events in streams.items()
    }
    return json.dumps(document, indent=1, sort_keys=True) + "\n"


def golden() -> dict[str, list[bytes]]:
    document = json.loads(GOLDEN.read_text())
    return {key: [base64.b64decode(e["bytes"]) for e in events] for key, events in document.items()}


if __name__ == "__main__":
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(to_json(asyncio.run(record(SELECTORS))))
    print(f"wrote {GOLDEN}", file=sys.stderr)
