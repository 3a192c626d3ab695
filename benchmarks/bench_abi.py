"""Cost of libk8smeta.so through its C ABI, measured from a C host without Python.

Run: `make plugin && .venv/bin/python benchmarks/bench_abi.py [--iterations N] [--burst B]
[--runs R] [--library PATH]` (`--library`: another build, e.g. of an older tree, with its
virtualenv next to it, to compare before and after on the same host). Compiles
benchmarks/bench_abi.c with the system compiler against our API header and the C test host
(tests/host/c/fakesinsp.c), writes the setup payloads (110 pods with their details, 1,000
namespaces, 1,000 services, as the feed encodes them), starts a loopback gRPC collector
that streams B events to the library's feed, and runs the C host R times in an empty
environment. Prints the median over runs of each figure.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import orjson

from k8smeta.plugin.abi.cdef import c_header
from k8smeta.plugin.core.fields import FIELD_IDS
from k8smeta.plugin.feed.translate import event_payload
from k8smeta.wire import metadata_pb2, metadata_pb2_grpc

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "build" / "libk8smeta.so"
PODS, NAMESPACES, SERVICES = 110, 1000, 1000
TARGET_POD = "00000000-0000-4000-8000-000000000000"
#: The target pod's container, and the ids bench_abi.c extracts (checked at start).
CONTAINER_ID = "5f2b9c0d7e1a4b3c8d6e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e"
C_FIELD_IDS = {"k8smeta.container.name": 49, "k8smeta.container.image": 50, "k8smeta.pod.qos": 60}
SPEC = orjson.dumps({
    "containers": [{"image": "registry.example.com/team/web:1.4.2", "name": "web"},
                   {"image": "registry.example.com/team/proxy:1.4.2", "name": "proxy"}],
    "serviceAccountName": "web",
}).decode()  # fmt: skip


def _status(container_id: str) -> str:
    """A pod's status with its details: the target's container ID first."""
    statuses = [
        {"containerID": f"containerd://{cid}", "imageID": "registry.example.com/team/x@sha256:"
         + "0" * 64, "name": name}
        for name, cid in (("web", container_id), ("proxy", "e" * 64))
    ]  # fmt: skip
    status = {"containerStatuses": statuses, "podIP": "10.0.0.1", "qosClass": "Burstable"}
    return orjson.dumps(status).decode()


def _uid(kind: int, index: int) -> str:
    return f"{kind:08d}-0000-4000-8000-{index:012d}"


def _event(
    kind: str, uid: str, meta: Mapping[str, object], **refs: list[str]
) -> metadata_pb2.Event:
    event = metadata_pb2.Event(
        reason="Create", uid=uid, kind=kind, meta=orjson.dumps(meta).decode()
    )
    if kind == "Pod":
        event.spec = SPEC
        event.status = _status(CONTAINER_ID if uid == TARGET_POD else "f" * 64)
        for ref_kind, uids in refs.items():
            event.refs.resources[ref_kind].list.extend(uids)
    return event


def cluster() -> list[metadata_pb2.Event]:
    """The setup events: namespaces, services, a deployment and replica set, pods."""
    events = [
        _event(
            "Namespace",
            _uid(1, i),
            {"name": f"ns-{i}", "labels": {"team": f"t{i}", "env": "prod", "tier": str(i % 3)}},
        )
        for i in range(NAMESPACES)
    ]
    events += [
        _event(
            "Service",
            _uid(2, i),
            {"name": f"svc-{i}", "namespace": f"ns-{i}", "labels": {"app": f"a{i}", "svc": "yes"}},
        )
        for i in range(SERVICES)
    ]
    events.append(
        _event(
            "Deployment", _uid(3, 0), {"name": "web", "namespace": "ns-0", "labels": {"app": "web"}}
        )
    )
    events.append(
        _event(
            "ReplicaSet",
            _uid(4, 0),
            {"name": "web-1", "namespace": "ns-0", "labels": {"app": "web"}},
        )
    )
    for i in range(PODS):
        uid = TARGET_POD if i == 0 else _uid(5, i)
        meta = {
            "name": f"web-{i}",
            "namespace": f"ns-{i}",
            "labels": {"app": "web", "pod-template-hash": "1"},
        }
        events.append(
            _event(
                "Pod",
                uid,
                meta,
                Namespace=[_uid(1, i)],
                Deployment=[_uid(3, 0)],
                ReplicaSet=[_uid(4, 0)],
                Service=[_uid(2, i), _uid(2, i + 1)],
            )
        )
    return events


def burst(count: int) -> list[metadata_pb2.Event]:
    """Pod Updates for the burst (the store size stays as set up)."""
    events = []
    for n in range(count):
        i = n % PODS
        uid = TARGET_POD if i == 0 else _uid(5, i)
        meta = {"name": f"web-{i}", "namespace": f"ns-{i}", "labels": {"app": "web", "rev": str(n)}}
        event = _event("Pod", uid, meta, Namespace=[_uid(1, i)], Service=[_uid(2, i)])
        event.reason = "Update"
        events.append(event)
    return events


class Burst(metadata_pb2_grpc.MetadataServicer):
    """Streams the burst on the first Watch, then holds every stream open."""

    def __init__(self, events: list[metadata_pb2.Event]) -> None:
        self.events = events
        self.calls = 0
        self.release = threading.Event()

    def Watch(  # noqa: N802 - the gRPC method name
        self, request: metadata_pb2.Selector, context: grpc.ServicerContext
    ) -> Iterator[metadata_pb2.Event]:
        self.calls += 1
        if self.calls == 1:
            yield from self.events
        context.add_callback(self.release.set)
        self.release.wait(120)


def compile_host(out: Path, name: str = "bench_abi") -> Path:
    """`benchmarks/<name>.c` linked with the C test host, against our API header."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        raise SystemExit("a C compiler is needed")
    (out / "plugin_api.h").write_text(c_header())
    binary = out / name
    host = ROOT / "tests" / "host" / "c"
    subprocess.run(
        [
            compiler,
            "-O2",
            f"-I{out}",
            f"-I{host}",
            "-o",
            str(binary),
            str(ROOT / "benchmarks" / f"{name}.c"),
            str(host / "fakesinsp.c"),
            "-ldl",
            "-lpthread",
        ],
        check=True,
    )
    return binary


def run_once(  # noqa: PLR0917 - the benchmark's knobs
    binary: Path, payloads: Path, iterations: int, count: int, nice: int, library: Path
) -> dict[str, float]:
    servicer = Burst(burst(count))
    executor = ThreadPoolExecutor(max_workers=4)
    server = grpc.server(executor)
    metadata_pb2_grpc.add_MetadataServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    config = orjson.dumps(
        {"collectorHostname": "127.0.0.1", "collectorPort": port, "nodeName": "n"}
    )
    try:
        proc = subprocess.run(
            [
                "/usr/bin/env",
                "-i",
                str(binary),
                str(library),
                str(payloads),
                config.decode(),
                TARGET_POD,
                str(iterations),
                str(count),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        servicer.release.set()
        server.stop(grace=None).wait(5)
        executor.shutdown(wait=True, cancel_futures=True)
    if proc.returncode != 0:
        raise SystemExit(f"bench_abi failed: {proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    values: dict[str, float] = {}
    for line in proc.stdout.splitlines():
        key, _, value = line.partition("=")
        try:
            values[key] = float(value)
        except ValueError:
            continue
    return values


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=200_000)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--nice", type=int, default=0, help="niceness of the C host (negative: needs root)"
    )
    parser.add_argument("--library", type=Path, default=LIBRARY, help="the library to measure")
    args = parser.parse_args()
    for name, field_id in C_FIELD_IDS.items():
        assert FIELD_IDS[name] == field_id, f"bench_abi.c: {name} is field {FIELD_IDS[name]}"
    if not args.library.exists():
        raise SystemExit(f"{args.library} is missing: run `make plugin`")
    with tempfile.TemporaryDirectory(prefix="bench-abi-") as tmp:
        out = Path(tmp)
        binary = compile_host(out)
        payloads = out / "cluster.jsonl"
        payloads.write_bytes(b"".join(event_payload(e).rstrip(b"\0") + b"\n" for e in cluster()))
        runs = [
            run_once(binary, payloads, args.iterations, args.burst, args.nice, args.library)
            for _ in range(args.runs)
        ]
    for key in runs[0]:
        figures = [run[key] for run in runs if key in run]
        print(
            f"{key}: median {statistics.median(figures):,.0f}  runs {[round(f) for f in figures]}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
