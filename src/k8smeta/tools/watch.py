"""`k8smeta watch`: print what a collector streams to one node, one JSON line per event.

The troubleshooting view of the plugin's input: the same Selector as the plugin's feed sends
(or upstream's, with `--upstream-selector`), each `Event` printed in protobuf JSON form.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import grpc
from google.protobuf import json_format

from k8smeta.plugin.feed.selector import RESOURCE_KINDS, SYNC_OPT_IN
from k8smeta.wire import metadata_pb2, metadata_pb2_grpc

SYNC_KEY = SYNC_OPT_IN
# Exactly what the plugin asks for, without the opt-in key (added by `build_selector`).
PLUGIN_KINDS = tuple(kind for kind in RESOURCE_KINDS if kind != SYNC_OPT_IN)
UPSTREAM_PLUGIN_KINDS = (
    "Pod",
    "Namespace",
    "Deployment",
    "Service",
    "ReplicaSet",
    "ReplicaController",
)


@dataclass(frozen=True, slots=True)
class WatchOptions:
    target: str
    node: str
    kinds: tuple[str, ...]
    sync: bool
    count: int | None
    timeout: float | None
    root_certificates: bytes | None = None
    client_certificate: bytes | None = None
    client_key: bytes | None = None


def build_selector(node: str, kinds: Sequence[str], sync: bool) -> metadata_pb2.Selector:
    """The Selector a plugin sends: every kind mapped to "true", plus the opt-in sync key."""
    selected = dict.fromkeys(kinds, "true")
    if sync:
        selected[SYNC_KEY] = "true"
    return metadata_pb2.Selector(nodeName=node, resourceKinds=selected)


def _channel(options: WatchOptions) -> grpc.Channel:
    if options.root_certificates is None:
        return grpc.insecure_channel(options.target)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=options.root_certificates,
        private_key=options.client_key,
        certificate_chain=options.client_certificate,
    )
    return grpc.secure_channel(options.target, credentials)


def stream_events(options: WatchOptions) -> Iterator[metadata_pb2.Event]:
    """Yield the events of one Watch call until `count` events, the timeout, or the end."""
    with _channel(options) as channel:
        stub = metadata_pb2_grpc.MetadataStub(channel)
        selector = build_selector(options.node, options.kinds, options.sync)
        # Leaving the `with` closes the channel, which cancels the call.
        for received, event in enumerate(stub.Watch(selector, timeout=options.timeout), 1):
            yield event
            if options.count is not None and received >= options.count:
                return


def format_event(event: metadata_pb2.Event) -> str:
    """One compact JSON line, as the plugin sees the event (protobuf JSON mapping)."""
    return json_format.MessageToJson(event, indent=None)


def run(options: WatchOptions, out: TextIO) -> int:
    try:
        for event in stream_events(options):
            print(format_event(event), file=out, flush=True)
    except grpc.RpcError as error:
        code = error.code()
        if code == grpc.StatusCode.DEADLINE_EXCEEDED:
            return 0
        print(f"k8smeta watch: {code.name}: {error.details()}", file=sys.stderr)
        return 1
    return 0


def _read(path: str | None) -> bytes | None:
    return Path(path).read_bytes() if path else None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--collector", default="127.0.0.1:45000", help="host:port of the collector")
    parser.add_argument("--node", required=True, help="node name, as in the plugin's nodeName")
    parser.add_argument(
        "--upstream-selector",
        action="store_true",
        help="send the upstream plugin's selector (ReplicaController, no DaemonSet, no sync)",
    )
    parser.add_argument("--no-sync", action="store_true", help="do not ask for the Sync marker")
    parser.add_argument("--count", type=int, help="exit after this many events")
    parser.add_argument("--timeout", type=float, help="exit after this many seconds")
    parser.add_argument("--ca", help="PEM root certificates (enables TLS)")
    parser.add_argument("--cert", help="PEM client certificate (mutual TLS)")
    parser.add_argument("--key", help="PEM client private key (mutual TLS)")


def options_from(args: argparse.Namespace) -> WatchOptions:
    upstream = bool(args.upstream_selector)
    return WatchOptions(
        target=args.collector,
        node=args.node,
        kinds=UPSTREAM_PLUGIN_KINDS if upstream else PLUGIN_KINDS,
        sync=not (upstream or args.no_sync),
        count=args.count,
        timeout=args.timeout,
        root_certificates=_read(args.ca),
        client_certificate=_read(args.cert),
        client_key=_read(args.key),
    )
