"""Per-event decode cost of the reflector's ingest path on realistic ~6 KB pod watch events.

Run: `.venv/bin/python -m benchmarks.bench_trim [--events N] [--repeat R] [--list-pods P]`.
Reports µs per event (best of R runs) for: stdlib json.loads, orjson.loads, orjson + trim
(the general path, taken when the typed decoder refuses a body), the typed decoder alone
(msgspec into the pod's shape) and `KindDecoder.event` (the reflector's path), and the memory
retained per trimmed pod versus the full decoded dict.
With `--list-pods P`, also the initial list of P pods through the real client stack (a
Reflector over kubernetes_asyncio, pages of 500 served by a separate process): wall time,
this process's CPU time and its resident memory growth.

`--instructions` counts instead the CPU instructions `KindDecoder` executes per pod, on a
watch line and in a list page of 100 pods, under `valgrind --tool=callgrind` (needs
valgrind): the same figure whatever else the machine runs. Each path runs twice in a fresh
interpreter, with `LOW` and `HIGH` pods decoded after a warm-up, and the difference is
divided by `HIGH - LOW`, which cancels start-up and imports.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import msgspec
import orjson
from aiohttp import web
from prometheus_client import CollectorRegistry
from tests.kubeapi import objects

from k8smeta.collector.kube.config import api_client_for
from k8smeta.collector.kube.decode import KindDecoder
from k8smeta.collector.kube.kinds import KINDS
from k8smeta.collector.kube.policy import ReflectorPolicy
from k8smeta.collector.kube.reflector import Reflector
from k8smeta.collector.kube.shapes import event_of
from k8smeta.collector.kube.transport import Transport
from k8smeta.collector.kube.trim import trim
from k8smeta.collector.model import BatchQueue, Kind
from k8smeta.collector.ops.metrics import CollectorMetrics


def watch_lines(count: int) -> list[bytes]:
    """`count` distinct MODIFIED events of realistic pods, one JSON line each."""
    rs = objects.replica_set("web-7d4b9", "shop", uid="0d7c6a8e-1b2c-4d5e-8f90-a1b2c3d4e5f6")
    lines = []
    for i in range(count):
        pod = objects.pod(
            f"web-7d4b9-{i:05d}",
            "shop",
            node=f"node-{i % 50}",
            ip=f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
            labels={"app": "web", "pod-template-hash": "7d4b9"},
            owner=rs,
            uid=f"{i:08x}-2277-460b-a4bf-5a0783f6d49f",
        )
        pod["metadata"]["resourceVersion"] = str(100000 + i)
        lines.append(orjson.dumps({"type": "MODIFIED", "object": pod}) + b"\n")
    return lines


def best_of(repeat: int, lines: list[bytes], step: Callable[[bytes], object]) -> float:
    """Best wall time per event, in microseconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for line in lines:
            step(line)
        best = min(best, time.perf_counter() - start)
    return best / len(lines) * 1e6


def general_path(line: bytes) -> object:
    event: dict[str, Any] = orjson.loads(line)
    return trim(Kind.POD, event["object"])


POD_EVENTS = KindDecoder(KINDS[Kind.POD])
POD_SHAPE = msgspec.json.Decoder(event_of(KINDS[Kind.POD].shape))


def reflector_path(line: bytes) -> object:
    return POD_EVENTS.event(line).obj


def retained_bytes(lines: list[bytes], keep: Callable[[bytes], object]) -> float:
    """Bytes still allocated per event after decoding all of them and keeping `keep(line)`."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = [keep(line) for line in lines]
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert len(kept) == len(lines)
    return (after - before) / len(lines)


MARK = b"@@@@@@@@"


def page_template(size: int) -> bytes:
    """One list page of `size` pods whose uids and names contain MARK (replaced per page)."""
    items = []
    for raw in watch_lines(size):
        pod = orjson.loads(raw)["object"]
        meta = pod["metadata"]
        meta["uid"] = meta["uid"][:-12] + MARK.decode() + meta["uid"][-4:]
        meta["name"] = f"{meta['name']}-{MARK.decode()}"
        items.append({k: v for k, v in pod.items() if k not in ("kind", "apiVersion")})
    body = {
        "kind": "PodList",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": "1", "continue": "NEXT"},
        "items": items,
    }
    return orjson.dumps(body)


def serve_pages(pages: int, size: int, port_out: Any) -> None:
    """Child process: GET /api/v1/pods pages (continue = page number); watches stay open."""
    template = page_template(size)

    async def handle(request: web.Request) -> web.StreamResponse:
        if request.query.get("watch"):
            response = web.StreamResponse()
            await response.prepare(request)
            await asyncio.Event().wait()
        index = int(request.query.get("continue") or 0)
        nxt = b"" if index + 1 >= pages else str(index + 1).encode()
        body = template.replace(MARK, b"%08d" % index).replace(b"NEXT", nxt)
        return web.Response(body=body, content_type="application/json")

    async def run() -> None:
        app = web.Application()
        app.router.add_get("/api/v1/pods", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port_out.put(runner.addresses[0][1])
        await asyncio.Event().wait()

    asyncio.run(run())


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


async def measure_list(pods: int, size: int) -> None:
    """Initial list of `pods` pods through ApiClient + Reflector; prints time, CPU, memory."""
    pages = max(1, pods // size)
    ports: Any = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve_pages, args=(pages, size, ports), daemon=True)
    server.start()
    client = api_client_for(f"http://127.0.0.1:{ports.get(timeout=60)}", "bench")
    metrics = CollectorMetrics(CollectorRegistry())
    policy = ReflectorPolicy(page_limit=size)
    reflector = Reflector(KINDS[Kind.POD], Transport(client), metrics, policy)
    queue: BatchQueue = asyncio.Queue()
    before, cpu, wall = rss_mib(), time.process_time(), time.perf_counter()
    task = asyncio.create_task(reflector.run(queue))
    batch = await queue.get()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    grown = rss_mib() - before
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await client.close()
    server.terminate()
    count = len(batch.changes)
    print(f"list of {count} pods ({pages} pages of {size}) through kubernetes_asyncio + Reflector:")
    print(
        f"  wall {wall:.2f} s, client CPU {cpu:.2f} s ({cpu / count * 1e6:.1f} µs/pod), "
        f"RSS +{grown:.0f} MiB ({grown * 1024 / count:.2f} KiB/pod incl. the batch)"
    )


LOW, HIGH = 200, 1200
_PAGE_PODS = 100


def drive(path: str, pods: int) -> None:
    """Decode `pods` pods by `path` ("event": watch lines, "page": pages of 100), after a
    warm-up: the program callgrind counts."""
    lines = watch_lines(_PAGE_PODS)
    decoder = KindDecoder(KINDS[Kind.POD])
    if path == "event":
        for line in lines:
            assert decoder.event(line).obj is not None
        for number in range(pods):
            decoder.event(lines[number % len(lines)])
        return
    items = [orjson.dumps(orjson.loads(line)["object"]) for line in lines]
    page = b'{"kind":"PodList","metadata":{"resourceVersion":"1"},"items":['
    page += b",".join(items) + b"]}"
    assert len(decoder.page(page).objects) == _PAGE_PODS
    for _ in range(pods // _PAGE_PODS):
        decoder.page(page)


def instructions(path: str, pods: int) -> int:
    """Instructions callgrind counts for a fresh interpreter running `drive(path, pods)`."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    command += [sys.executable, "-m", "benchmarks.bench_trim", "--drive", path, str(pods)]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"no instruction count from callgrind:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def count_instructions() -> None:
    print(f"instructions per pod (callgrind; {HIGH} - {LOW} pods decoded):")
    for path, name in (
        ("event", "KindDecoder.event, a watch line"),
        ("page", "KindDecoder.page, 100-pod page"),
    ):
        per_pod = (instructions(path, HIGH) - instructions(path, LOW)) / (HIGH - LOW)
        print(f"  {name:34s} {per_pod / 1000:7.1f}k")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--list-pods", type=int, default=0)
    parser.add_argument("--page", type=int, default=500, help="list page size (limit)")
    parser.add_argument("--instructions", action="store_true", help="count, under callgrind")
    parser.add_argument("--drive", nargs=2, metavar=("PATH", "PODS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        drive(args.drive[0], int(args.drive[1]))
        return
    if args.instructions:
        count_instructions()
        return
    lines = watch_lines(args.events)
    size = sum(len(line) for line in lines) / len(lines)
    print(f"{args.events} pod watch events, {size / 1024:.1f} KiB each, best of {args.repeat}")
    paths: list[tuple[str, Callable[[bytes], object]]] = [
        ("json.loads -> dict", json.loads),
        ("orjson.loads -> dict", orjson.loads),
        ("orjson.loads + trim (general)", general_path),
        ("msgspec into the pod shape", POD_SHAPE.decode),
        ("KindDecoder.event (reflector)", reflector_path),
    ]
    for name, step in paths:
        micros = best_of(args.repeat, lines, step)
        print(f"  {name:34s} {micros:7.1f} µs/event  {1e6 / micros / 1000:6.1f}k events/s")
    full = retained_bytes(lines, lambda line: orjson.loads(line)["object"])
    trimmed = retained_bytes(lines, reflector_path)
    print(f"  retained per pod: full dict {full / 1024:.1f} KiB, trimmed {trimmed / 1024:.2f} KiB")
    if args.list_pods:
        asyncio.run(measure_list(args.list_pods, args.page))


if __name__ == "__main__":
    main()
