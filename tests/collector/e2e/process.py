"""A real `k8smeta-collector run` process on loopback ports, and its JSON log lines."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import orjson

LOOPBACK = ["--broker-bind-address", "127.0.0.1:0", "--metrics-bind-address", "127.0.0.1:0",
            "--health-probe-bind-address", "127.0.0.1:0"]  # fmt: skip
TIMEOUT = 20.0


@dataclass
class CollectorProcess:
    process: asyncio.subprocess.Process
    lines: list[bytes] = field(default_factory=list)  # every stderr line so far

    @property
    def records(self) -> list[dict[str, Any]]:
        """The lines that are JSON log records."""
        found = []
        for line in self.lines:
            with contextlib.suppress(orjson.JSONDecodeError):
                found.append(orjson.loads(line))
        return found

    async def until(self, msg: str) -> dict[str, Any]:
        """Read stderr up to the next record whose `msg` starts with `msg`."""
        assert self.process.stderr is not None
        while True:
            line = await asyncio.wait_for(self.process.stderr.readline(), TIMEOUT)
            assert line, f"process ended before logging {msg!r}: {self.lines}"
            self.lines.append(line)
            with contextlib.suppress(orjson.JSONDecodeError):
                record: dict[str, Any] = orjson.loads(line)
                if str(record.get("msg")).startswith(msg):
                    return record

    async def finish(self, *, signalled: bool = False) -> int:
        """SIGTERM (unless the test already sent it: a second one may land after the
        collector restored the default handlers on its way out), then the exit code; the
        rest of stderr is added to `lines`."""
        if not signalled:
            self.process.terminate()
        assert self.process.stderr is not None
        rest = await asyncio.wait_for(self.process.stderr.read(), TIMEOUT)
        self.lines.extend(rest.splitlines(keepends=True))
        return await asyncio.wait_for(self.process.wait(), TIMEOUT)


@contextlib.asynccontextmanager
async def collector_process(*args: str | bytes) -> AsyncIterator[CollectorProcess]:
    """`python -m k8smeta.collector run ARGS` on ephemeral loopback ports."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = ["-m", "k8smeta.collector", "run", *args, *LOOPBACK]
    process = await asyncio.create_subprocess_exec(
        sys.executable, *command, stderr=asyncio.subprocess.PIPE, env=env
    )
    try:
        yield CollectorProcess(process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
