"""Collector start-up against a live API: 150,000 realistic pods to every kind synced.

Run: `.venv/bin/python -m benchmarks.bench_ingest [--pods 150000] [--runs 3]
[--decoder typed|general]` (about 1 minute; prints one JSON document).

Method. A server process runs the Kubernetes API stand-in (`tests/kubeapi`, aiohttp on
127.0.0.1) loaded with `tests/kubeapi/scale.cluster`: full, realistic objects (pods of ~5.6 KB
JSON with managedFields, annotations, two containers, a full status) in the collector
benchmark's shape, and writes a kubeconfig for it. Each run is a fresh collector process
built as the `k8smeta-collector` command builds it: the kubeconfig loaded by
kubernetes_asyncio, a `KubeSource` (one reflector per kind, listing in pages of 500 over real HTTP,
then watching) and the whole `Collector` (index, views, broker, gRPC server, probes). Wall =
from loading the kubeconfig until `GET /readyz` first answers 200 (polled every 10 ms over
HTTP by the benchmark's own process, as a kubelet would), i.e. every kind listed, applied and
published. CPU = the collector process's CPU time
over the same span; decode CPU = the thread CPU time spent in `KindDecoder.page` (bytes of a
list page -> trimmed objects; the wrapper is installed by this benchmark). Peak RSS = the
collector process's VmHWM. `--decoder general` forces the orjson + trim path (the
decoder before msgspec) for comparison. The figures reported are the medians over the runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from benchmarks.bench_collector import peak_rss_mib, rss_mib

Results = dict[str, Any]
POLL_S = 0.01


async def serve(pods: int, kubeconfig: Path) -> None:
    """Server role: generate the cluster, serve it, report on stdout, wait for stdin EOF."""
    from tests.kubeapi.__main__ import KUBECONFIG
    from tests.kubeapi.scale import ClusterShape, cluster
    from tests.kubeapi.standin import KubeApiStandIn

    began = time.perf_counter()
    async with KubeApiStandIn() as api:
        count = api.state.load(cluster(ClusterShape(pods=pods)))
        sample = api.state.sorted_objects("pods")[:1000]
        kubeconfig.write_text(KUBECONFIG.format(url=api.url, token=api.token))
        report = {
            "objects": count,
            "pods": len(api.state.objects["pods"]),
            "pod_json_bytes": round(sum(len(orjson.dumps(p)) for p in sample) / len(sample)),
            "generate_s": round(time.perf_counter() - began, 1),
            "server_rss_mib": round(peak_rss_mib(), 1),
        }
        print(json.dumps(report), flush=True)
        await asyncio.to_thread(sys.stdin.read)


async def collect(kubeconfig: str, decoder: str) -> None:
    """Collector role: start a collector on the kubeconfig; report its probe port and start
    time, then (when told on stdin that /readyz answered 200) its CPU and memory."""
    from k8smeta.collector.app import Collector, CollectorConfig
    from k8smeta.collector.kube.config import load_api_client
    from k8smeta.collector.kube.source import KubeSource
    from k8smeta.collector.ops.metrics import CollectorMetrics

    decode_cpu = _time_decoding(decoder)
    rss_before = rss_mib()
    cpu, began = time.process_time(), time.time()
    api_client = await load_api_client(kubeconfig)
    metrics = CollectorMetrics()
    source = KubeSource(api_client, metrics)
    config = CollectorConfig("127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0")
    collector = Collector(config, [source], metrics)
    await collector.start()
    print(json.dumps({"health_port": collector.health_port, "began": began}), flush=True)
    await asyncio.to_thread(sys.stdin.readline)  # the orchestrator saw /readyz 200
    cpu = time.process_time() - cpu
    counts = {kind.value: len(r.objects()) for kind, r in source.reflectors.items()}
    print(
        json.dumps(
            {
                "cpu_s": round(cpu, 2),
                "decode_cpu_s": round(decode_cpu[0], 2),
                "rss_before_mib": round(rss_before, 1),
                "rss_ready_mib": round(rss_mib(), 1),
                "peak_rss_mib": round(peak_rss_mib(), 1),
                "synced": counts,
            }
        ),
        flush=True,
    )
    await collector.stop()
    await api_client.close()


def _time_decoding(decoder: str) -> list[float]:
    """Accumulate the thread CPU time of every list page decoded from now on."""
    from k8smeta.collector.kube.decode import KindDecoder, Page, json_object

    spent = [0.0]
    typed = KindDecoder.page

    def general(self: KindDecoder, body: bytes) -> Page:
        return self._page_from_json(json_object(body, self._path))

    chosen = typed if decoder == "typed" else general

    def timed(self: KindDecoder, body: bytes) -> Page:
        began = time.thread_time()
        try:
            return chosen(self, body)
        finally:
            spent[0] += time.thread_time() - began

    KindDecoder.page = timed  # type: ignore[method-assign]
    return spent


async def _until_ready(port: int) -> float:
    """Poll /readyz until it answers 200; the time.time() of that answer."""
    url = f"http://127.0.0.1:{port}/readyz"
    async with aiohttp.ClientSession() as session:
        while True:
            async with session.get(url) as response:
                if response.status == 200:
                    return time.time()
            await asyncio.sleep(POLL_S)


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of another process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run(role: list[str]) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "benchmarks.bench_ingest", *role]
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def _read_json(process: subprocess.Popen[str]) -> Results:
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        raise SystemExit(f"{process.args!r}: ended without a result (exit {process.wait()})")
    parsed: Results = json.loads(line)
    return parsed


def cold_start(collector: subprocess.Popen[str]) -> Results:
    """One started collector's figures: wall from its start to the first `/readyz` 200,
    then what it reports of itself once told it is ready (it then exits)."""
    started = _read_json(collector)
    ready = asyncio.run(_until_ready(started["health_port"]))
    assert collector.stdin is not None
    collector.stdin.write("ready\n")
    collector.stdin.flush()
    return {"wall_s": round(ready - started["began"], 2), **_read_json(collector)}


def orchestrate(args: argparse.Namespace) -> Results:
    with tempfile.TemporaryDirectory() as tmp:
        kubeconfig = Path(tmp) / "kubeconfig"
        server = _run(["--serve", str(kubeconfig), "--pods", str(args.pods)])
        try:
            results: Results = {"server": _read_json(server), "decoder": args.decoder}
            runs = []
            for _ in range(args.runs):
                server_cpu, load = _cpu_s(server.pid), os.getloadavg()[0]
                collector = _run(["--collect", str(kubeconfig), "--decoder", args.decoder])
                run = cold_start(collector)
                run["server_cpu_s"] = round(_cpu_s(server.pid) - server_cpu, 2)
                run["load_average_1m_before"] = round(load, 2)
                collector.communicate(timeout=60)
                runs.append(run)
        finally:
            server.communicate(timeout=60)
    results["runs"] = runs
    numeric = [key for key, value in runs[0].items() if isinstance(value, float | int)]
    results["median"] = {key: statistics.median(run[key] for run in runs) for key in numeric}
    cpu = platform.processor() or platform.machine()
    results["machine"] = f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=150_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--decoder", choices=("typed", "general"), default="typed")
    parser.add_argument("--serve", metavar="KUBECONFIG", help=argparse.SUPPRESS)
    parser.add_argument("--collect", metavar="KUBECONFIG", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.pods, Path(args.serve)))
    elif args.collect:
        asyncio.run(collect(args.collect, args.decoder))
    else:
        print(json.dumps(orchestrate(args), indent=2))


if __name__ == "__main__":
    main()
