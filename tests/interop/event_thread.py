"""Falco's event thread in a test: process events, async deliveries and extraction, on the
test's thread, with extraction running over and over while waiting for the next delivery.

Every extraction is checked: a value is either absent or made only of strings the cluster
ever held (names, UIDs, labels) - anything else is garbage.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from k8smeta.falcosim import Host

EXECVE_X = 293
FIELDS = (
    "k8smeta.pod.name",
    "k8smeta.pod.uid",
    "k8smeta.pod.label[app]",
    "k8smeta.pod.labels",
    "k8smeta.ns.name",
    "k8smeta.ns.labels",
    "k8smeta.deployment.name",
    "k8smeta.rs.name",
    "k8smeta.rc.name",
    "k8smeta.svc.name",
    "k8smeta.svc.uid",
)
View = dict[str, str | None]
Views = dict[int, View]
Obj = dict[str, Any]


def cgroups_of(pod_uid: str) -> list[str]:
    """A container process's cgroups (cgroupfs driver, cgroup v1)."""
    path = f"/kubepods/besteffort/pod{pod_uid}/{pod_uid.replace('-', '')}"
    return [f"{controller}={path}" for controller in ("cpuset", "cpu", "memory")]


def words_of(obj: Obj) -> set[str]:
    """Every string a field may legitimately show for this object."""
    meta = obj["metadata"]
    labels: Mapping[str, str] = meta.get("labels") or {}
    words = {meta["name"], meta["uid"], meta.get("namespace", "")}
    words.update(labels.values())
    words.update(f"{key}:{value}" for key, value in labels.items())
    return words


class EventThread:
    """Drives one plugin state as libsinsp's event loop does."""

    def __init__(self, host: Host, fields: tuple[str, ...] = FIELDS) -> None:
        self.host = host
        self.fields = fields
        self.tids: list[int] = []
        self.vocabulary: set[str] = set()
        self.extractions = 0

    def know(self, objects: Iterable[Obj]) -> None:
        """Strings of these objects become legitimate values."""
        for obj in objects:
            self.vocabulary |= words_of(obj)

    def spawn(self, tid: int, pod_uid: str) -> None:
        """An execve of `tid` in the pod's container."""
        assert self.host.process_event(EXECVE_X, tid, 0, cgroups_of(pod_uid))
        self.tids.append(tid)

    def view(self, tid: int) -> View:
        view: View = {}
        for field in self.fields:
            values = self.host.extract(tid, field)
            self.extractions += 1
            garbage = [v for v in values or () if v not in self.vocabulary]
            assert not garbage, f"{field} of {tid}: {values}"
            is_list = self.host.resolve(field)[2]
            view[field] = None if values is None else ",".join(values) if is_list else values[0]
        return view

    def views(self) -> Views:
        return {tid: self.view(tid) for tid in self.tids}

    async def until(self, done: Callable[[Views], bool], timeout: float = 10.0) -> Views:
        """Deliver, extract everything, repeat until `done(views)`; AssertionError after
        `timeout` s. Between rounds it waits for the next push, at most 50 ms."""
        deadline = time.monotonic() + timeout
        while True:
            self.host.deliver_async()
            views = self.views()
            if done(views):
                return views
            assert time.monotonic() < deadline, f"condition not reached; last views: {views}"
            wanted = self.host.owner.accepted + 1
            await asyncio.to_thread(self.host.wait_queued, wanted, 0.05)

    async def until_fields(self, expected: Mapping[int, View], timeout: float = 10.0) -> Views:
        """Until every (tid, field) of `expected` shows that value."""

        def done(views: Views) -> bool:
            return all(
                views[tid][field] == value
                for tid, fields in expected.items()
                for field, value in fields.items()
            )

        return await self.until(done, timeout)

    def resources(self) -> dict[str, int]:
        """The plugin's `resources_*` metrics (records held per kind)."""
        prefix = "resources_"
        metrics = self.host.metrics()
        return {k[len(prefix) :]: v for k, v in metrics.items() if k.startswith(prefix)}
