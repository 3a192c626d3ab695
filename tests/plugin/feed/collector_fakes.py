"""Fake collectors for the feed tests: real gRPC servers on 127.0.0.1 playing scripted streams.

Each Watch call runs the next script of the servicer (then `then` for every later call) and
is recorded (its Selector and start time), so a test can wait for reconnects. Held streams
stay open until the client cancels them or the server is released at shutdown.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Literal

import grpc

from k8smeta.wire import metadata_pb2, metadata_pb2_grpc

HOLD_BACKSTOP = 30.0
"""A held stream ends by itself after this many seconds, should a test forget it."""

End = Literal["ok", "hold"] | grpc.StatusCode
Script = Callable[[grpc.ServicerContext, "ScriptedCollector"], Iterator[metadata_pb2.Event]]


def play(events: Sequence[metadata_pb2.Event], end: End = "hold") -> Script:
    """Send `events`, then end with OK, keep the stream open, or abort with a status code."""

    def script(
        context: grpc.ServicerContext, collector: ScriptedCollector
    ) -> Iterator[metadata_pb2.Event]:
        yield from events
        if end == "hold":
            collector.hold(context)
        elif isinstance(end, grpc.StatusCode):
            context.abort(end, f"fake collector ends with {end.name}")

    return script


HOLD_SILENT = play([], "hold")
"""A stream that is opened and never answers."""


class ScriptedCollector(metadata_pb2_grpc.MetadataServicer):
    """`metadata.Metadata` playing one script per Watch call."""

    def __init__(self, scripts: Sequence[Script], then: Script = HOLD_SILENT) -> None:
        self._scripts = list(scripts)
        self._then = then
        self._cond = threading.Condition()
        self._released = False
        self._holds: list[threading.Event] = []
        self.selectors: list[metadata_pb2.Selector] = []
        self.started: list[float] = []

    def Watch(
        self, request: metadata_pb2.Selector, context: grpc.ServicerContext
    ) -> Iterator[metadata_pb2.Event]:
        with self._cond:
            index = len(self.selectors)
            self.selectors.append(request)
            self.started.append(time.monotonic())
            self._cond.notify_all()
        script = self._scripts[index] if index < len(self._scripts) else self._then
        yield from script(context, self)

    def hold(self, context: grpc.ServicerContext) -> None:
        """Block until the client cancels the call or the server is released."""
        done = threading.Event()
        with self._cond:
            if self._released:
                return
            self._holds.append(done)
        context.add_callback(done.set)
        done.wait(HOLD_BACKSTOP)

    def release(self) -> None:
        """End every held stream (server shutdown)."""
        with self._cond:
            self._released = True
            for done in self._holds:
                done.set()

    def wait_calls(self, count: int, timeout: float = 15.0) -> bool:
        """Wait until `count` Watch calls arrived."""
        with self._cond:
            return self._cond.wait_for(lambda: len(self.selectors) >= count, timeout)


@contextmanager
def serving(
    servicer: ScriptedCollector,
    credentials: grpc.ServerCredentials | None = None,
    options: Sequence[tuple[str, int]] = (),
) -> Iterator[str]:
    """Run `servicer` on 127.0.0.1 (ephemeral port); yields the target 'host:port'.
    `options`: gRPC server arguments."""
    executor = ThreadPoolExecutor(max_workers=8)
    server = grpc.server(executor, options=list(options))
    metadata_pb2_grpc.add_MetadataServicer_to_server(servicer, server)
    address = "127.0.0.1:0"
    if credentials is None:
        port = server.add_insecure_port(address)
    else:
        port = server.add_secure_port(address, credentials)
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        servicer.release()
        server.stop(grace=None).wait(5.0)
        executor.shutdown(wait=True, cancel_futures=True)
