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
from k8smeta.tools.watch_call import Ending, Outcome
from k8smeta.wire import metadata_pb2, metadata_pb2_grpc
from k8smeta.wire.vocabulary import SYNC_KEY


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
        ([], {*watch.PLUGIN_KINDS, SYNC_KEY}),
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


OPTIONS = watch.WatchOptions(
    target="h:1", node="n", kinds=watch.PLUGIN_KINDS, sync=True, count=None, timeout=2.0
)
NOTHING = (
    "connected to h:1, but {} for node 'n'{}"
    " (the node name must be the one Kubernetes uses: `kubectl get pods -o wide`)"
)


@pytest.mark.parametrize(
    ("outcome", "code", "message"),
    [
        (Outcome(True, 2, 1, Ending.COUNT), 0, None),
        (Outcome(True, 5, 4, Ending.TIMEOUT), 0, None),
        (Outcome(True, 1, 1, Ending.INTERRUPTED), 130, None),
        (Outcome(False, 0, 0, Ending.INTERRUPTED), 130, "interrupted before a connection to h:1"),
        (
            Outcome(True, 0, 0, Ending.INTERRUPTED),
            3,
            NOTHING.format("no event", " before the interrupt"),
        ),
        (Outcome(True, 1, 0, Ending.COUNT), 3, NOTHING.format("only the Sync marker", "")),
        (Outcome(True, 0, 0, Ending.TIMEOUT), 3, NOTHING.format("no event", " within 2 s")),
        (
            Outcome(False, 0, 0, Ending.NO_CONNECTION),
            1,
            "not connected to h:1: no gRPC server answered within 10 s;"
            " a collector with TLS needs --ca",
        ),
        (
            Outcome(False, 0, 0, Ending.TIMEOUT),
            1,
            "not connected to h:1: no gRPC server answered within 2 s;"
            " a collector with TLS needs --ca",
        ),
        (
            Outcome(True, 3, 3, Ending.FAILED, grpc.StatusCode.UNAVAILABLE, "gone"),
            1,
            "h:1 failed the Watch call: UNAVAILABLE: gone",
        ),
    ],
)
def test_verdict(outcome: Outcome, code: int, message: str | None) -> None:
    """Exit code and diagnosis of each way a call can end (the CLI tests run the real ones)."""
    assert watch.verdict(OPTIONS, outcome) == (code, message)
