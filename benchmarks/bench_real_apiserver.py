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
requests in flight. Each pod is created, then its status (IP, conditions, container
statuses) written through the status subresource, as a kubelet does, `--concurrency` pods
in flight; creation rate = pods with both writes done per second. For the load alone the API
server runs with LOAD_FLAGS (below); it is then restarted as the tests run it, and each run
is bench_ingest's collector role (a fresh process: kubeconfig -> KubeSource -> Collector)
with the token of deploy/'s ServiceAccount: wall from loading the kubeconfig to the first
`GET /readyz` 200, the collector's CPU, its peak RSS (VmHWM), the API server's and etcd's CPU
over the same span. docs/benchmarks.md has the figures and `--keep`/`--attach` for long
loads.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from tests.kubeapi.real.admin import API_VERSION, RESOURCES, path_of

from benchmarks.bench_ingest import _cpu_s, cold_start

Results = dict[str, Any]
Obj = dict[str, Any]
RETRIES = 5

# For the load only (the API server is restarted without them before the collector runs):
# admission plugins that have nothing to act on in this cluster (no quotas, limit ranges,
# webhooks, admission policies, storage, runtime or ingress classes; PodSecurity's default
# level admits every pod) and so change no object's bytes, and API Priority and Fairness
# (the admin is exempt from it anyway). The plugins that write into pods and nodes stay:
# ServiceAccount, Priority, DefaultTolerationSeconds, TaintNodesByCondition, NodeRestriction.
LOAD_FLAGS = [
    "--disable-admission-plugins=" + ",".join((
        "ResourceQuota", "LimitRanger", "PodSecurity", "MutatingAdmissionWebhook",
        "ValidatingAdmissionWebhook", "ValidatingAdmissionPolicy", "StorageObjectInUseProtection",
        "PersistentVolumeClaimResize", "DefaultStorageClass", "RuntimeClass",
        "DefaultIngressClass",
    )),
    "--enable-priority-and-fairness=false",
]  # fmt: skip


class _Loader:
    """Creates objects as the admin, `concurrency` requests in flight, owner UIDs mapped."""

    def __init__(self, admin: Any, concurrency: int) -> None:
        self.admin = admin
        self.gate = asyncio.Semaphore(concurrency)  # requests in flight
        self.pods_gate = asyncio.Semaphore(concurrency)  # pods in flight (one request each)
        self.uids: dict[str, str] = {}
        self.done = 0  # pods created and their status written
        self.retries = 0
        self.stopping = False

    async def create(self, obj: Obj) -> None:
        async with self.gate:
            await self._create(obj)

    async def _create(self, obj: Obj) -> None:
        from kubernetes_asyncio.client.exceptions import ApiException

        body = _body(obj, self.uids)
        meta = body["metadata"]
        path = path_of(body["kind"], meta.get("namespace", ""))
        try:
            created = await self._retried(lambda: self.admin.call("POST", path, body))
        except ApiException as exc:  # kube-system is there already
            if exc.status != 409:
                raise
            created = await self.admin.get(body["kind"], meta.get("namespace", ""), meta["name"])
        self.uids[obj["metadata"]["uid"]] = created["metadata"]["uid"]

    async def _retried(self, call: Callable[[], Awaitable[Any]]) -> Any:
        """A write retried on a dropped connection or the server's 429/5xx (a loaded API
        server may shed a request); a create already done answers 409 on its retry."""
        import aiohttp
        from kubernetes_asyncio.client.exceptions import ApiException

        for attempt in range(RETRIES):
            try:
                return await call()
            except ApiException as exc:
                if (exc.status != 429 and exc.status < 500) or attempt == RETRIES - 1:
                    raise
            except (TimeoutError, aiohttp.ClientError):
                if attempt == RETRIES - 1:
                    raise
            self.retries += 1
            await asyncio.sleep(0.5 * (attempt + 1))
        raise AssertionError("unreachable")

    async def pod(self, obj: Obj) -> None:
        """A pod created, then its status written through the status subresource (as a
        kubelet does): two writes, one after the other, `concurrency` pods in flight (so
        that a pod's status follows its creation closely, as in a cluster)."""
        async with self.pods_gate:
            if self.stopping:  # asked to stop: the pods created so far are the cluster
                return
            await self._create(obj)
            await self._retried(lambda: self.admin.set_status(obj, obj["status"]))
        self.done += 1

    @staticmethod
    async def timed(calls: Iterable[Awaitable[None]]) -> float:
        began = time.perf_counter()
        await asyncio.gather(*calls)
        return time.perf_counter() - began


def _body(obj: Obj, uids: dict[str, str]) -> Obj:
    """What is POSTed: `obj` without the server's fields (status, uid, clusterIP), owner
    references naming the owners' server UIDs. Shallow copies: `obj`'s parts are shared."""
    meta = {k: v for k, v in obj["metadata"].items() if k not in _SERVER_META}
    if "ownerReferences" in meta:
        meta["ownerReferences"] = [
            {**ref, "uid": uids[ref["uid"]]} for ref in meta["ownerReferences"]
        ]
    body = {k: v for k, v in obj.items() if k != "status"}
    body["metadata"] = meta
    if "clusterIP" in body.get("spec", {}):
        body["spec"] = {k: v for k, v in body["spec"].items() if k != "clusterIP"}
    body.setdefault("apiVersion", API_VERSION[RESOURCES[obj["kind"]][0]])
    return body


_SERVER_META = ("uid", "resourceVersion", "creationTimestamp", "managedFields", "generation")


async def _progress(loader: _Loader, total: int, began: float, stop: Path | None) -> None:
    """Pods done and the rate so far, on stderr every 30 s (a long load can be followed);
    once the file `stop` exists, no further pod is started."""
    while True:
        await asyncio.sleep(30)
        spent = time.perf_counter() - began
        print(f"pods {loader.done}/{total} in {spent:.0f} s: {loader.done / spent:.1f}/s, "
              f"{loader.retries} retries", file=sys.stderr, flush=True)  # fmt: skip
        if stop is not None and stop.exists():
            loader.stopping = True


def _accounts_and_nodes(namespaces: list[Obj], nodes: int) -> list[Obj]:
    from tests.kubeapi.objects import node

    accounts = [
        {"kind": "ServiceAccount",
         "metadata": {"name": "default", "namespace": ns["metadata"]["name"],
                      "uid": f"sa-{ns['metadata']['name']}"}}
        for ns in namespaces
    ]  # fmt: skip
    return [*accounts, *(node(f"node-{n:05d}", uid=f"node-{n:05d}") for n in range(nodes))]


async def _load(plane: Any, shape: Any, concurrency: int, stop: Path | None = None) -> Results:
    from tests.kubeapi.real.admin import Admin
    from tests.kubeapi.scale import cluster

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
        began = time.perf_counter()
        progress = asyncio.create_task(_progress(loader, len(pod_objects), began, stop))
        try:
            timings["pods_s"] = await loader.timed(map(loader.pod, pod_objects))
        finally:
            progress.cancel()
        timings["pods_per_s"] = loader.done / timings["pods_s"]
        timings["writes_per_s"] = 2 * timings["pods_per_s"]
    finally:
        await loader.admin.close()
    total = len(namespaces) + len(extra) + len(pod_objects) + sum(map(len, by_kind.values()))
    total -= len(pod_objects) - loader.done
    return {"objects": total, "pods": loader.done, "pods_asked": len(pod_objects),
            "concurrency": concurrency, "retries": loader.retries,
            **{k: round(v, 1) for k, v in timings.items()}}  # fmt: skip


def _collector(kubeconfig: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "benchmarks.bench_ingest", "--collect", str(kubeconfig),
               "--decoder", "typed"]  # fmt: skip
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def orchestrate(args: argparse.Namespace) -> Results:
    from tests.kubeapi.real import binaries
    from tests.kubeapi.real.cluster import ControlPlane
    from tests.kubeapi.scale import ClusterShape

    shape = ClusterShape(pods=args.pods, nodes=args.nodes, namespaces=args.namespaces)
    with contextlib.ExitStack() as stack:
        folder = args.keep or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        plane = ControlPlane(binaries.ensure(), folder)
        server = plane.components["kube-apiserver"]
        flags = list(server.argv)
        server.argv += LOAD_FLAGS
        plane.start(controllers=False)
        try:
            results: Results = {
                "load": asyncio.run(
                    _load(plane, shape, args.concurrency, args.keep and folder / "stop-loading")
                )
            }
            results["etcd_revision"] = plane.etcd_revision()
            results["etcd_db_mib"] = round(plane.etcd_db_bytes() / 2**20)
            server.argv = flags  # the collector meets the API server the tests run
            plane.restart_apiserver()
            attached = {
                "kubeconfig": str(plane.service_account_kubeconfig()),
                "apiserver_pid": server.process.pid,  # type: ignore[union-attr]
                "etcd_pid": plane.components["etcd"].process.pid,  # type: ignore[union-attr]
            }
            if args.keep:
                (folder / "plane.json").write_text(json.dumps(attached))
            results.update(measure(attached, args.runs))
            if args.keep:
                _hold(folder, args.hold_s)
        finally:
            plane.stop()
    return results


def measure(plane: Results, count: int) -> Results:
    """`count` collector cold starts against a running control plane (`plane`: kubeconfig,
    API server and etcd pids); each run's figures and their medians."""
    kubeconfig, server_pid, etcd_pid = (
        plane["kubeconfig"],
        plane["apiserver_pid"],
        plane["etcd_pid"],
    )
    runs = []
    for _ in range(count):
        before = _cpu_s(server_pid), _cpu_s(etcd_pid), os.getloadavg()[0]
        collector = _collector(Path(kubeconfig))
        run = cold_start(collector)
        run["apiserver_cpu_s"] = round(_cpu_s(server_pid) - before[0], 2)
        run["etcd_cpu_s"] = round(_cpu_s(etcd_pid) - before[1], 2)
        run["load_average_1m_before"] = round(before[2], 2)
        collector.communicate(timeout=60)
        runs.append(run)
    numeric = [key for key, value in runs[0].items() if isinstance(value, float | int)]
    cpu = platform.processor() or platform.machine()
    return {
        "runs": runs,
        "median": {key: statistics.median(run[key] for run in runs) for key in numeric},
        "machine": f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
    }


def _hold(folder: Path, seconds: float) -> None:
    """Keep the control plane up (for `--attach` runs) until `folder/stop` exists or
    `seconds` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (folder / "stop").exists():
        time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--nodes", type=int, default=5_000, help="(smaller: a smoke run)")
    parser.add_argument("--namespaces", type=int, default=500)
    parser.add_argument("--keep", type=Path, help="control plane folder, kept after the run")
    parser.add_argument(
        "--hold-s",
        type=float,
        default=3600.0,
        help="with --keep: how long the plane stays up after the runs",
    )
    parser.add_argument(
        "--attach", type=Path, help="only the collector runs, on the plane a --keep run holds there"
    )
    args = parser.parse_args()
    if args.attach:
        results = measure(json.loads((args.attach / "plane.json").read_text()), args.runs)
    else:
        results = orchestrate(args)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
