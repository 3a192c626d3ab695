"""Collector start-up against the real kube-apiserver and etcd: N pods of bench_ingest's shape
created through the API, then the collector's cold start to /readyz.

Run: `.venv/bin/python -m benchmarks.bench_real_apiserver [--pods 20000] [--runs 3]`
(prints one JSON document; the control plane is built first if this machine has none,
tests/kubeapi/real/build.sh).

Method. A fresh etcd and kube-apiserver (tests/kubeapi/real, as the `real_apiserver` tests
run them; no controller manager, so that nothing adopts, scales or collects the objects) are
loaded, through the API as the cluster admin, with `tests/kubeapi/scale.cluster`: the same
objects bench_ingest serves from the stand-in (namespaces with their `default`
ServiceAccount, nodes, Deployments, ReplicaSets, Services, DaemonSets, then the pods with
their owner references mapped to the UIDs the server gave the owners), `--concurrency`
requests in flight. Creation rate = objects created per second of wall time, reported for
the pods alone; each pod's status (IP, conditions, container statuses) is then written
through the status subresource, as a kubelet does, and that rate is reported too. Each run is
then bench_ingest's collector role (a fresh process: kubeconfig -> KubeSource -> Collector)
with the token of deploy/'s ServiceAccount, timed the same way: wall from loading the
kubeconfig to the first `GET /readyz` 200, the collector's CPU, its peak RSS, the API server's
and etcd's CPU over the same span.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Iterable
from pathlib import Path
from typing import Any

from benchmarks.bench_ingest import _cpu_s, _read_json, _until_ready

Results = dict[str, Any]
Obj = dict[str, Any]


class _Loader:
    """Creates objects as the admin, `concurrency` requests in flight, owner UIDs mapped."""

    def __init__(self, admin: Any, concurrency: int) -> None:
        self.admin = admin
        self.gate = asyncio.Semaphore(concurrency)
        self.uids: dict[str, str] = {}

    async def create(self, obj: Obj) -> None:
        from kubernetes_asyncio.client.exceptions import ApiException

        async with self.gate:
            body = copy.deepcopy(obj)
            body.pop("status", None)
            body.get("spec", {}).pop("clusterIP", None)
            for ref in body["metadata"].get("ownerReferences", ()):
                ref["uid"] = self.uids[ref["uid"]]
            meta = body["metadata"]
            try:
                created = await self.admin.create(body)
            except ApiException as exc:  # kube-system is there already
                if exc.status != 409:
                    raise
                created = await self.admin.get(
                    body["kind"], meta.get("namespace", ""), meta["name"]
                )
            self.uids[obj["metadata"]["uid"]] = created["metadata"]["uid"]

    async def status(self, obj: Obj) -> None:
        async with self.gate:
            await self.admin.set_status(obj, obj["status"])

    @staticmethod
    async def timed(calls: Iterable[Awaitable[None]]) -> float:
        began = time.perf_counter()
        await asyncio.gather(*calls)
        return time.perf_counter() - began


def _accounts_and_nodes(namespaces: list[Obj], nodes: int) -> list[Obj]:
    from tests.kubeapi.objects import node

    accounts = [
        {"kind": "ServiceAccount",
         "metadata": {"name": "default", "namespace": ns["metadata"]["name"],
                      "uid": f"sa-{ns['metadata']['name']}"}}
        for ns in namespaces
    ]  # fmt: skip
    return [*accounts, *(node(f"node-{n:05d}", uid=f"node-{n:05d}") for n in range(nodes))]


async def _load(plane: Any, pods: int, concurrency: int) -> Results:
    from tests.kubeapi.real.admin import Admin
    from tests.kubeapi.scale import ClusterShape, cluster

    shape = ClusterShape(pods=pods)
    by_kind: dict[str, list[Obj]] = {}
    for obj in cluster(shape):
        by_kind.setdefault(obj["kind"], []).append(obj)
    namespaces, pod_objects = by_kind.pop("Namespace"), by_kind.pop("Pod")
    extra = _accounts_and_nodes(namespaces, shape.nodes)
    loader = _Loader(await Admin.load(plane.admin_kubeconfig), concurrency)
    timings: Results = {}
    try:
        timings["namespaces_s"] = await loader.timed(map(loader.create, namespaces))
        timings["nodes_and_accounts_s"] = await loader.timed(map(loader.create, extra))
        for kind in ("Deployment", "ReplicaSet", "Service", "DaemonSet"):
            timings[f"{kind.lower()}s_s"] = await loader.timed(map(loader.create, by_kind[kind]))
        timings["pods_s"] = await loader.timed(map(loader.create, pod_objects))
        timings["pods_per_s"] = len(pod_objects) / timings["pods_s"]
        timings["pod_status_s"] = await loader.timed(map(loader.status, pod_objects))
        timings["pod_status_per_s"] = len(pod_objects) / timings["pod_status_s"]
    finally:
        await loader.admin.close()
    total = len(namespaces) + len(extra) + len(pod_objects) + sum(map(len, by_kind.values()))
    return {"objects": total, "pods": len(pod_objects), "concurrency": concurrency,
            **{k: round(v, 1) for k, v in timings.items()}}  # fmt: skip


def _collector(kubeconfig: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "benchmarks.bench_ingest", "--collect", str(kubeconfig),
               "--decoder", "typed"]  # fmt: skip
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def orchestrate(args: argparse.Namespace) -> Results:
    from tests.kubeapi.real import binaries
    from tests.kubeapi.real.cluster import ControlPlane

    with tempfile.TemporaryDirectory() as tmp:
        plane = ControlPlane(binaries.ensure(), Path(tmp))
        plane.start(controllers=False)
        try:
            results: Results = {"load": asyncio.run(_load(plane, args.pods, args.concurrency))}
            results["etcd_revision"] = plane.etcd_revision()
            kubeconfig = plane.service_account_kubeconfig()
            server_pid = plane.components["kube-apiserver"].process.pid  # type: ignore[union-attr]
            etcd_pid = plane.components["etcd"].process.pid  # type: ignore[union-attr]
            runs = []
            for _ in range(args.runs):
                before = _cpu_s(server_pid), _cpu_s(etcd_pid), os.getloadavg()[0]
                collector = _collector(kubeconfig)
                started = _read_json(collector)
                ready = asyncio.run(_until_ready(started["health_port"]))
                assert collector.stdin is not None
                collector.stdin.write("ready\n")
                collector.stdin.flush()
                run = {"wall_s": round(ready - started["began"], 2), **_read_json(collector)}
                run["apiserver_cpu_s"] = round(_cpu_s(server_pid) - before[0], 2)
                run["etcd_cpu_s"] = round(_cpu_s(etcd_pid) - before[1], 2)
                run["load_average_1m_before"] = round(before[2], 2)
                collector.communicate(timeout=60)
                runs.append(run)
        finally:
            plane.stop()
    results["runs"] = runs
    numeric = [key for key, value in runs[0].items() if isinstance(value, float | int)]
    results["median"] = {key: statistics.median(run[key] for run in runs) for key in numeric}
    cpu = platform.processor() or platform.machine()
    results["machine"] = f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    print(json.dumps(orchestrate(args), indent=2))


if __name__ == "__main__":
    main()
