"""`KubeSource`: the live Source, one reflector task per kind, all feeding one queue."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from k8smeta.collector.kube.kinds import KINDS
from k8smeta.collector.kube.policy import ReflectorPolicy
from k8smeta.collector.kube.reflector import Reflector
from k8smeta.collector.kube.transport import Timeouts, Transport
from k8smeta.collector.model import DEPENDENCY_ORDER, BatchQueue, Kind
from k8smeta.collector.ops.metrics import CollectorMetrics


class KubeSource:
    """Watches the given kinds (default: all of them) through a kubernetes_asyncio ApiClient.

    The ApiClient stays the caller's: `run` neither opens nor closes it. Pods keep the
    annotations whose keys are in `pod_annotations` (`--pod-annotations`).
    """

    def __init__(
        self,
        api_client: Any,
        metrics: CollectorMetrics,
        kinds: Iterable[Kind] = DEPENDENCY_ORDER,
        policy: ReflectorPolicy | None = None,
        *,
        pod_annotations: frozenset[str] = frozenset(),
    ) -> None:
        policy = policy if policy is not None else ReflectorPolicy()
        transport = Transport(api_client, Timeouts(policy.connect_timeout, policy.read_timeout))
        self.kinds: tuple[Kind, ...] = tuple(kinds)
        self.reflectors: dict[Kind, Reflector] = {
            kind: Reflector(
                KINDS[kind], transport, metrics, policy, pod_annotations=pod_annotations
            )
            for kind in self.kinds
        }

    async def run(self, out: BatchQueue) -> None:
        """Run every reflector until cancelled (reflectors retry their own failures)."""
        async with asyncio.TaskGroup() as group:
            for kind, reflector in self.reflectors.items():
                group.create_task(reflector.run(out), name=f"reflector-{kind.value}")

    def synced(self) -> bool:
        """True once every kind has completed its initial list."""
        return all(reflector.synced for reflector in self.reflectors.values())
