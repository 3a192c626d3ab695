"""Collector pipeline at cluster scale: ingest, 1,000 subscriber snapshots, churn latency, CPU.

Run: `.venv/bin/python -m benchmarks.bench_collector [--nodes 5000] [--pods 150000]
[--subscribers 1000] [--churn-rate 100] [--churn-seconds 20]`.

Method. A generated cluster (namespaces, Deployments with one ReplicaSet each, a Service per
Deployment, two DaemonSets with a pod on every node, the other pods spread over the
ReplicaSets and nodes) is fed as trimmed objects, one synced batch per kind as a list would,
through an in-memory Source into the real collector (index, views, broker, grpc.aio server
on 127.0.0.1). Ingest = from the first batch queued until the pipeline is idle; peak RSS is
the collector process's VmHWM. A separate process (its own GIL) then opens one Watch
stream per node for `--subscribers` distinct nodes over 20 channels, selecting every kind
and the Sync marker, and reports the time until every stream has received its Sync. Churn:
the collector process modifies one pod label per 1/rate s on subscribed nodes, the label
carrying the wall-clock time of the change as it is queued; the client process computes
change -> received latency for every Update. CPU = the collector process's CPU time during
each phase, per 1,000 input changes / messages written; the idle CPU of the process with the
streams open (keepalive, gRPC polling) is measured before the churn and also reported
subtracted ("marginal").
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import time
import uuid
from typing import Any

import grpc
import orjson

from k8smeta.collector.app import Collector, CollectorConfig
from k8smeta.collector.model import (
    Batch,
    BatchQueue,
    Change,
    ChangeType,
    Kind,
    KubeObject,
    NodeName,
    ObjectMeta,
    OwnerReference,
    Uid,
)
from k8smeta.collector.views import CREATE_RANK
from k8smeta.wire import metadata_pb2, metadata_pb2_grpc

CHANNELS = 20  # HTTP/2 connections the subscriber process spreads its streams over
Results = dict[str, Any]
STAMP_LABEL = "bench/changed-at"


def _uid() -> Uid:
    return Uid(str(uuid.uuid4()))


def _meta(
    name: str, namespace: str, labels: dict[str, str], owner: KubeObject | None = None
) -> ObjectMeta:
    owners: tuple[OwnerReference, ...] = ()
    if owner is not None:
        owners = (OwnerReference(owner.kind.value, owner.meta.name, owner.uid, True),)
    generate = f"{owner.meta.name}-" if owner is not None else ""
    return ObjectMeta(_uid(), name, namespace, generate, labels, owners, "1")


def generate(
    nodes: int, pods: int, namespaces: int = 500, per_namespace: int = 6
) -> list[KubeObject]:
    """The cluster, in dependency order (namespaces first, pods last)."""
    out: list[KubeObject] = []
    pod_list: list[KubeObject] = []
    system = KubeObject(
        Kind.NAMESPACE, _meta("kube-system", "", {"kubernetes.io/metadata.name": "kube-system"})
    )
    out.append(system)
    replica_sets: list[KubeObject] = []
    for n in range(namespaces):
        name = f"team-{n:03d}"
        out.append(
            KubeObject(Kind.NAMESPACE, _meta(name, "", {"kubernetes.io/metadata.name": name}))
        )
        for d in range(per_namespace):
            app = {"app": f"svc-{d}", "team": name}
            deployment = KubeObject(Kind.DEPLOYMENT, _meta(f"svc-{d}", name, app))
            rs_labels = {**app, "pod-template-hash": f"{d:05d}abcd"}
            rs = KubeObject(
                Kind.REPLICA_SET, _meta(f"svc-{d}-{d:05d}abcd", name, rs_labels, deployment)
            )
            service = KubeObject(Kind.SERVICE, _meta(f"svc-{d}", name, app), selector=app)
            out.extend((deployment, rs, service))
            replica_sets.append(rs)
    for ds_name in ("kube-proxy", "node-agent"):
        ds = KubeObject(Kind.DAEMON_SET, _meta(ds_name, "kube-system", {"k8s-app": ds_name}))
        out.append(ds)
        for node in range(nodes):
            pod_list.append(_pod(ds, f"{ds_name}-{node:05d}", "kube-system", node, len(pod_list)))
    remaining = pods - len(pod_list)
    for i in range(remaining):
        rs = replica_sets[i % len(replica_sets)]
        pod_list.append(
            _pod(rs, f"{rs.meta.name}-{i:06d}", rs.meta.namespace, (i * 7919) % nodes, i)
        )
    return out + pod_list


def _pod(owner: KubeObject, name: str, namespace: str, node: int, number: int) -> KubeObject:
    labels = dict(owner.meta.labels)
    meta = _meta(name, namespace, labels, owner)
    ip = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
    return KubeObject(Kind.POD, meta, node_name=f"node-{node:05d}", pod_ip=ip)


class MemorySource:
    """Lists the generated objects (one synced batch per kind), then queues what it is given."""

    kinds: tuple[Kind, ...] = tuple(sorted(Kind, key=CREATE_RANK.__getitem__))

    def __init__(self, objects: list[KubeObject]) -> None:
        self.objects = objects
        self.out: BatchQueue | None = None
        self.listed = asyncio.Event()

    async def run(self, out: BatchQueue) -> None:
        self.out = out
        for kind in self.kinds:
            changes = tuple(Change(ChangeType.ADDED, o) for o in self.objects if o.kind is kind)
            await out.put(Batch(changes, synced=kind))
        self.objects = []
        self.listed.set()
        await asyncio.Event().wait()


def decode_and_trim(pods: int, page_size: int = 500) -> dict[str, float]:
    """CPU of the reflector's ingest path (`KindDecoder.page`: msgspec into the pod shape,
    then trimmed objects) and of the general path (orjson + trim) for `pods` realistic ~6 KB
    pods, as list pages of `page_size` (one page decoded repeatedly; its bytes made once)."""
    from tests.kubeapi import objects as full

    from k8smeta.collector.kube.decode import KindDecoder, json_object
    from k8smeta.collector.kube.kinds import KINDS
    from k8smeta.collector.kube.trim import trim

    items = [full.pod(f"web-{i:05d}", "shop", node=f"node-{i % 5000:05d}", uid=str(uuid.uuid4()))
             for i in range(page_size)]  # fmt: skip
    page = orjson.dumps({"kind": "PodList", "apiVersion": "v1", "items": items})
    pages = max(1, pods // page_size)
    decoder = KindDecoder(KINDS[Kind.POD])
    cpu = time.process_time()
    for _ in range(pages):
        decoder.page(page)
    typed = time.process_time() - cpu
    cpu = time.process_time()
    for _ in range(pages):
        for raw in json_object(page, "pods")["items"]:
            trim(Kind.POD, raw)
    general = time.process_time() - cpu
    return {
        "decode_trim_pod_bytes": round(len(page) / page_size),
        "decode_trim_s": round(typed, 2),
        "decode_trim_us_per_pod": round(typed * 1e6 / (pages * page_size), 1),
        "decode_trim_general_s": round(general, 2),
        "decode_trim_general_us_per_pod": round(general * 1e6 / (pages * page_size), 1),
    }


class GcPauses:
    """Durations of the cyclic GC's collections while installed (gc.callbacks)."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append(time.perf_counter() - self._started)

    def summary(self) -> dict[str, float]:
        return {
            "churn_gc_collections": len(self.pauses),
            "churn_gc_pause_max_ms": round(max(self.pauses, default=0.0) * 1000, 1),
        }


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mib() -> float:
    """This process's own peak RSS (VmHWM). Not ru_maxrss: Linux carries ru_maxrss over
    fork and exec, so a child started by a large parent reports the parent's peak."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def churn(
    collector: Collector, source: MemorySource, pods: list[KubeObject], rate: float, seconds: float
) -> int:
    """Modify one pod label every 1/rate s (on schedule, not after the previous one)."""
    assert source.out is not None
    count = int(rate * seconds)
    start = time.monotonic()
    for n in range(count):
        delay = start + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        current = pods[n % len(pods)]
        labels = {**current.meta.labels, STAMP_LABEL: repr(time.time())}
        changed = dataclasses.replace(
            current, meta=dataclasses.replace(current.meta, labels=labels)
        )
        pods[n % len(pods)] = changed
        source.out.put_nowait(Batch((Change(ChangeType.MODIFIED, changed),)))
    await collector.wait_idle()
    return count


def _share_within(collector: Collector, bound: float, changes: int) -> float:
    """Share of the churn's batches the pipeline handled within `bound` s (histogram bucket);
    the ingest batches (one per kind) are counted first and subtracted."""
    (family,) = collector.metrics.event_latency.collect()
    buckets = {s.labels["le"]: s.value for s in family.samples if s.name.endswith("_bucket")}
    within = buckets[repr(bound)] - len(MemorySource.kinds)
    return round(max(0.0, within) / changes, 3)


async def ingest(args: argparse.Namespace, results: Results) -> tuple[Collector, MemorySource]:
    """Generate the cluster, start the collector, time the initial lists through it."""
    results["rss_before_generate_mib"] = round(rss_mib(), 1)
    began = time.perf_counter()
    objects = generate(args.nodes, args.pods)
    results["generate_s"] = round(time.perf_counter() - began, 2)
    results["objects"] = len(objects)
    results["rss_after_generate_mib"] = round(rss_mib(), 1)
    config = CollectorConfig("127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0", queue_size=100_000)
    source = MemorySource(objects)
    del objects
    collector = Collector(config, [source])
    cpu, began = time.process_time(), time.perf_counter()
    await collector.start()
    await source.listed.wait()
    await collector.wait_idle()
    results["ingest_s"] = round(time.perf_counter() - began, 2)
    results["ingest_cpu_s"] = round(time.process_time() - cpu, 2)
    results["rss_after_ingest_mib"] = round(rss_mib(), 1)
    results["peak_rss_after_ingest_mib"] = round(peak_rss_mib(), 1)
    return collector, source


def start_clients(args: argparse.Namespace, port: int, nodes: list[str]) -> subprocess.Popen[str]:
    expected = str(int(args.churn_rate * args.churn_seconds))
    command = ["-m", "benchmarks.bench_collector", "--client", str(port), "--expect", expected]
    return subprocess.Popen([sys.executable, *command, *nodes], stdout=subprocess.PIPE, text=True)


async def read_json(client: subprocess.Popen[str]) -> Results:
    assert client.stdout is not None
    line = await asyncio.to_thread(client.stdout.readline)
    parsed: Results = json.loads(line)
    return parsed


async def run_collector(args: argparse.Namespace) -> Results:
    results: Results = {}
    collector, source = await ingest(args, results)
    nodes = [f"node-{(n * args.nodes) // args.subscribers:05d}" for n in range(args.subscribers)]
    churn_pods = [_first_pod(collector, node) for node in nodes]
    cpu = time.process_time()
    client = start_clients(args, collector.grpc_port, nodes)
    results.update(await read_json(client))
    snapshot_cpu = time.process_time() - cpu
    results["snapshot_cpu_s"] = round(snapshot_cpu, 2)
    messages = int(results["snapshot_messages"])
    results["snapshot_cpu_ms_per_1000_messages"] = round(snapshot_cpu * 1e6 / messages, 1)
    cpu = time.process_time()
    await asyncio.sleep(args.idle_seconds)  # open streams, no changes: the idle baseline
    idle_rate = (time.process_time() - cpu) / args.idle_seconds
    results["idle_cpu_percent"] = round(idle_rate * 100, 1)
    pauses = GcPauses()
    gc.callbacks.append(pauses)
    spent = time_pipeline(collector)
    cpu, began = time.process_time(), time.perf_counter()
    changes = await churn(collector, source, churn_pods, args.churn_rate, args.churn_seconds)
    churn_cpu = time.process_time() - cpu
    gc.callbacks.remove(pauses)
    results.update(pauses.summary())
    results["churn_pipeline_us_per_change"] = round(spent[0] * 1e6 / changes, 1)
    results["churn_changes"] = changes
    results["churn_wall_s"] = round(time.perf_counter() - began, 2)
    results["churn_cpu_ms_per_1000_changes"] = round(churn_cpu * 1e6 / changes, 1)
    marginal = churn_cpu - idle_rate * (time.perf_counter() - began)
    results["churn_marginal_cpu_ms_per_1000_changes"] = round(marginal * 1e6 / changes, 1)
    results["pipeline_latency_le_1ms_share"] = _share_within(collector, 0.001, changes)
    results.update(await read_json(client))
    client.wait(timeout=60)
    await collector.stop()
    results["peak_rss_mib"] = round(peak_rss_mib(), 1)
    return results


def time_pipeline(collector: Collector) -> list[float]:
    """Accumulate the CPU time (this thread's) of `Pipeline.process` (index + views +
    publish) from now on."""
    spent = [0.0]
    process = collector.pipeline.process

    def timed(batch: Batch) -> None:
        began = time.thread_time()
        process(batch)
        spent[0] += time.thread_time() - began

    collector.pipeline.process = timed  # type: ignore[method-assign]
    return spent


def _first_pod(collector: Collector, node: str) -> KubeObject:
    uid = next(iter(collector.index.pods_on_node(NodeName(node))))
    pod = collector.index.get(uid)
    assert pod is not None
    return pod


Call = grpc.aio.UnaryStreamCall[metadata_pb2.Selector, metadata_pb2.Event]


def _event(message: object) -> metadata_pb2.Event:
    assert isinstance(message, metadata_pb2.Event), "stream ended"
    return message


def _emit(results: Results) -> None:
    print(json.dumps(results), flush=True)


async def _until_sync(call: Call) -> int:
    count = 0
    while _event(await call.read()).reason != "Sync":
        count += 1
    return count


async def _latencies(call: Call, out: list[float], expect: int, done: asyncio.Event) -> None:
    """Change -> receive latency of every Update on `call` (stamped in the pod's labels)."""
    while not done.is_set():
        event = _event(await call.read())
        received = time.time()
        if event.reason == "Update":
            out.append(received - float(orjson.loads(event.meta)["labels"][STAMP_LABEL]))
            if len(out) >= expect:
                done.set()


async def run_clients(port: int, nodes: list[str], expect: int) -> None:
    """The subscriber side: snapshot timing, then churn latencies, one JSON line each."""
    channels = [grpc.aio.insecure_channel(f"127.0.0.1:{port}") for _ in range(CHANNELS)]
    selector = {kind.value: "true" for kind in Kind} | {"k8smeta/sync": "true"}
    began = time.perf_counter()
    calls = [
        metadata_pb2_grpc.MetadataStub(channels[i % CHANNELS]).Watch(
            metadata_pb2.Selector(nodeName=node, resourceKinds=selector)
        )
        for i, node in enumerate(nodes)
    ]
    counts = await asyncio.gather(*(_until_sync(call) for call in calls))
    _emit({"snapshot_s": round(time.perf_counter() - began, 2), "snapshot_messages": sum(counts)})
    latencies: list[float] = []
    done = asyncio.Event()
    readers = [asyncio.create_task(_latencies(c, latencies, expect, done)) for c in calls]
    await asyncio.wait_for(done.wait(), 600)
    for reader in readers:
        reader.cancel()
    latencies.sort()
    ms = [round(latencies[int(len(latencies) * q)] * 1000, 1) for q in (0.5, 0.99)]
    top = round(latencies[-1] * 1000, 1)
    _emit({"latency_updates": len(latencies), "latency_p50_ms": ms[0], "latency_p99_ms": ms[1],
           "latency_max_ms": top})  # fmt: skip
    for channel in channels:
        await channel.close(None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--pods", type=int, default=150_000)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--churn-rate", type=float, default=100.0)
    parser.add_argument("--churn-seconds", type=float, default=20.0)
    parser.add_argument("--idle-seconds", type=float, default=5.0)
    parser.add_argument("--client", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--expect", type=int, help=argparse.SUPPRESS)
    parser.add_argument("client_nodes", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client is not None:
        asyncio.run(run_clients(args.client, args.client_nodes, args.expect))
        return
    load_before = os.getloadavg()[0]
    results = asyncio.run(run_collector(args))
    results.update(decode_and_trim(args.pods))
    cpu = platform.processor() or platform.machine()
    results["machine"] = f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    results["load_average_1m_before_after"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
