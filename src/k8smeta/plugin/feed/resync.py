"""Resync bookkeeping after a reconnect (docs/plugin-contract.md, "Resync"): pure, clock
passed in.


`Resync` lives as long as the plugin state: `known` holds the (kind, uid) of every resource
whose Create/Update Falco accepted and that was not deleted since, and whether any stream
ever delivered a `Sync` marker. Each stream gets a `SnapshotTracker` that collects `seen`
and decides when the stream's snapshot is complete: at a `Sync`, or after a quiet period
(no message for `quiet_period` seconds; once a `Sync` was ever seen, only after
`sync_timeout` seconds of the stream). At completion, `known - seen` is swept: the caller
pushes a synthetic Delete for each key and reports it back through `accepted`. A stream
that ends before completion sweeps nothing.
"""

from __future__ import annotations

from typing import Final

from k8smeta.wire.vocabulary import CREATE, DELETE, SYNC, UPDATE

Key = tuple[str, str]
"""(kind, uid) of one resource."""

_UPSERTS: Final = frozenset({CREATE, UPDATE})


class Resync:
    """What Falco holds, across streams and handler restarts of one plugin state."""

    __slots__ = ("_known", "quiet_period", "sync_seen", "sync_timeout")

    def __init__(self, *, quiet_period: float = 5.0, sync_timeout: float = 60.0) -> None:
        if quiet_period <= 0 or sync_timeout <= 0:
            raise ValueError("quiet_period and sync_timeout must be positive")
        self.quiet_period = quiet_period
        self.sync_timeout = sync_timeout
        self.sync_seen = False
        self._known: set[Key] = set()

    @property
    def known(self) -> frozenset[Key]:
        """A copy of the keys Falco holds as far as the feed knows."""
        return frozenset(self._known)

    def accepted(self, reason: str, kind: str, uid: str) -> None:
        """Falco accepted a push of `reason` for (kind, uid): keep `known` in step.

        Only accepted pushes count: a rejected Delete leaves the key known, so a later
        sweep retries it.
        """
        if reason in _UPSERTS:
            self._known.add((kind, uid))
        elif reason == DELETE:
            self._known.discard((kind, uid))

    def unseen(self, seen: set[Key]) -> list[Key]:
        """The known keys not in `seen`, sorted so that sweeps are deterministic."""
        return sorted(self._known - seen)

    def open_stream(self, now: float) -> SnapshotTracker:
        """Start tracking a new stream opened at `now` (`seen` starts empty)."""
        return SnapshotTracker(self, now)


class SnapshotTracker:
    """One stream's `seen` set and snapshot-completion rule."""

    __slots__ = ("_last_message", "_opened", "_resync", "_seen", "completed")

    def __init__(self, resync: Resync, now: float) -> None:
        self._resync = resync
        self._opened = now
        self._last_message = now
        self._seen: set[Key] = set()
        self.completed = False

    def message(self, reason: str, kind: str, uid: str, now: float) -> list[Key]:
        """Note one received message; returns the keys to sweep (non-empty only at a Sync)."""
        self._last_message = now
        if reason == SYNC:
            self._resync.sync_seen = True
            sweep = self._complete()
            # Our collector sends another Sync on this stream only after a full
            # resnapshot: what it re-sends from now on is the next `seen`.
            self._seen = set()
            return sweep
        if reason in _UPSERTS:
            self._seen.add((kind, uid))
        elif reason == DELETE:
            self._seen.discard((kind, uid))
        return []

    def deadline(self) -> float | None:
        """When the quiet-period rule completes the snapshot; None once completed."""
        if self.completed:
            return None
        quiet_end = self._last_message + self._resync.quiet_period
        if self._resync.sync_seen:
            # The collector sends Sync markers: wait for one, fall back after the timeout.
            return max(self._opened + self._resync.sync_timeout, quiet_end)
        return quiet_end

    def poll(self, now: float) -> list[Key]:
        """Complete the snapshot if its deadline passed; returns the keys to sweep."""
        deadline = self.deadline()
        if deadline is None or now < deadline:
            return []
        # Keep `seen`: a late Sync on this stream must not sweep what was re-sent before it.
        return self._complete()

    def _complete(self) -> list[Key]:
        self.completed = True
        return self._resync.unseen(self._seen)
