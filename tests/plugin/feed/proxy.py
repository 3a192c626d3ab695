"""A TCP proxy on 127.0.0.1 whose open connections can be frozen: a server that stops
answering (pings included) while its connection stays open, as behind a dead NAT entry."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from types import TracebackType


class FreezableProxy:
    """Forwards connections to `upstream` ('host:port'); `freeze()` stops the open ones."""

    def __init__(self, upstream: str) -> None:
        host, _, port = upstream.rpartition(":")
        self._upstream = (host, int(port))
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._frozen: set[int] = set()  # ids of the frozen connections
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._connections = 0
        self.target = f"127.0.0.1:{self._listener.getsockname()[1]}"
        self._start(self._accept)

    def freeze(self) -> None:
        """Stop forwarding on every connection open now (new ones forward normally)."""
        with self._lock:
            self._frozen.update(range(self._connections))

    def __enter__(self) -> FreezableProxy:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                sock.close()
            threads = list(self._threads)
        for thread in threads:
            thread.join(5.0)

    def _start(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self._upstream, timeout=5.0)
            with self._lock:
                number = self._connections
                self._connections += 1
                self._sockets += [client, server]
            self._start(self._pump, number, client, server)
            self._start(self._pump, number, server, client)

    def _pump(self, number: int, source: socket.socket, sink: socket.socket) -> None:
        try:
            while not self._closed.is_set():
                readable, _, _ = select.select([source], [], [], 0.1)
                with self._lock:
                    frozen = number in self._frozen
                if frozen:
                    self._closed.wait()  # silent, but open, until the proxy closes
                    return
                if not readable:
                    continue
                data = source.recv(65536)
                if not data:
                    sink.shutdown(socket.SHUT_WR)
                    return
                sink.sendall(data)
        except OSError:
            return
