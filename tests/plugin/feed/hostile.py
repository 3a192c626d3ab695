"""A hostile gRPC server on 127.0.0.1: good messages, then one declaring a huge length.

It speaks HTTP/2 through h2 (server side) on a plain socket, one thread per connection:
it answers each Watch call with response headers, the given good `Event`s, then a message
prefix declaring `declared` bytes followed by as much of that body as HTTP/2 flow control
lets it send, up to `body` bytes. `sent_body` records, per call, how many body bytes the
client's flow-control window let through: a client that never reads the body never
acknowledges it, so this stays at its initial window.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Iterator, Sequence

import h2.config
import h2.connection
import h2.events
import h2.exceptions

from k8smeta.wire import metadata_pb2


def grpc_message(payload: bytes, declared: int | None = None) -> bytes:
    """A gRPC length-prefixed message; `declared` overrides the length it announces."""
    length = len(payload) if declared is None else declared
    return b"\x00" + struct.pack(">I", length) + payload


class HostileServer:
    """Serves on 127.0.0.1 until closed; `target` is 'host:port'."""

    def __init__(self, good: Sequence[metadata_pb2.Event], *, declared: int, body: int) -> None:
        self._prefix = b"".join(grpc_message(e.SerializeToString()) for e in good)
        self._declared = declared
        self._body = body
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.calls = 0
        self.sent_body: list[int] = []
        self.target = f"127.0.0.1:{self._listener.getsockname()[1]}"
        self._accepter = threading.Thread(target=self._accept, daemon=True)
        self._accepter.start()

    def close(self) -> None:
        self._closed.set()
        self._accepter.join(5)
        for thread in self._threads:
            thread.join(5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
        conn.initiate_connection()
        sock.settimeout(0.2)
        with contextlib.closing(sock):
            sock.sendall(conn.data_to_send())
            streams: dict[int, int] = {}  # stream id -> body bytes still to send
            while not self._closed.is_set():
                try:
                    data = sock.recv(65536)
                except TimeoutError:
                    data = None
                except OSError:
                    return
                if data == b"":
                    return
                for event in conn.receive_data(data) if data else ():
                    self._on_event(conn, event, streams)
                self._send_body(conn, streams)
                with contextlib.suppress(OSError):
                    sock.sendall(conn.data_to_send())

    def _on_event(
        self, conn: h2.connection.H2Connection, event: object, streams: dict[int, int]
    ) -> None:
        if isinstance(event, h2.events.RequestReceived):
            with self._lock:
                self.calls += 1
                self.sent_body.append(0)
            sid = event.stream_id
            conn.send_headers(sid, [(":status", "200"), ("content-type", "application/grpc")])
            conn.send_data(sid, self._prefix + grpc_message(b"", self._declared))
            streams[sid] = self._body
        elif isinstance(event, h2.events.DataReceived):
            conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        elif isinstance(event, h2.events.StreamReset):
            streams.pop(event.stream_id, None)

    def _send_body(self, conn: h2.connection.H2Connection, streams: dict[int, int]) -> None:
        for sid in list(streams):
            remaining = streams[sid]
            try:
                window = min(conn.local_flow_control_window(sid), conn.max_outbound_frame_size)
                while remaining and window > 0:
                    chunk = min(window, remaining)
                    conn.send_data(sid, b"\x01" * chunk)
                    remaining -= chunk
                    with self._lock:
                        self.sent_body[-1] += chunk
                    window = min(conn.local_flow_control_window(sid), conn.max_outbound_frame_size)
            except h2.exceptions.H2Error:  # the client reset the stream meanwhile
                del streams[sid]
            else:
                streams[sid] = remaining


@contextlib.contextmanager
def hostile(
    good: Sequence[metadata_pb2.Event], *, declared: int, body: int
) -> Iterator[HostileServer]:
    server = HostileServer(good, declared=declared, body=body)
    try:
        yield server
    finally:
        server.close()
