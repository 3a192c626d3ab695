"""Server options (keepalive) and how the command line maps onto them."""

from __future__ import annotations

import pytest

from k8smeta.collector.cli import build_parser, options_from
from k8smeta.collector.rpc.server import Keepalive, server_options


def test_default_keepalive_options() -> None:
    assert dict(server_options(Keepalive())) == {
        "grpc.keepalive_time_ms": 30_000,
        "grpc.keepalive_timeout_ms": 10_000,
        "grpc.keepalive_permit_without_calls": 1,
        "grpc.http2.max_pings_without_data": 0,
        "grpc.http2.min_ping_interval_without_data_ms": 300_000,
        "grpc.so_reuseport": 0,
        "grpc.server.max_pending_requests": 20_000,
        "grpc.server.max_pending_requests_hard_limit": 20_000,
    }


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], (":45000", ":8080", ":8081", 10_000, 30.0, 10.0, 5.0)),
        (
            ["--broker-bind-address", "127.0.0.1:1", "--metrics-bind-address", ":2",
             "--health-probe-bind-address", "[::1]:3", "--subscriber-queue-size", "50",
             "--keepalive-time", "1m", "--keepalive-timeout", "500ms", "--shutdown-grace", "2s"],
            ("127.0.0.1:1", ":2", "[::1]:3", 50, 60.0, 0.5, 2.0),
        ),
    ],
)  # fmt: skip
def test_flags_map_onto_the_config(args: list[str], expected: tuple[object, ...]) -> None:
    config = options_from(build_parser().parse_args(args)).config
    assert (
        config.broker_bind,
        config.metrics_bind,
        config.health_bind,
        config.queue_size,
        config.keepalive.time_s,
        config.keepalive.timeout_s,
        config.shutdown_grace,
    ) == expected
    options = dict(server_options(config.keepalive))
    assert options["grpc.keepalive_time_ms"] == round(config.keepalive.time_s * 1000)


def test_log_flags_and_upstream_aliases() -> None:
    args = build_parser().parse_args(["--zap-log-level", "debug", "--zap-encoder", "console"])
    assert (args.log_level, args.log_format) == ("debug", "console")
