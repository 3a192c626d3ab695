"""The grpc.aio server: identity-serialized Watch method, keepalive, TLS / mutual TLS."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc

from k8smeta.collector.ops.address import parse_bind_address
from k8smeta.collector.rpc.servicer import WatchServicer

SERVICE = "metadata.Metadata"
# Pings from clients are accepted down to gRPC's default 5-minute minimum
# (docs/collector-contract.md, "Stream").
MIN_CLIENT_PING_MS = 300_000
MAX_PENDING_CALLS = 20_000


class ServerStartError(RuntimeError):
    """The gRPC listener could not be opened; `reason` says why, without the address."""

    def __init__(self, bind: str, reason: str) -> None:
        super().__init__(f"cannot listen on {bind}: {reason}")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class TlsConfig:
    """Server certificate chain and key (PEM); with `client_ca`, client certs are required."""

    cert_chain: bytes
    private_key: bytes
    client_ca: bytes | None = None


@dataclass(frozen=True, slots=True)
class Keepalive:
    time_s: float = 30.0
    timeout_s: float = 10.0


def server_options(keepalive: Keepalive) -> list[tuple[str, int]]:
    return [
        ("grpc.keepalive_time_ms", int(keepalive.time_s * 1000)),
        ("grpc.keepalive_timeout_ms", int(keepalive.timeout_s * 1000)),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.max_pings_without_data", 0),
        ("grpc.http2.min_ping_interval_without_data_ms", MIN_CLIENT_PING_MS),
        # A port already in use is a start-up error, not a second server sharing it.
        ("grpc.so_reuseport", 0),
        # Calls received but not yet accepted by the event loop; beyond this gRPC cancels
        # new calls (default 1,000): every node reconnecting at once must not be refused.
        ("grpc.server.max_pending_requests", MAX_PENDING_CALLS),
        ("grpc.server.max_pending_requests_hard_limit", MAX_PENDING_CALLS),
    ]


def watch_handler(servicer: WatchServicer) -> grpc.GenericRpcHandler[Any, Any]:
    """Watch without (de)serializers: the servicer decodes the Selector itself, and
    responses are already serialized (bytes pass as is)."""
    method = grpc.unary_stream_rpc_method_handler(
        servicer.watch, request_deserializer=None, response_serializer=None
    )
    return grpc.method_handlers_generic_handler(SERVICE, {"Watch": method})


async def start_grpc_server(
    servicer: WatchServicer,
    bind: str,
    tls: TlsConfig | None = None,
    keepalive: Keepalive | None = None,
) -> tuple[grpc.aio.Server, int]:
    """Start serving on `bind` (`:PORT` = every interface); returns the server and its port."""
    address = parse_bind_address(bind)
    server = grpc.aio.server(options=server_options(keepalive or Keepalive()))
    server.add_generic_rpc_handlers((watch_handler(servicer),))
    try:
        if tls is None:
            port = server.add_insecure_port(address.grpc_target)
        else:
            credentials = grpc.ssl_server_credentials(
                [(tls.private_key, tls.cert_chain)],
                root_certificates=tls.client_ca,
                require_client_auth=tls.client_ca is not None,
            )
            port = server.add_secure_port(address.grpc_target, credentials)
    except RuntimeError as exc:
        # gRPC's own message only points to its debug log; the usual causes are these.
        raise ServerStartError(bind, "address in use or not available") from exc
    if port == 0 and address.port != 0:
        raise ServerStartError(bind, "address in use or not available")
    await server.start()
    return server, port
