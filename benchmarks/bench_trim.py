"""Per-event decode cost of the reflector's ingest path on realistic ~6 KB pod watch events.

Run: `.venv/bin/python -m benchmarks.bench_trim [--events N] [--repeat R]`. Reports µs per
event (best of R runs) for: stdlib json.loads, orjson.loads, orjson + trim (the reflector's
path), and the memory retained per trimmed pod versus the full decoded dict.
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import orjson
from tests.kubeapi import objects

from k8smeta.collector.kube.trim import trim
from k8smeta.collector.model import Kind


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


def reflector_path(line: bytes) -> object:
    event: dict[str, Any] = orjson.loads(line)
    return trim(Kind.POD, event["object"])


def retained_bytes(lines: list[bytes], keep: Callable[[bytes], object]) -> float:
    """Bytes still allocated per event after decoding all of them and keeping `keep(line)`."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = [keep(line) for line in lines]
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert len(kept) == len(lines)
    return (after - before) / len(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    lines = watch_lines(args.events)
    size = sum(len(line) for line in lines) / len(lines)
    print(f"{args.events} pod watch events, {size / 1024:.1f} KiB each, best of {args.repeat}")
    paths: list[tuple[str, Callable[[bytes], object]]] = [
        ("json.loads -> dict", json.loads),
        ("orjson.loads -> dict", orjson.loads),
        ("orjson.loads + trim (reflector)", reflector_path),
    ]
    for name, step in paths:
        micros = best_of(args.repeat, lines, step)
        print(f"  {name:34s} {micros:7.1f} µs/event  {1e6 / micros / 1000:6.1f}k events/s")
    full = retained_bytes(lines, lambda line: orjson.loads(line)["object"])
    trimmed = retained_bytes(lines, reflector_path)
    print(f"  retained per pod: full dict {full / 1024:.1f} KiB, trimmed {trimmed / 1024:.2f} KiB")


if __name__ == "__main__":
    main()
