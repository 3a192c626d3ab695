"""`k8smeta-collector` (also `k8smeta collector`): flags -> a running collector.

The flags are documented in docs/configuration.md.

SIGHUP re-reads `--snapshot` files (also one received while they are first loaded). Exit
codes: 0 after SIGTERM/SIGINT, 2 for bad flags or unreadable certificates/snapshots, 1 when
a listener cannot open (the message names its flag) or a source fails.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from k8smeta import __version__
from k8smeta.collector.app import Collector, CollectorConfig, ListenError
from k8smeta.collector.broker import DEFAULT_QUEUE_SIZE
from k8smeta.collector.logs import FORMATS, LEVELS, configure_logging
from k8smeta.collector.model import Source
from k8smeta.collector.ops.address import AddressError, parse_bind_address
from k8smeta.collector.ops.metrics import CollectorMetrics, process_registry
from k8smeta.collector.rpc.server import Keepalive, TlsConfig
from k8smeta.collector.rpc.tls_files import PemFile, TlsFileError, check_server_files
from k8smeta.collector.signals import Signals

log = logging.getLogger(__name__)
PROG = "k8smeta-collector"
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
# gRPC takes durations as 32-bit milliseconds: 2^31 - 1 ms, about 24.8 days.
MAX_DURATION_S = 2_147_483.647
_LISTENER_FLAGS = {
    "broker": "--broker-bind-address",
    "metrics": "--metrics-bind-address",
    "health": "--health-probe-bind-address",
}


class UsageError(Exception):
    """A flag value that cannot be used; reported as `k8smeta-collector: <message>`, exit 2."""


def parse_duration(text: str) -> float:
    """Go-style durations (`30s`, `1m30s`, `500ms`) or plain seconds, 0 to MAX_DURATION_S.

    argparse reports a refusal as a usage error naming the flag (exit 2).
    """
    try:
        seconds = float(text)
    except ValueError:
        parts = _DURATION.findall(text)
        if not parts or "".join(n + u for n, u in parts) != text:
            raise argparse.ArgumentTypeError(f"invalid duration {text!r}") from None
        seconds = sum(float(number) * _UNITS[unit] for number, unit in parts)
    if not math.isfinite(seconds):
        raise argparse.ArgumentTypeError(f"invalid duration {text!r}")
    if seconds < 0:
        raise argparse.ArgumentTypeError(f"negative duration {text!r}")
    if seconds > MAX_DURATION_S:
        limit = f"{MAX_DURATION_S}s"
        raise argparse.ArgumentTypeError(f"duration {text!r} is longer than the limit {limit}")
    return seconds


#: The shortest `--keepalive-time`: gRPC's own minimum for keepalive pings (grpc-go raises
#: a client's shorter interval to 10 s). Shorter intervals only cost CPU on every stream.
MIN_KEEPALIVE_TIME_S = 10.0


def keepalive_time(text: str) -> float:
    """A `--keepalive-time` duration, MIN_KEEPALIVE_TIME_S or longer."""
    seconds = parse_duration(text)
    if seconds < MIN_KEEPALIVE_TIME_S:
        raise argparse.ArgumentTypeError(
            f"{text!r} is shorter than gRPC's minimum keepalive interval"
            f" of {MIN_KEEPALIVE_TIME_S:g}s"
        )
    return seconds


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Kubernetes metadata collector.")
    add = parser.add_argument
    add("--broker-bind-address", default=":45000", help="gRPC listener (default :45000)")
    add("--metrics-bind-address", default=":8080", help="/metrics listener (default :8080)")
    add("--health-probe-bind-address", default=":8081", help="/healthz, /readyz (default :8081)")
    add("--broker-server-cert", help="PEM certificate chain for server TLS (needs the key)")
    add("--broker-server-key", help="PEM private key for server TLS (needs the cert)")
    add("--broker-client-ca", help="PEM CA: require client certificates (mutual TLS)")
    add("--kubeconfig", help="kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)")
    add(
        "--snapshot",
        action="append",
        default=[],
        metavar="FILE",
        help="serve a `kubectl get ... -o json` dump instead of a live API (repeatable)",
    )
    add(
        "--pod-annotations",
        action="append",
        default=[],
        metavar="KEY[,KEY...]",
        help="pod annotation keys to serve in pod meta (repeatable; default none)",
    )
    add(
        "--subscriber-queue-size",
        type=_positive,
        default=DEFAULT_QUEUE_SIZE,
        help="events a subscriber may leave unread behind the batch it is reading before its"
        " stream is aborted (a caught-up subscriber takes a batch of any size)",
    )
    add(
        "--keepalive-time",
        type=keepalive_time,
        default=30.0,
        help=f"server pings (30s; at least {MIN_KEEPALIVE_TIME_S:g}s)",
    )
    add("--keepalive-timeout", type=parse_duration, default=10.0, help="ping timeout (10s)")
    add("--log-level", "--zap-log-level", dest="log_level", default="info", choices=LEVELS)
    add(
        "--log-format",
        "--zap-encoder",
        dest="log_format",
        default="json",
        choices=(*FORMATS, "console"),
        help="json (zap-compatible) or text",
    )
    add("--shutdown-grace", type=parse_duration, default=5.0, help="time for shutdown (5s)")
    return parser


@dataclass(frozen=True, slots=True)
class Options:
    config: CollectorConfig
    snapshot: tuple[str, ...]
    kubeconfig: str | None
    pod_annotations: frozenset[str] = frozenset()


def annotation_keys(values: Sequence[str]) -> frozenset[str]:
    """The keys of every `--pod-annotations` value (comma-separated; blanks ignored)."""
    return frozenset(key.strip() for value in values for key in value.split(",") if key.strip())


def _read(flag: str, path: str) -> bytes:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {flag} {path}: {exc.strerror or exc}") from exc
    if b"-----BEGIN" not in data:
        raise UsageError(f"{flag} {path}: not a PEM file")
    return data


def _tls(args: argparse.Namespace) -> TlsConfig | None:
    """The server's TLS files, checked as gRPC will use them (rpc/tls_files.py)."""
    cert, key, ca = args.broker_server_cert, args.broker_server_key, args.broker_client_ca
    if bool(cert) != bool(key):
        raise UsageError("--broker-server-cert and --broker-server-key go together")
    if ca and not cert:
        raise UsageError("--broker-client-ca needs server TLS (--broker-server-cert/-key)")
    if not cert:
        return None
    files = [
        PemFile(flag, path, _read(flag, path))
        for flag, path in (("--broker-server-cert", cert), ("--broker-server-key", key))
    ]
    client_ca = PemFile("--broker-client-ca", ca, _read("--broker-client-ca", ca)) if ca else None
    try:
        check_server_files(files[0], files[1], client_ca)
    except TlsFileError as exc:
        raise UsageError(str(exc)) from None
    return TlsConfig(files[0].data, files[1].data, client_ca.data if client_ca else None)


def options_from(args: argparse.Namespace) -> Options:
    for flag in ("broker_bind_address", "metrics_bind_address", "health_probe_bind_address"):
        try:
            parse_bind_address(getattr(args, flag))
        except AddressError as exc:
            raise UsageError(f"--{flag.replace('_', '-')}: {exc}") from exc
    config = CollectorConfig(
        broker_bind=args.broker_bind_address,
        metrics_bind=args.metrics_bind_address,
        health_bind=args.health_probe_bind_address,
        tls=_tls(args),
        queue_size=args.subscriber_queue_size,
        keepalive=Keepalive(args.keepalive_time, args.keepalive_timeout),
        shutdown_grace=args.shutdown_grace,
    )
    keys = annotation_keys(args.pod_annotations)
    return Options(config, tuple(args.snapshot), args.kubeconfig, keys)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["version"]:  # upstream's `meta-collector version`
        print(f"{PROG} {__version__}")
        return 0
    if arguments[:1] == ["run"]:  # upstream's `meta-collector run`
        arguments = arguments[1:]
    args = build_parser().parse_args(arguments)
    try:
        options = options_from(args)
    except UsageError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    fmt = "text" if args.log_format == "console" else args.log_format
    configure_logging(args.log_level, fmt)
    return asyncio.run(serve(options))


async def serve(options: Options, metrics: CollectorMetrics | None = None) -> int:
    """Run until SIGTERM/SIGINT (exit 0) or a failure (exit 1/2)."""
    metrics = metrics if metrics is not None else CollectorMetrics(process_registry())
    signals = Signals(asyncio.get_running_loop())  # before loading: see signals.py
    try:
        try:
            sources, api_client = await _sources(options, metrics)
        except Exception as exc:  # configuration errors of the sources, reported once
            print(f"{PROG}: {exc}", file=sys.stderr)
            return 2
        collector = Collector(options.config, sources, metrics)
        signals.attach(collector.sources)
        try:
            return await _run(collector, signals.stop)
        finally:
            if api_client is not None:
                await api_client.close()
    finally:
        signals.remove()


async def _sources(options: Options, metrics: CollectorMetrics) -> tuple[list[Source], Any]:
    # Imported here: kubernetes_asyncio is only loaded by the command that needs it.
    from k8smeta.collector.kube.config import load_api_client
    from k8smeta.collector.kube.snapshot import SnapshotSource
    from k8smeta.collector.kube.source import KubeSource

    keys = options.pod_annotations
    if options.snapshot:
        return [SnapshotSource(options.snapshot, metrics, pod_annotations=keys)], None
    api_client = await load_api_client(options.kubeconfig)
    return [KubeSource(api_client, metrics, pod_annotations=keys)], api_client


async def _run(collector: Collector, stop: asyncio.Event) -> int:
    try:
        await collector.start()
    except ListenError as exc:
        flag = _LISTENER_FLAGS[exc.listener]
        print(f"{PROG}: {flag} {exc.bind}: cannot listen: {exc.reason}", file=sys.stderr)
        return 1
    code = await _until_stopped(collector, stop)
    log.info("shutting down")
    await collector.stop()
    return code


async def _until_stopped(collector: Collector, stop: asyncio.Event) -> int:
    """0 when asked to stop; 1 when a pipeline or source task fails for good."""
    waiter = asyncio.create_task(stop.wait())
    while not stop.is_set():
        await asyncio.wait({waiter}, timeout=1.0)
        failed = collector.failed_task()
        if failed is not None:
            error = None if failed.cancelled() else failed.exception()
            log.error("task %s failed: %r", failed.get_name(), error)
            waiter.cancel()
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
