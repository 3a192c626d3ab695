"""Feed settings: consistency checks and the channel arguments."""

from __future__ import annotations

import pytest

from k8smeta.plugin.feed import FeedSettings
from k8smeta.plugin.feed.settings import channel_options


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


def test_channel_options_keepalive_only_during_calls() -> None:
    options = dict(channel_options(FeedSettings(target="h:1", node_name="n")))
    assert options == {
        "grpc.keepalive_time_ms": 360_000,
        "grpc.keepalive_timeout_ms": 20_000,
        "grpc.keepalive_permit_without_calls": 0,
        "grpc.use_local_subchannel_pool": 1,
    }


@pytest.mark.parametrize(("roots", "tls"), [(None, False), (b"PEM", True)])
def test_tls_follows_the_bundle(roots: bytes | None, tls: bool) -> None:
    settings = FeedSettings(target="h:1", node_name="n", root_certificates=roots)
    assert settings.uses_tls is tls
