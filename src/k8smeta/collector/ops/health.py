"""Liveness and readiness as values (docs/configuration.md), computed from what the app reports."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Protocol

from k8smeta.collector.model import Kind

STALL_AFTER_S = 30.0


class PipelineProbe(Protocol):
    """What health needs from the pipeline."""

    synced: set[Kind]
    last_progress: float


@dataclass(slots=True)
class HealthState:
    """Registered by the app; `liveness()`/`readiness()` list the problems (empty = fine)."""

    expected_kinds: frozenset[Kind] = frozenset()
    pipeline: PipelineProbe | None = None
    pending: Callable[[], int] = lambda: 0
    tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    serving: bool = False
    shutting_down: bool = False
    clock: Callable[[], float] = time.monotonic
    stall_after: float = STALL_AFTER_S

    def liveness(self) -> list[str]:
        problems = [f"task {name} ended" for name, task in self.tasks.items() if task.done()]
        pipeline = self.pipeline
        if pipeline is not None and self.pending() > 0:
            idle = self.clock() - pipeline.last_progress
            if idle > self.stall_after:
                problems.append(f"pipeline made no progress for {idle:.0f}s with work pending")
        return problems

    def readiness(self) -> list[str]:
        if self.shutting_down:
            return ["shutting down"]
        problems: list[str] = []
        synced: Collection[Kind] = self.pipeline.synced if self.pipeline is not None else ()
        missing = sorted(kind.value for kind in self.expected_kinds if kind not in synced)
        if missing:
            problems.append("not synced: " + ", ".join(missing))
        if not self.serving:
            problems.append("gRPC server not serving")
        return problems
