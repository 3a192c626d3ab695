"""Throughput of the metadata feed: payload translation, loopback stream -> sink, stop latency.

Run: `.venv/bin/python benchmarks/bench_feed.py [--messages N] [--repeat R]`.
* translate: µs per `event_payload` over the 43 fixture events (best of R runs).
* baseline: messages/s a bare gRPC client reads from a loopback Python server (in another
  process) streaming N copies of fixture #10 (a pod Create, ~600 bytes): the ceiling.
* feed: messages/s the `Feed` pushes into a trivial counting sink from the same server
  (median of R runs, from `start()` to the N-th push). Both also report the CPU time this
  process spent per message (all its threads): the feed's own cost is the difference.
* stop: ms for `stop()` while a stream is open and silent (mean and max of 50 cycles).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

import grpc
from google.protobuf import json_format

from k8smeta.plugin.feed import Feed, FeedSettings, event_payload
from k8smeta.wire import metadata_pb2, metadata_pb2_grpc

FIXTURE = Path(__file__).parent.parent / "tests" / "fixtures" / "collector-stream.json"


def _fixture() -> list[metadata_pb2.Event]:
    docs = json.loads(FIXTURE.read_text())
    return [json_format.ParseDict(doc, metadata_pb2.Event()) for doc in docs]


class Streamer(metadata_pb2_grpc.MetadataServicer):
    """Sends `count` copies of one event per call (0 = stays silent until cancelled)."""

    def __init__(self, event: metadata_pb2.Event, count: int) -> None:
        self.event = event
        self.count = count
        self.arrived = threading.Semaphore(0)

    def Watch(  # noqa: N802 - the generated servicer's method name
        self, request: metadata_pb2.Selector, context: grpc.ServicerContext
    ) -> Iterator[metadata_pb2.Event]:
        self.arrived.release()
        if self.count == 0:
            done = threading.Event()
            context.add_callback(done.set)
            done.wait(60.0)
            return
        for _ in range(self.count):
            yield self.event
        # Stay open so that the feed does not reconnect during a measurement.
        done = threading.Event()
        context.add_callback(done.set)
        done.wait(60.0)


def _serve(servicer: Streamer) -> tuple[grpc.Server, str]:
    server = grpc.server(ThreadPoolExecutor(max_workers=4))
    metadata_pb2_grpc.add_MetadataServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, f"127.0.0.1:{port}"


def _serve_in_child(count: int, ports: mp.Queue[int], stop: EventType) -> None:
    server, target = _serve(Streamer(_fixture()[10], count))
    ports.put(int(target.rsplit(":", 1)[1]))
    stop.wait(600.0)
    server.stop(grace=None).wait()


@contextmanager
def _other_process(count: int) -> Iterator[str]:
    """A streaming server in another process, so that it does not share our GIL."""
    context = mp.get_context("spawn")
    ports: mp.Queue[int] = context.Queue()
    stop = context.Event()
    child = context.Process(target=_serve_in_child, args=(count, ports, stop), daemon=True)
    child.start()
    try:
        yield f"127.0.0.1:{ports.get(timeout=60.0)}"
    finally:
        stop.set()
        child.join(10.0)


def bench_translate(events: list[metadata_pb2.Event], repeat: int) -> float:
    rounds = 2000
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        for _ in range(rounds):
            for event in events:
                event_payload(event)
        best = min(best, time.perf_counter() - began)
    return best / (rounds * len(events)) * 1e6


Rate = tuple[float, float]
"""(messages per second, CPU µs of this process per message)."""


def bench_baseline(target: str, count: int) -> Rate:
    with grpc.insecure_channel(target) as channel:
        call = metadata_pb2_grpc.MetadataStub(channel).Watch(metadata_pb2.Selector())
        began, cpu = time.perf_counter(), time.process_time()
        for n, _ in enumerate(call, 1):
            if n == count:
                break
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    return count / elapsed, cpu / count * 1e6


def bench_feed(target: str, count: int) -> Rate:
    done = threading.Event()
    received = 0

    def sink(payload: bytes) -> str | None:
        nonlocal received
        received += 1
        if received == count:
            done.set()
        return None

    feed = Feed(FeedSettings(target=target, node_name="bench", quiet_period=600.0), sink)
    began, cpu = time.perf_counter(), time.process_time()
    feed.start()
    if not done.wait(120.0):
        raise RuntimeError(f"only {received} of {count} messages arrived")
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    feed.stop()
    return count / elapsed, cpu / count * 1e6


def bench_stop(servicer: Streamer, target: str, cycles: int = 50) -> tuple[float, float]:
    feed = Feed(FeedSettings(target=target, node_name="bench"), lambda payload: None)
    times = []
    for _ in range(cycles):
        feed.start()
        if not servicer.arrived.acquire(timeout=10.0):
            raise RuntimeError("the call did not reach the server")
        began = time.perf_counter()
        if not feed.stop():
            raise RuntimeError("stop timed out")
        times.append((time.perf_counter() - began) * 1e3)
    return statistics.mean(times), max(times)


def _report(name: str, rates: list[Rate]) -> None:
    speed = statistics.median(r[0] for r in rates)
    cpu = statistics.median(r[1] for r in rates)
    print(f"{name}: {speed:,.0f} msg/s, {cpu:.1f} µs CPU per message in this process")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    events = _fixture()
    print(f"translate: {bench_translate(events, args.repeat):.2f} µs per event_payload")

    n, runs = args.messages, range(args.repeat)
    with _other_process(n) as target:
        _report("baseline (bare gRPC client)", [bench_baseline(target, n) for _ in runs])
        _report("feed (into a counting sink)", [bench_feed(target, n) for _ in runs])

    silent = Streamer(events[10], 0)
    server, target = _serve(silent)
    try:
        mean, worst = bench_stop(silent, target)
        print(f"stop: {mean:.2f} ms mean, {worst:.2f} ms max over 50 cycles")
    finally:
        server.stop(grace=None).wait()


if __name__ == "__main__":
    main()
