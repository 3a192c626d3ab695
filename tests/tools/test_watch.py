"""`k8smeta watch` against a real gRPC server on 127.0.0.1."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from concurrent import futures
from typing import Any

import grpc
import pytest
from google.protobuf import json_format

from k8smeta.cli import main
from k8smeta.tools import watch
from k8smeta.wire import metadata_pb2, metadata_pb2_grpc


class ReplayServicer(metadata_pb2_grpc.MetadataServicer):
    """Records each Selector and replays the given events, then keeps the stream open."""

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.events = [json_format.ParseDict(e, metadata_pb2.Event()) for e in events]
        self.selectors: list[metadata_pb2.Selector] = []
        self.release = threading.Event()

    def Watch(
        self, request: metadata_pb2.Selector, context: grpc.ServicerContext
    ) -> Iterator[metadata_pb2.Event]:
        self.selectors.append(request)
        yield from self.events
        self.release.wait(timeout=10)


@pytest.fixture
def replay(collector_stream: list[dict[str, Any]]) -> Iterator[tuple[str, ReplayServicer]]:
    servicer = ReplayServicer(collector_stream)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    metadata_pb2_grpc.add_MetadataServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}", servicer
    finally:
        servicer.release.set()
        server.stop(grace=None)


def test_prints_every_event_as_protobuf_json(
    replay: tuple[str, ReplayServicer], collector_stream: list[dict[str, Any]]
) -> None:
    target, _ = replay
    out = io.StringIO()
    options = watch.WatchOptions(
        target=target,
        node="control-plane",
        kinds=watch.PLUGIN_KINDS,
        sync=True,
        count=43,
        timeout=10.0,
    )
    assert watch.run(options, out) == 0
    lines = out.getvalue().splitlines()
    assert [json.loads(line) for line in lines] == collector_stream


@pytest.mark.parametrize(
    ("flags", "expected_kinds"),
    [
        ([], {*watch.PLUGIN_KINDS, watch.SYNC_KEY}),
        (["--no-sync"], set(watch.PLUGIN_KINDS)),
        (["--upstream-selector"], set(watch.UPSTREAM_PLUGIN_KINDS)),
    ],
)
def test_sends_the_selector_of_the_chosen_plugin(
    replay: tuple[str, ReplayServicer],
    flags: list[str],
    expected_kinds: set[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    target, servicer = replay
    argv = ["watch", "--collector", target, "--node", "node-a", "--count", "1", *flags]
    assert main(argv) == 0
    (selector,) = servicer.selectors
    assert selector.nodeName == "node-a"
    assert dict(selector.resourceKinds) == dict.fromkeys(expected_kinds, "true")
    assert len(capsys.readouterr().out.splitlines()) == 1
