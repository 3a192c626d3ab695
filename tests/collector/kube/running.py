"""Test scaffolding: run a source in the background; watch for ERROR log records."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator

from k8smeta.collector.model import BatchQueue, Source


@contextlib.asynccontextmanager
async def running(source: Source, out: BatchQueue) -> AsyncIterator[asyncio.Task[None]]:
    """Run `source.run(out)` as a task for the body's duration, then cancel it."""
    task = asyncio.create_task(source.run(out))
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert task.cancelled(), "a source must only end when cancelled"


class ErrorLog(logging.Handler):
    """Collects ERROR records of the `k8smeta` loggers; `wait(n)` awaits the n-th one."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []
        self._changed = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
        self._changed.set()

    async def wait(self, count: int, timeout: float = 15.0) -> None:
        async with asyncio.timeout(timeout):
            while len(self.messages) < count:
                self._changed.clear()
                await self._changed.wait()


@contextlib.contextmanager
def error_log() -> Iterator[ErrorLog]:
    """Capture ERROR records of `k8smeta.collector.kube` while the body runs."""
    handler = ErrorLog()
    logger = logging.getLogger("k8smeta.collector.kube")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
