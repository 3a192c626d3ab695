"""The feed's settings value, and what each connection attempt derives from it: the
target's host and port, the TLS context and grpclib's configuration (keepalive).

The feed's behaviour is described in docs/plugin-contract.md ("Feed").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from grpclib.config import Configuration

from k8smeta.plugin.core.keypair import load_pair
from k8smeta.plugin.feed.aio import ssl_module

if TYPE_CHECKING:
    import ssl

MAX_MESSAGE_SIZE: Final = 4 * 1024 * 1024
"""The largest message the feed reads: gRPC's default receive limit, which upstream's
plugin has; our collector never sends a message over 1 MiB (`wire.limits`)."""


@dataclass(frozen=True, slots=True)
class FeedSettings:
    """Where and how the feed connects, and its timing parameters (seconds).

    TLS is used when `root_certificates` is set (the caPEMBundle, never empty: empty roots
    would mean "no TLS" to gRPC clients); a client certificate chain and private key add mutual
    TLS. `quiet_period`, `sync_timeout`, the backoff `backoff_unit`/`backoff_cap` and
    `max_message_size` (bytes) are feed parameters, not init keys: tests shorten them.
    """

    target: str
    node_name: str
    root_certificates: bytes | None = None
    certificate_chain: bytes | None = None
    private_key: bytes | None = None
    quiet_period: float = 5.0
    sync_timeout: float = 60.0
    keepalive_time: float = 360.0
    keepalive_timeout: float = 20.0
    backoff_unit: float = 1.0
    backoff_cap: float = 120.0
    max_message_size: int = MAX_MESSAGE_SIZE

    def __post_init__(self) -> None:
        if not self.target:
            raise ValueError("feed target must be 'host:port'")
        if not self.node_name:
            raise ValueError("feed node name must not be empty")
        if (self.certificate_chain is None) != (self.private_key is None):
            raise ValueError("client certificate chain and private key go together")
        if self.root_certificates is not None and not self.root_certificates.strip():
            raise ValueError("TLS root certificates must not be empty (None means plaintext)")
        if self.certificate_chain is not None and self.root_certificates is None:
            raise ValueError("a client certificate needs TLS, i.e. root certificates")
        if min(self.quiet_period, self.sync_timeout, self.keepalive_time) <= 0:
            raise ValueError("feed periods must be positive")
        if self.max_message_size < 1:
            raise ValueError("the maximum message size must be positive")

    @property
    def uses_tls(self) -> bool:
        """True when the channel is secured with the configured roots."""
        return self.root_certificates is not None


def split_target(target: str) -> tuple[str, int]:
    """`host:port` (an IPv6 literal in brackets) -> (host, port); ValueError otherwise."""
    host, colon, port = target.rpartition(":")
    if not colon or not host or not port.isdigit():
        raise ValueError(f"feed target must be 'host:port', not {target!r}")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host, int(port)


def ssl_context(settings: FeedSettings) -> ssl.SSLContext | None:
    """The client TLS context of one attempt: the configured roots only (no system store),
    the server's name checked against the target's host, HTTP/2 negotiated by ALPN, and
    the client chain and key for mutual TLS; None for plaintext."""
    if settings.root_certificates is None:
        return None
    tls = ssl_module()  # loaded here: a plaintext feed never needs OpenSSL
    context: ssl.SSLContext = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)  # verifies the peer, name
    context.minimum_version = tls.TLSVersion.TLSv1_2
    # Text outside the PEM blocks (comments) may be non-ASCII: OpenSSL skips it anyway.
    context.load_verify_locations(cadata=settings.root_certificates.decode("ascii", "ignore"))
    context.set_alpn_protocols(["h2"])
    if settings.certificate_chain is not None and settings.private_key is not None:
        load_pair(context, settings.certificate_chain, settings.private_key)
    return context


def client_config(settings: FeedSettings) -> Configuration:
    """grpclib's settings: HTTP/2 keepalive pings while the Watch call is open.

    A ping every `keepalive_time` seconds; no ACK within `keepalive_timeout` closes the
    connection (the stream ends, the feed reconnects). Pings only while a call is active,
    as grpc-go servers punish pings on idle connections; no cap on pings without data (the
    client never sends data on a server-streaming call, so grpclib's default cap of 2 would
    end keepalive after two pings), and the minimum gap between them below the period so
    a timer firing early never skips one. These are grpclib's underscore-named options
    (docs/adr/0010-plugin-memory.md).
    """
    return Configuration(
        _keepalive_time=settings.keepalive_time,
        _keepalive_timeout=settings.keepalive_timeout,
        _keepalive_permit_without_calls=False,
        _http2_max_pings_without_data=0,
        _http2_min_sent_ping_interval_without_data=settings.keepalive_time / 2,
    )
