"""Feed settings: consistency checks, the target, the TLS context and keepalive."""

from __future__ import annotations

import pytest

from k8smeta.plugin.feed import FeedSettings
from k8smeta.plugin.feed.settings import client_config, split_target, ssl_context


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"certificate_chain": b"c"}, "go together"),
        ({"private_key": b"k"}, "go together"),
        ({"certificate_chain": b"c", "private_key": b"k"}, "needs TLS"),
        ({"root_certificates": b""}, "must not be empty"),
        ({"root_certificates": b" \n"}, "must not be empty"),
        ({"root_certificates": b"", "certificate_chain": b"c", "private_key": b"k"}, "empty"),
        ({"target": ""}, "host:port"),
        ({"node_name": ""}, "node name"),
        ({"quiet_period": 0.0}, "positive"),
        ({"keepalive_time": 0.0}, "positive"),
        ({"sync_timeout": -1.0}, "positive"),
    ],
)
def test_settings_reject_inconsistent_values(changes: dict[str, object], problem: str) -> None:
    values: dict[str, object] = {"target": "127.0.0.1:1", "node_name": "n", **changes}
    with pytest.raises(ValueError, match=problem):
        FeedSettings(**values)  # type: ignore[arg-type]


def test_keepalive_pings_only_during_calls_without_a_cap() -> None:
    config = client_config(FeedSettings(target="h:1", node_name="n")).__for_client__()
    assert config._keepalive_time == 360.0
    assert config._keepalive_timeout == 20.0
    assert config._keepalive_permit_without_calls is False
    # grpclib's default (2) would stop pinging a server-streaming call after two pings.
    assert config._http2_max_pings_without_data == 0
    assert config._http2_min_sent_ping_interval_without_data < config._keepalive_time


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("127.0.0.1:45000", ("127.0.0.1", 45000)),
        ("collector.falco.svc:1", ("collector.falco.svc", 1)),
        ("[::1]:45000", ("::1", 45000)),
    ],
)
def test_targets_split_into_host_and_port(target: str, expected: tuple[str, int]) -> None:
    assert split_target(target) == expected


@pytest.mark.parametrize("target", ["h", ":1", "h:", "h:x"])
def test_targets_without_a_port_are_refused(target: str) -> None:
    with pytest.raises(ValueError, match="host:port"):
        split_target(target)


def test_plaintext_has_no_tls_context() -> None:
    assert ssl_context(FeedSettings(target="h:1", node_name="n")) is None


@pytest.mark.parametrize(("roots", "tls"), [(None, False), (b"PEM", True)])
def test_tls_follows_the_bundle(roots: bytes | None, tls: bool) -> None:
    settings = FeedSettings(target="h:1", node_name="n", root_certificates=roots)
    assert settings.uses_tls is tls
