"""`SnapshotSource`: serve objects from `kubectl get ... -o json` files instead of a live API.

Each file holds a `List` (kubectl's `{"kind":"List","items":[...]}`, or a typed list such as
`PodList` whose items lack `kind`) or a single object. Items are recognized by `kind`; other
kinds are ignored (counted in `ignored`, DEBUG). Objects are trimmed exactly like live ones.
A UID appearing twice (same kind or not) is served once: the first object in dependency
order, then in file order; the others are skipped with a WARN.

Emission: one batch per kind in dependency order (Namespace first, Pod last), each carrying
`synced=<kind>` and that kind's ADDED changes, also for kinds with no objects. Then the source
waits; `request_reload()` (e.g. on SIGHUP) re-reads the files and publishes the difference as
one batch, like a relist. A reload that fails keeps the current objects and logs an ERROR.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import orjson

from k8smeta.collector.kube.diff import diff_stores
from k8smeta.collector.kube.errors import SnapshotError, TrimError
from k8smeta.collector.kube.trim import trim
from k8smeta.collector.model import (
    DEPENDENCY_ORDER,
    Batch,
    BatchQueue,
    Change,
    ChangeType,
    Kind,
    KubeObject,
    Uid,
)
from k8smeta.collector.ops.metrics import CollectorMetrics

log = logging.getLogger(__name__)

Stores = dict[Kind, dict[Uid, KubeObject]]
_KINDS = {kind.value: kind for kind in Kind}


class SnapshotSource:
    """A Source reading its objects from files; ready as soon as they are loaded."""

    kinds: tuple[Kind, ...] = DEPENDENCY_ORDER

    def __init__(
        self,
        paths: Sequence[str | Path],
        metrics: CollectorMetrics | None = None,
        *,
        pod_annotations: frozenset[str] = frozenset(),
    ):
        """Read and check the files now, so that a bad file is a start-up error. Pods keep
        the annotations whose keys are in `pod_annotations` (`--pod-annotations`)."""
        if not paths:
            raise SnapshotError("no snapshot file given")
        self.paths = tuple(Path(p) for p in paths)
        self._metrics = metrics
        self._pod_annotations = pod_annotations
        self.ignored: Counter[str] = Counter()
        self.skipped = 0
        self._stores = self._load()
        self._reload = asyncio.Event()

    def objects(self) -> list[KubeObject]:
        """Every object currently served, in dependency order."""
        return [obj for kind in self.kinds for obj in self._stores[kind].values()]

    def request_reload(self) -> None:
        """Ask `run` to re-read the files (safe to call from a signal handler on the loop)."""
        self._reload.set()

    async def run(self, out: BatchQueue) -> None:
        """Publish the snapshot, then publish reload differences until cancelled."""
        for kind in self.kinds:
            added = tuple(Change(ChangeType.ADDED, o) for o in self._stores[kind].values())
            await out.put(Batch(added, synced=kind))
        while True:
            await self._reload.wait()
            self._reload.clear()
            changes = self.reload()
            if changes:
                await out.put(Batch(changes))

    def reload(self) -> tuple[Change, ...]:
        """Re-read the files; the changes since the last load (empty when a file is bad)."""
        try:
            stores = self._load()
        except SnapshotError as exc:
            log.error("snapshot reload failed, keeping the previous objects: %s", exc)
            return ()
        changes: list[Change] = []
        for kind in self.kinds:
            changes.extend(diff_stores(self._stores[kind], stores[kind]))
        self._stores = stores
        log.info("snapshot reloaded: %d changes", len(changes))
        return _deletes_first(changes)

    def _load(self) -> Stores:
        log.info("loading snapshot", extra={"fields": {"files": [str(p) for p in self.paths]}})
        found: dict[Kind, list[tuple[KubeObject, Path]]] = {kind: [] for kind in self.kinds}
        for path in self.paths:
            for kind, raw in _items(_read(path), path):
                obj = self._trim(kind, raw, path)
                if obj is not None:
                    found[obj.kind].append((obj, path))
        stores = self._unique(found)
        log.info("snapshot loaded: %s", ", ".join(f"{k.value} {len(s)}" for k, s in stores.items()))
        return stores

    def _unique(self, found: dict[Kind, list[tuple[KubeObject, Path]]]) -> Stores:
        """One object per UID: the first in dependency order, then in file order, wins.

        The rule depends on the files only, so a reload serves exactly what a fresh start
        on the same files would (the pipeline's own first-holder rule depends on history).
        """
        stores: Stores = {kind: {} for kind in self.kinds}
        holders: dict[Uid, KubeObject] = {}
        for kind in self.kinds:
            for obj, path in found[kind]:
                holder = holders.get(obj.uid)
                if holder is None:
                    holders[obj.uid] = stores[kind][obj.uid] = obj
                    continue
                if self._metrics is not None:
                    self._metrics.duplicate_uids.labels(kind.value).inc()
                log.warning(
                    "%s: skipped a %s %s whose UID %s is already held by %s %s",
                    path, kind.value, obj.qualified_name, obj.uid,
                    holder.kind.value, holder.qualified_name,
                )  # fmt: skip
        return stores

    def _trim(self, kind_name: str, raw: object, path: Path) -> KubeObject | None:
        kind = _KINDS.get(kind_name)
        if kind is None:
            self.ignored[kind_name] += 1
            log.debug("%s: ignoring an object of kind %s", path, kind_name)
            return None
        try:
            return trim(kind, raw, self._pod_annotations)
        except TrimError as exc:
            self.skipped += 1
            log.warning("%s: skipping a %s object: %s", path, kind_name, exc)
            return None


def _read(path: Path) -> dict[str, object]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SnapshotError(f"snapshot {path}: cannot read: {exc.strerror or exc}") from exc
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise SnapshotError(f"snapshot {path}: not JSON: {exc}") from exc
    if not isinstance(value, dict) or not isinstance(value.get("kind"), str):
        raise SnapshotError(f"snapshot {path}: not a Kubernetes object or List (no kind)")
    return value


def _items(document: dict[str, object], path: Path) -> Iterator[tuple[str, object]]:
    """(kind, raw object) for a List, a typed list (`PodList`) or a single object."""
    kind = str(document["kind"])
    if kind != "List" and not kind.endswith("List"):
        yield kind, document
        return
    items = document.get("items")
    if not isinstance(items, list):
        raise SnapshotError(f"snapshot {path}: {kind} without an items list")
    item_kind = kind.removesuffix("List")
    for item in items:
        found = item.get("kind") if isinstance(item, dict) else None
        yield (found if isinstance(found, str) else item_kind or "<no kind>"), item


def _deletes_first(changes: Iterable[Change]) -> tuple[Change, ...]:
    ordered = sorted(changes, key=lambda c: c.type is not ChangeType.DELETED)
    return tuple(ordered)
