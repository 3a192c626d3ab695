"""The stand-in's cluster state: objects per resource, one resourceVersion counter, history.

Every mutation gets the next resourceVersion and is appended to the history; watchers of the
resource get it as an event. `compact()` forgets the history, so that a watch or a continue
token older than the current version is answered 410 Gone, as a real API server does once
neither etcd (compaction) nor its watch cache holds that history.
"""

from __future__ import annotations

import asyncio
import copy
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Resource:
    """One API resource the stand-in serves."""

    name: str
    kind: str
    api_version: str
    prefix: str

    @property
    def path(self) -> str:
        return f"{self.prefix}/{self.name}"


RESOURCES: dict[str, Resource] = {
    r.name: r
    for r in (
        Resource("pods", "Pod", "v1", "/api/v1"),
        Resource("services", "Service", "v1", "/api/v1"),
        Resource("namespaces", "Namespace", "v1", "/api/v1"),
        Resource("replicationcontrollers", "ReplicationController", "v1", "/api/v1"),
        Resource("deployments", "Deployment", "apps/v1", "/apis/apps/v1"),
        Resource("replicasets", "ReplicaSet", "apps/v1", "/apis/apps/v1"),
        Resource("daemonsets", "DaemonSet", "apps/v1", "/apis/apps/v1"),
        Resource("statefulsets", "StatefulSet", "apps/v1", "/apis/apps/v1"),
        Resource("jobs", "Job", "batch/v1", "/apis/batch/v1"),
        Resource("cronjobs", "CronJob", "batch/v1", "/apis/batch/v1"),
        Resource("nodes", "Node", "v1", "/api/v1"),
    )
}
RESOURCE_BY_KIND = {r.kind: r for r in RESOURCES.values()}


@dataclass(frozen=True, slots=True)
class WatchEvent:
    rv: int
    resource: str
    type: str  # ADDED, MODIFIED, DELETED
    obj: Obj


@dataclass(eq=False)
class Watcher:
    """One open watch stream; the server handler drains `queue`."""

    resource: str
    bookmarks: bool
    queue: asyncio.Queue[WatchEvent | str | bytes] = field(default_factory=asyncio.Queue)
    """Events, control messages ("close", "gone", "bookmark"), or raw lines (bytes)."""


def _key(obj: Obj) -> tuple[str, str]:
    meta = obj["metadata"]
    return meta.get("namespace", ""), meta["name"]


class ClusterState:
    """Objects, resourceVersions, history and open watchers."""

    def __init__(self) -> None:
        self.rv = 1
        self.compacted_rv = 0
        self.objects: dict[str, dict[tuple[str, str], Obj]] = {r: {} for r in RESOURCES}
        self.history: list[WatchEvent] = []
        self.watchers: set[Watcher] = set()

    def add(self, obj: Obj) -> Obj:
        """Create `obj` (resource from its kind); fills uid, resourceVersion. Returns a copy."""
        resource = RESOURCE_BY_KIND[obj["kind"]].name
        stored = copy.deepcopy(obj)
        if _key(stored) in self.objects[resource]:
            raise KeyError(f"{resource} {_key(stored)} exists")
        stored["metadata"].setdefault("uid", str(uuid.uuid4()))
        return self._commit(resource, "ADDED", stored)

    def load(self, objs: Iterable[Obj]) -> int:
        """Create many objects without copying them (the caller hands them over and must not
        change them): for benchmark-sized clusters, where `add`'s copies would dominate."""
        count = 0
        for obj in objs:
            resource = RESOURCE_BY_KIND[obj["kind"]].name
            obj["metadata"].setdefault("uid", str(uuid.uuid4()))
            self._store(resource, "ADDED", obj)
            count += 1
        return count

    def update(self, kind: str, namespace: str, name: str, mutate: Callable[[Obj], None]) -> Obj:
        """Apply `mutate` to a copy of the object and store it with a new version."""
        resource = RESOURCE_BY_KIND[kind].name
        stored = copy.deepcopy(self.objects[resource][namespace, name])
        mutate(stored)
        return self._commit(resource, "MODIFIED", stored)

    def delete(self, kind: str, namespace: str, name: str) -> Obj:
        resource = RESOURCE_BY_KIND[kind].name
        stored = self.objects[resource].pop((namespace, name))
        return self._commit(resource, "DELETED", copy.deepcopy(stored))

    def _commit(self, resource: str, event_type: str, obj: Obj) -> Obj:
        self._store(resource, event_type, obj)
        return copy.deepcopy(obj)

    def _store(self, resource: str, event_type: str, obj: Obj) -> None:
        self.rv += 1
        obj["metadata"]["resourceVersion"] = str(self.rv)
        if event_type != "DELETED":
            self.objects[resource][_key(obj)] = obj
        event = WatchEvent(self.rv, resource, event_type, obj)
        self.history.append(event)
        for watcher in self.watchers:
            if watcher.resource == resource:
                watcher.queue.put_nowait(event)

    def compact(self) -> None:
        """Forget all history: older versions and continue tokens now answer 410."""
        self.compacted_rv = self.rv
        self.history.clear()

    def too_old(self, rv: int) -> bool:
        return rv < self.compacted_rv

    def events_since(self, resource: str, rv: int) -> list[WatchEvent]:
        return [e for e in self.history if e.resource == resource and e.rv > rv]

    def sorted_objects(self, resource: str) -> list[Obj]:
        items = self.objects[resource]
        return [items[key] for key in sorted(items)]

    def signal(self, message: str | bytes, resource: str | None = None) -> int:
        """Send a control message ("close", "gone", "bookmark") or a raw line (bytes, written
        as it is) to open watchers."""
        targets = [w for w in self.watchers if resource is None or w.resource == resource]
        for watcher in targets:
            watcher.queue.put_nowait(message)
        return len(targets)
