"""The host side of the feed tests: a recording sink, a log recorder, fast settings."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import orjson

from k8smeta.plugin.feed import Feed, FeedSettings

WAIT = 15.0
"""Backstop for every wait of these tests (they end far sooner)."""


class RecordingSink:
    """The host side of the feed: records payloads; `verdict` may reject some."""

    def __init__(self, verdict: Callable[[int, bytes], str | None] | None = None) -> None:
        self._verdict = verdict
        self._cond = threading.Condition()
        self.payloads: list[bytes] = []
        self.times: list[float] = []
        self.accepted: list[bytes] = []

    def __call__(self, payload: bytes) -> str | None:
        with self._cond:
            index = len(self.payloads)
            self.payloads.append(payload)
            self.times.append(time.monotonic())
            self._cond.notify_all()
        # The verdict runs outside the lock: it may block, or stop the feed.
        error = self._verdict(index, payload) if self._verdict else None
        if error is None:
            with self._cond:
                self.accepted.append(payload)
        return error

    def wait_for(self, count: int, timeout: float = WAIT) -> bool:
        """Wait until `count` payloads were offered."""
        with self._cond:
            return self._cond.wait_for(lambda: len(self.payloads) >= count, timeout)

    def docs(self) -> list[Any]:
        """Every offered payload, NUL stripped and JSON-decoded."""
        with self._cond:
            payloads = list(self.payloads)
        assert all(p.endswith(b"\0") for p in payloads)
        return [orjson.loads(p[:-1]) for p in payloads]


class LogRecorder(logging.Handler):
    """Collects the feed's log records (independent of how `k8smeta` logging is routed)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self._cond = threading.Condition()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        with self._cond:
            self.records.append(record)
            self._cond.notify_all()

    def messages(self, level: int | None = None) -> list[str]:
        with self._cond:
            return [r.getMessage() for r in self.records if level is None or r.levelno == level]

    def wait_for(self, text: str, count: int = 1, timeout: float = WAIT) -> bool:
        """Wait until `count` records contain `text`."""
        with self._cond:
            return self._cond.wait_for(
                lambda: sum(text in r.getMessage() for r in self.records) >= count, timeout
            )


def fast_settings(target: str, **changes: Any) -> FeedSettings:
    """Settings for tests: short backoff, and no quiet-period sweep unless asked for."""
    values: dict[str, Any] = {
        "target": target,
        "node_name": "control-plane",
        "backoff_unit": 0.01,
        "quiet_period": 30.0,
    }
    values.update(changes)
    return FeedSettings(**values)


FeedFactory = Callable[..., Feed]
"""The `make_feed` fixture: build a Feed from settings and a sink (stopped at teardown)."""
