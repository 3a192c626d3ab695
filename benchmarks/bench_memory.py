"""Where the plugin's memory goes: RSS after each part the plugin loads, in its own order.

Run: `.venv/bin/python -m benchmarks.bench_memory [--runs R] [--events N] [--python PATH]
[--alone]`. Each run starts a fresh interpreter (of the project's virtualenv, or
`--python`: another one; the child runs with `PYTHONPATH=src`) that reads its RSS
(`/proc/self/statm`) after each step, in the order the library loads them: the
interpreter, the plugin core (with orjson), the ABI layer (with cffi's backend), the wire
stubs with protobuf, asyncio and grpclib with h2 (through `feed.aio`: without `ssl`, as a
plaintext feed loads them), the rest of the feed, then the real `Feed` streaming from a
loopback collector (a `grpcio` server in this process) the set-up objects of `bench_abi`
and N updates into a real `PluginCore` (the store). The increments of the steps are what
each part adds on top of the previous ones; at the end the child's RSS is split by mapping
(`/proc/self/smaps`: libraries, the main heap, glibc's per-thread arenas, other anonymous
memory such as Python's object arenas); `--alone` also measures each third-party import
alone in a fresh interpreter. Prints the median over runs, in KiB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc

from benchmarks.bench_abi import Burst, burst, cluster
from k8smeta.wire import metadata_pb2_grpc

ROOT = Path(__file__).resolve().parents[1]

#: The child's common start: one RSS reading per step, printed as JSON lines.
PROLOGUE = """
import json, os, re, sys, threading, time
PAGE = os.sysconf("SC_PAGE_SIZE") // 1024
ARENA = 64 << 20  # a glibc thread arena's heap: 64 MiB aligned and reserved

def mark(step):
    with open("/proc/self/statm") as f:
        rss = int(f.read().split()[1]) * PAGE
    print(json.dumps({"step": step, "rss_kb": rss}), flush=True)

def maps():
    regions = []
    with open("/proc/self/smaps") as f:
        for line in f:
            if re.match(r"[0-9a-f]+-[0-9a-f]+ ", line):
                span, perms, *rest = line.split()
                start, end = (int(x, 16) for x in span.split("-"))
                regions.append([start, end, perms, rest[3] if len(rest) > 3 else "", 0])
            elif line.startswith("Rss:"):
                regions[-1][4] = int(line.split()[1])
    parts = {}
    for start, end, perms, name, rss in regions:
        if name.startswith("/"):
            part = "file: " + re.sub(r"[.]so.*|[.]cpython.*|-[0-9].*", "", os.path.basename(name))
        elif name:
            part = name
        elif start % ARENA == 0 and perms.startswith("rw") and end - start <= ARENA:
            part = "glibc thread arenas"
        else:
            part = "anonymous (Python arenas, large blocks)"
        parts[part] = parts.get(part, 0) + rss
    print(json.dumps({"maps": parts}), flush=True)

mark("interpreter")
import k8smeta.plugin.core.plugin, k8smeta.plugin.core.config
mark("plugin core")
import _cffi_backend
import k8smeta.plugin.abi.session, k8smeta.plugin.abi.exports
mark("abi layer")
from k8smeta.wire import metadata_pb2
mark("protobuf + wire stubs")
from k8smeta.plugin.core.config import parse_config
from k8smeta.plugin.core.plugin import PluginCore
port, wanted = int(sys.argv[1]), int(sys.argv[2])
config = parse_config(json.dumps({"collectorHostname": "127.0.0.1",
    "collectorPort": port, "nodeName": "n"}), {})
core = PluginCore(config)
pending = []
done = threading.Event()
"""

#: The store step, after a client filled `pending` with `wanted` payloads.
EPILOGUE = """
for payload in pending:
    core.parse_async("k8s", payload)
pending.clear()
mark("store")
"""

#: The plugin's feed: grpclib on h2, on an asyncio loop in the feed thread.
FEED = (
    """
from k8smeta.plugin.feed import Feed, FeedSettings
mark("feed: asyncio, grpclib, h2")

def sink(payload):
    pending.append(payload)
    if len(pending) >= wanted:
        done.set()
    return None

feed = Feed(FeedSettings(target=f"127.0.0.1:{port}", node_name="n"), sink)
feed.start()
done.wait(120)
mark("channel + stream")
"""
    + EPILOGUE
    + """
maps()
feed.stop()
"""
)

CLIENTS = {"feed": FEED}


STEPS_ALONE = {
    "protobuf + wire stubs": "from k8smeta.wire import metadata_pb2",
    "ssl": "import ssl",
    "cffi backend": "import _cffi_backend",
    "orjson": "import orjson",
    "grpclib client + ssl": "import ssl, grpclib.client",
    "asyncio + grpclib, no ssl": "import sys; sys.modules['ssl'] = None; import grpclib.client",
}


def run_child(python: str, client: str, port: int, wanted: int) -> dict[str, int]:
    """RSS per step, then per mapping (keys "maps: <part>"), KiB."""
    proc = subprocess.run(
        [python, "-c", PROLOGUE + CLIENTS[client], str(port), str(wanted)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT / "src")},
    )
    if proc.returncode != 0:
        raise SystemExit(f"child failed: {proc.stderr[-3000:]}")
    readings = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    steps = {r["step"]: r["rss_kb"] for r in readings if "step" in r}
    for reading in readings:
        steps |= {f"maps: {part}": kb for part, kb in reading.get("maps", {}).items()}
    return steps


def run_once(python: str, client: str, events: int) -> dict[str, int]:
    setup = cluster()
    servicer = Burst(setup + burst(events))
    executor = ThreadPoolExecutor(max_workers=4)
    server = grpc.server(executor)
    metadata_pb2_grpc.add_MetadataServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        return run_child(python, client, port, len(setup) + events)
    finally:
        servicer.release.set()
        server.stop(grace=None).wait(5)
        executor.shutdown(wait=True, cancel_futures=True)


def alone(python: str, statement: str) -> int | None:
    """RSS increment of `statement` in a fresh interpreter (None: it failed there)."""
    code = (
        "import os\n"
        "def rss():\n"
        "    return int(open('/proc/self/statm').read().split()[1]) * os.sysconf('SC_PAGE_SIZE')"
        " // 1024\n"
        f"before = rss()\n{statement}\nprint(rss() - before)\n"
    )
    proc = subprocess.run(
        [python, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT / "src")},
    )
    return int(proc.stdout.strip()) if proc.returncode == 0 else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--alone", action="store_true")
    parser.add_argument(
        "--client", choices=sorted(CLIENTS), default="feed", help="the gRPC client to load"
    )
    args = parser.parse_args()
    runs = [run_once(args.python, args.client, args.events) for _ in range(args.runs)]
    previous = 0
    print(f"{'step':<28}{'RSS KiB':>10}{'+ KiB':>10}  runs")
    for step in (s for s in runs[0] if not s.startswith("maps: ")):
        values = [run[step] for run in runs]
        median = int(statistics.median(values))
        print(f"{step:<28}{median:>10,}{median - previous:>+10,}  {values}")
        previous = median
    print("by mapping at the end (KiB, median of runs; parts under 100 KiB left out):")
    parts = {key for run in runs for key in run if key.startswith("maps: ")}
    medians = {p: int(statistics.median(run.get(p, 0) for run in runs)) for p in parts}
    for part, median in sorted(medians.items(), key=lambda item: -item[1]):
        if median >= 100:
            print(f"  {part[6:]:<44}{median:>10,}")
    if args.alone:
        print("alone (fresh interpreter, median of runs):")
        for name, statement in STEPS_ALONE.items():
            figures = [alone(args.python, statement) for _ in range(args.runs)]
            if None in figures:
                print(f"  {name:<26}{'not installed':>12}")
                continue
            print(f"  {name:<26}{int(statistics.median(f for f in figures if f)):>+12,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
