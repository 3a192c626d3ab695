"""The async path for real: the library's feed connects to a loopback gRPC collector that
replays the recorded stream, pushes `k8s` events through the host's handler, and the host
delivers them back through parse_event (docs/plugin-contract.md, "Feed")."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from google.protobuf import json_format

from k8smeta.falcosim.declarations import ffi
from k8smeta.wire import metadata_pb2
from tests.host.base import rendered
from tests.host.shared_lib import SharedLibHost
from tests.plugin.behaviour.conftest import execve_in_pod
from tests.plugin.feed.collector_fakes import ScriptedCollector, play, serving

WAIT = 15.0
POD = "5eaeeca9-2277-460b-a4bf-5a0783f6d49f"


def config(target: str) -> str:
    host, port = target.rsplit(":", 1)
    return orjson.dumps(
        {"collectorHostname": host, "collectorPort": int(port), "nodeName": "control-plane"}
    ).decode()


@pytest.fixture
def collector(collector_stream: list[dict[str, Any]]) -> Iterator[tuple[ScriptedCollector, str]]:
    events = [json_format.ParseDict(doc, metadata_pb2.Event()) for doc in collector_stream]
    servicer = ScriptedCollector([play(events, "hold")])
    with serving(servicer) as target:
        yield servicer, target


@pytest.fixture
def streaming_host(
    library: Path, collector: tuple[ScriptedCollector, str]
) -> Iterator[SharedLibHost]:
    host = SharedLibHost(library)
    assert host.init(config(collector[1])) is None, host.last_error()
    yield host
    host.close()


def feed_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("k8smeta-feed")]


def test_stream_reaches_the_fields(
    streaming_host: SharedLibHost, collector_stream: list[dict[str, Any]]
) -> None:
    host = streaming_host
    host.start_feed()
    assert host.wait_queued(43, WAIT), host.owner.accepted
    queued = list(host.owner.queue)
    assert host.drain() == 43
    for event, expected in zip(queued, collector_stream, strict=True):
        assert event[8:16] == b"\xff" * 8  # tid -1
        assert int.from_bytes(event[20:22], "little") == 402
        assert event[42:46] == b"k8s\0"
        data = event[46:]
        assert data.endswith(b"\0")
        assert orjson.loads(data[:-1]) == expected
    execve_in_pod(host, POD)
    assert rendered(host, 1, "k8smeta.pod.name") == "metrics-server-85d6fcf458-tqkcv"
    assert rendered(host, 1, "k8smeta.svc.name") == "(metrics-server)"
    assert rendered(host, 1, "k8smeta.deployment.name") == "metrics-server"
    metrics = host.metrics()
    assert metrics["async_events_received"] == 43
    assert metrics["resources_pod"] == 10
    assert metrics["reconnects"] == 0
    host.stop_feed()
    assert not feed_threads(), "set_async_event_handler(NULL) must join the feed"


def test_rejecting_handler_is_counted_and_harmless(streaming_host: SharedLibHost) -> None:
    host = streaming_host
    host.owner.reject_async = "async event queue is full"
    host.start_feed()
    assert host.wait_refused(43, WAIT)
    host.stop_feed()
    assert host.metrics()["async_events_rejected"] == 43
    assert any("async event queue is full" in message for _, message in host.logs())
    # The state still works after the refusals.
    host.owner.reject_async = None
    assert host.async_event("k8s", b'{"reason":"Delete","uid":"u","kind":"Pod"}\0')


def test_destroy_while_streaming_stops_the_feed(
    library: Path, collector: tuple[ScriptedCollector, str]
) -> None:
    host = SharedLibHost(library)
    assert host.init(config(collector[1])) is None
    host.start_feed()
    assert host.wait_queued(43, WAIT)
    host.lib.plugin_destroy(host.state)  # destroy without NULL-ing the handler first
    host.state = ffi.NULL  # destroyed: nothing left for close()
    assert not feed_threads()
