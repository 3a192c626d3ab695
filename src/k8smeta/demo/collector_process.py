"""The collector as a subprocess on 127.0.0.1: free ports, readiness, clean shutdown.

`start()` picks three free loopback ports, runs `python -m k8smeta collector --snapshot ...`
and waits (bounded) until `/readyz` answers 200; `stop()` sends SIGTERM and requires exit
code 0 within a bound. The collector's log goes to a temporary file, shown on failure.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from k8smeta.demo.cluster import DEMO_ANNOTATION

log = logging.getLogger(__name__)
LOOPBACK = "127.0.0.1"
POLL_INTERVAL = 0.05


class CollectorError(Exception):
    """The collector did not start, get ready or stop as expected (message has its log)."""


@dataclass(frozen=True, slots=True)
class Ports:
    """The collector's three listeners."""

    broker: int
    metrics: int
    health: int


def free_ports(count: int) -> list[int]:
    """`count` distinct ports the kernel reports free on 127.0.0.1 right now."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((LOOPBACK, 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{LOOPBACK}:{port}/readyz", timeout=1.0) as reply:
            return int(reply.status) == 200
    except (urllib.error.URLError, OSError):
        return False


class CollectorProcess:
    """One `k8smeta collector` subprocess serving snapshot files."""

    def __init__(self, snapshots: Sequence[Path], ports: Ports | None = None) -> None:
        self.snapshots = tuple(snapshots)
        self.ports = ports if ports is not None else Ports(*free_ports(3))
        self._log: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop)
        self._process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        address = f"{LOOPBACK}:{{}}".format
        command = [sys.executable, "-m", "k8smeta", "collector"]
        for path in self.snapshots:
            command += ["--snapshot", str(path)]
        return [
            *command,
            f"--broker-bind-address={address(self.ports.broker)}",
            f"--metrics-bind-address={address(self.ports.metrics)}",
            f"--health-probe-bind-address={address(self.ports.health)}",
            f"--pod-annotations={DEMO_ANNOTATION}",
            "--log-format=text",
            "--log-level=warning",
        ]

    def start(self, timeout: float) -> None:
        """Start it and wait until /readyz is 200; CollectorError after `timeout` s."""
        self._process = subprocess.Popen(
            self.command(), stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log
        )
        deadline = time.monotonic() + timeout
        while not _ready(self.ports.health):
            if self._process.poll() is not None:
                raise CollectorError(f"the collector exited with {self._process.returncode}")
            if time.monotonic() > deadline:
                raise CollectorError(f"the collector was not ready within {timeout:.0f} s")
            # the bounded pause between probes doubles as the early-exit check
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(POLL_INTERVAL)

    def start_failed_on_listener(self) -> bool:
        """Whether the process ended with 1, the collector's code for a listener it could
        not open (e.g. a port taken between `free_ports` and its start)."""
        return self._process is not None and self._process.poll() == 1

    def stop(self, timeout: float) -> int:
        """SIGTERM, then its exit code (killed and CollectorError after `timeout` s)."""
        process, self._process = self._process, None
        if process is None:
            return 0
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise CollectorError(f"the collector did not stop within {timeout:.0f} s") from None

    def output(self) -> str:
        """What the collector logged so far."""
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._process = None
        self._log.close()


def start_collector(
    snapshots: Sequence[Path], timeout: float, attempts: int = 3
) -> CollectorProcess:
    """A ready collector on fresh free ports; a start that loses a port race is retried."""
    for attempt in range(1, attempts + 1):
        collector = CollectorProcess(snapshots)
        try:
            collector.start(timeout)
            return collector
        except CollectorError as exc:
            retry = attempt < attempts and collector.start_failed_on_listener()
            output = collector.output()
            collector.close()
            if not retry:
                raise CollectorError(f"{exc}\n--- collector log ---\n{output}") from None
            log.info("collector start failed, retrying on other ports: %s", output)
    raise CollectorError(f"the collector did not start in {attempts} attempts")
