"""The feed's settings value and the gRPC channel it opens per connection attempt.

The feed's behaviour is described in docs/plugin-contract.md ("Feed").
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc


@dataclass(frozen=True, slots=True)
class FeedSettings:
    """Where and how the feed connects, and its timing parameters (seconds).

    TLS is used when `root_certificates` is set (the caPEMBundle, never empty: gRPC would
    take empty roots for "no TLS"); a client certificate chain and private key add mutual
    TLS. `quiet_period`, `sync_timeout` and the
    backoff `backoff_unit`/`backoff_cap` are feed parameters, not init keys: tests shorten them.
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

    @property
    def uses_tls(self) -> bool:
        """True when the channel is secured with the configured roots."""
        return self.root_certificates is not None


def channel_options(settings: FeedSettings) -> list[tuple[str, int]]:
    """Channel arguments: keepalive, and a fresh connection for every attempt.

    Keepalive pings only while a call is active: grpc-go servers punish frequent pings.
    A channel-local subchannel pool keeps a new channel from reusing a connection that
    gRPC's process-wide pool still holds from the previous attempt (to a server that may
    be gone), so each attempt really reconnects.
    """
    return [
        ("grpc.keepalive_time_ms", round(settings.keepalive_time * 1000)),
        ("grpc.keepalive_timeout_ms", round(settings.keepalive_timeout * 1000)),
        ("grpc.keepalive_permit_without_calls", 0),
        ("grpc.use_local_subchannel_pool", 1),
    ]


def open_channel(settings: FeedSettings) -> grpc.Channel:
    """A new channel for one connection attempt (re-resolves the target each time)."""
    options = channel_options(settings)
    if not settings.uses_tls:
        return grpc.insecure_channel(settings.target, options=options)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=settings.root_certificates,
        private_key=settings.private_key,
        certificate_chain=settings.certificate_chain,
    )
    return grpc.secure_channel(settings.target, credentials, options=options)
