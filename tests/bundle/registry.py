"""A real OCI registry on 127.0.0.1 for the tests: Debian's `docker-registry` (the CNCF
distribution registry), with its storage and configuration in a temporary directory.

It listens on a port the kernel picks (`127.0.0.1:0`) and logs the address it got; the
fixture reads that line from its log instead of guessing a free port.
"""

from __future__ import annotations

import queue
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

CONFIG = """\
version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {root}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:0
  secret: k8smeta-test-registry
"""
LISTENING = re.compile(r'msg="listening on (127\.0\.0\.1:\d+)"')


def _pump(stream: IO[str], lines: queue.Queue[str | None], log: list[str]) -> None:
    """Forward the registry's log lines; None once it closed its log (it exited)."""
    for line in stream:
        log.append(line)
        lines.put(line)
    lines.put(None)


@contextmanager
def running_registry(binary: Path, work: Path, start_timeout: float = 30.0) -> Iterator[str]:
    """Start the registry with its storage in `work`; yields its `127.0.0.1:<port>`."""
    work.mkdir(parents=True, exist_ok=True)
    config = work / "config.yml"
    config.write_text(CONFIG.format(root=work / "storage"))
    proc = subprocess.Popen(
        [str(binary), "serve", str(config)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    lines: queue.Queue[str | None] = queue.Queue()
    log: list[str] = []
    pump = threading.Thread(target=_pump, args=(proc.stderr, lines, log), daemon=True)
    pump.start()
    try:
        deadline = time.monotonic() + start_timeout
        address = None
        while address is None:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            if line is None:
                raise RuntimeError(f"the registry exited: {''.join(log)[-2000:]}")
            match = LISTENING.search(line)
            address = match.group(1) if match else None
        yield address
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        pump.join(timeout=5)
        proc.stderr.close()
