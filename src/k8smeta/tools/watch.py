"""`k8smeta watch`: print what a collector streams to one node, one JSON line per event.

With `--explain UID`, report instead what the snapshot holds for that pod and why each
field would be empty (`explain`).

The troubleshooting view of the plugin's input: the same Selector as the plugin's feed sends
(or upstream's, with `--upstream-selector`), each `Event` printed in protobuf JSON form on
stdout. Whatever went wrong is one `k8smeta watch: ...` line on stderr, and the exit code
says which case it was (docs/troubleshooting.md): 0 metadata received, 1 not connected /
TLS error / the call failed, 2 usage error, 3 connected but nothing for that node.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Final, TextIO

from google.protobuf import json_format

from k8smeta.plugin.feed.selector import RESOURCE_KINDS
from k8smeta.tools.explain import DEFAULT_EXPLAIN_TIMEOUT, read_snapshot, report
from k8smeta.tools.watch_call import (
    Ending,
    Outcome,
    WatchOptions,
    build_selector,
    watch_events,
)
from k8smeta.wire import metadata_pb2
from k8smeta.wire.vocabulary import DEPLOYMENT, NAMESPACE, POD, REPLICA_SET, SERVICE, SYNC_KEY

__all__ = ["WatchOptions", "build_selector", "format_event", "run"]

# Exactly what the plugin asks for, without the opt-in key (added by `build_selector`).
PLUGIN_KINDS = tuple(kind for kind in RESOURCE_KINDS if kind != SYNC_KEY)
UPSTREAM_PLUGIN_KINDS = (POD, NAMESPACE, DEPLOYMENT, SERVICE, REPLICA_SET, "ReplicaController")

#: The collector's default gRPC port (its `--broker-bind-address :45000`).
DEFAULT_COLLECTOR_PORT: Final = 45000
_MAX_PORT: Final = 65535

EXIT_OK: Final = 0
EXIT_NOT_CONNECTED: Final = 1  # also TLS errors and calls the server failed
# 2: usage errors, argparse's own code
EXIT_NOTHING_FOR_NODE: Final = 3
EXIT_INTERRUPTED: Final = 130

#: gRPC's words for a failed TLS handshake (BoringSSL and the TSI layer).
_TLS_WORDS = ("handshake", "ssl", "tls", "certificate")


class UsageError(Exception):
    """Flags that do not go together; reported as a usage error (exit 2)."""


def format_event(event: metadata_pb2.Event) -> str:
    """One compact JSON line, as the plugin sees the event (protobuf JSON mapping)."""
    return json_format.MessageToJson(event, indent=None)


def printable(text: str) -> str:
    """`text` with every character a terminal would act on (escape sequences, carriage
    returns, other controls and format characters) written as a Python escape."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def run(options: WatchOptions, out: TextIO, err: TextIO | None = None) -> int:
    """Print the events; then, when something went wrong, one line on `err`. The exit code."""
    outcome = Outcome()
    found: bool | None = None  # --explain: whether the snapshot held the pod
    try:
        if options.explain is not None:
            snapshot = read_snapshot(options, options.explain, outcome)
            found = snapshot.has_pod(options.explain)
            if outcome.connected:
                lines = report(snapshot, options, options.explain)
                print("\n".join(map(printable, lines)), file=out, flush=True)
        else:
            for event in watch_events(options, outcome):
                print(format_event(event), file=out, flush=True)
    except KeyboardInterrupt:
        outcome.ending = Ending.INTERRUPTED
    code, message = verdict(options, outcome)
    if code == EXIT_OK and found is False:
        code = EXIT_NOTHING_FOR_NODE
        message = (
            f"connected to {options.target}, but no pod with UID {options.explain!r}"
            f" for node {options.node!r}"
        )
    if message is not None:
        stream = sys.stderr if err is None else err
        print(f"k8smeta watch: {printable(message)}", file=stream, flush=True)
    return code


def verdict(options: WatchOptions, outcome: Outcome) -> tuple[int, str | None]:
    """The exit code and the diagnosis of one call (None: nothing to say)."""
    target = options.target
    interrupted = outcome.ending is Ending.INTERRUPTED
    if not outcome.connected:
        if interrupted:
            return EXIT_INTERRUPTED, f"interrupted before a connection to {target}"
        return EXIT_NOT_CONNECTED, _not_connected(options, outcome)
    if outcome.ending is Ending.FAILED:
        code = outcome.code.name if outcome.code is not None else "an error"
        return EXIT_NOT_CONNECTED, f"{target} failed the Watch call: {code}: {outcome.details}"
    if outcome.metadata == 0:
        return EXIT_NOTHING_FOR_NODE, _nothing_for_node(options, outcome)
    if interrupted:
        return EXIT_INTERRUPTED, None
    return EXIT_OK, None


def _not_connected(options: WatchOptions, outcome: Outcome) -> str:
    target, details = options.target, outcome.details
    if outcome.ending in (Ending.TIMEOUT, Ending.NO_CONNECTION):
        waited = options.connect_timeout
        if outcome.ending is Ending.TIMEOUT and options.timeout is not None:
            waited = min(waited, options.timeout)
        hint = "" if options.uses_tls else "; a collector with TLS needs --ca"
        return f"not connected to {target}: no gRPC server answered within {waited:g} s{hint}"
    if options.uses_tls and any(word in details.lower() for word in _TLS_WORDS):
        return f"TLS error with {target}: {details}"
    if "socket closed" in details.lower():
        hint = (
            "a collector that requires client certificates needs --cert and --key"
            if options.uses_tls
            else "a collector with TLS closes plaintext connections: pass --ca"
        )
        return f"not connected to {target}: {details} ({hint})"
    return f"not connected to {target}: {details}"


def _nothing_for_node(options: WatchOptions, outcome: Outcome) -> str:
    what = "only the Sync marker" if outcome.events else "no event"
    when = {
        Ending.TIMEOUT: f" within {options.timeout or 0:g} s",
        Ending.CLOSED: " before it ended the stream",
        Ending.INTERRUPTED: " before the interrupt",
    }.get(outcome.ending or Ending.CLOSED, "")
    return (
        f"connected to {options.target}, but {what} for node '{options.node}'{when}"
        " (the node name must be the one Kubernetes uses: `kubectl get pods -o wide`)"
    )


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text!r}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive number of events, not {text!r}")
    return value


def _node(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def collector_target(text: str) -> str:
    """`HOST:PORT`, `HOST`, `[IPv6]:PORT`, `[IPv6]` or a bare IPv6 address, as the gRPC
    target `host:port`; a missing port is the collector's default port.

    gRPC itself would take `HOST` for port 443 and wrap a port beyond 65535 around.
    """
    host, port = _split_target(text.strip())
    if not host or host == "[]":
        raise argparse.ArgumentTypeError(f"no host in {text!r} (expected HOST[:PORT])")
    if port is None:
        return f"{host}:{DEFAULT_COLLECTOR_PORT}"
    if not (port.isascii() and port.isdigit() and 1 <= int(port) <= _MAX_PORT):
        raise argparse.ArgumentTypeError(
            f"port {port!r} of {text!r} is not a TCP port (1 to {_MAX_PORT})"
        )
    return f"{host}:{int(port)}"


def _split_target(text: str) -> tuple[str, str | None]:
    """(host, port or None); an IPv6 host keeps its brackets."""
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise argparse.ArgumentTypeError(f"unclosed '[' in {text!r}")
        rest = text[end + 1 :]
        if rest and not rest.startswith(":"):
            raise argparse.ArgumentTypeError(f"unexpected {rest!r} after ']' in {text!r}")
        return text[: end + 1], rest[1:] if rest else None
    if text.count(":") > 1:  # a bare IPv6 address: no port can be told from it
        return f"[{text}]", None
    host, colon, port = text.partition(":")
    return host, port if colon else None


def _pem(text: str) -> bytes:
    try:
        data = Path(text).read_bytes()
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"cannot read '{text}': {exc.strerror or exc}") from None
    if not data.strip():
        raise argparse.ArgumentTypeError(f"'{text}' is empty")
    return data


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--collector",
        type=collector_target,
        default=f"127.0.0.1:{DEFAULT_COLLECTOR_PORT}",
        help=f"HOST[:PORT] of the collector (port {DEFAULT_COLLECTOR_PORT} when left out)",
    )
    parser.add_argument(
        "--node", required=True, type=_node, help="node name, as in the plugin's nodeName"
    )
    parser.add_argument(
        "--upstream-selector",
        action="store_true",
        help="send the upstream plugin's selector (ReplicaController, no DaemonSet, no sync)",
    )
    parser.add_argument("--no-sync", action="store_true", help="do not ask for the Sync marker")
    parser.add_argument("--count", type=_count, help="exit after this many events")
    parser.add_argument(
        "--timeout", type=_seconds, help="exit after this many seconds (default: no limit)"
    )
    parser.add_argument(
        "--connect-timeout",
        type=_seconds,
        default=10.0,
        help="give up when no gRPC server answers within this many seconds (default 10)",
    )
    parser.add_argument("--ca", type=_pem, help="PEM root certificates (enables TLS)")
    parser.add_argument("--cert", type=_pem, help="PEM client certificate (mutual TLS)")
    parser.add_argument("--key", type=_pem, help="PEM client private key (mutual TLS)")
    parser.add_argument(
        "--explain",
        metavar="POD_UID",
        type=_node,
        help="read the snapshot (until Sync or --timeout, default"
        f" {DEFAULT_EXPLAIN_TIMEOUT:g} s) and report what it holds for this pod and why each"
        " field would be empty",
    )


def options_from(args: argparse.Namespace) -> WatchOptions:
    """The options of parsed flags; UsageError when they do not go together."""
    if (args.cert is None) != (args.key is None):
        raise UsageError("--cert and --key go together")
    if args.cert is not None and args.ca is None:
        raise UsageError("--cert and --key need --ca (mutual TLS is TLS)")
    upstream = bool(args.upstream_selector)
    explain = args.explain
    if explain is not None and (upstream or args.no_sync or args.count is not None):
        raise UsageError(
            "--explain uses the plugin's selector: no --upstream-selector, --no-sync, --count"
        )
    return WatchOptions(
        target=args.collector,
        node=args.node,
        kinds=UPSTREAM_PLUGIN_KINDS if upstream else PLUGIN_KINDS,
        sync=not (upstream or args.no_sync),
        count=args.count,
        timeout=args.timeout or (DEFAULT_EXPLAIN_TIMEOUT if explain is not None else None),
        root_certificates=args.ca,
        client_certificate=args.cert,
        client_key=args.key,
        connect_timeout=args.connect_timeout,
        explain=explain,
    )
