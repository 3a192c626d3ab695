"""Resync bookkeeping: known/seen, snapshot completion, sweeps; injected clock.

The rules are in docs/plugin-contract.md, "Resync".
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from k8smeta.plugin.feed.resync import Key, Resync, SnapshotTracker

POD_A: Key = ("Pod", "a")
POD_B: Key = ("Pod", "b")
NS_N: Key = ("Namespace", "n")
ALL = [NS_N, POD_A, POD_B]  # sorted, as sweeps are

Step = tuple[float, str, Key]
"""(time, reason or "poll", key) — a received message, or the feed thread's timer check."""
NO_KEY: Key = ("", "")


def _state(*keys: Key, sync_seen: bool = False) -> Resync:
    resync = Resync(quiet_period=5.0, sync_timeout=60.0)
    for key in keys:
        resync.accepted("Create", *key)
    resync.sync_seen = sync_seen
    return resync


def _play(resync: Resync, tracker: SnapshotTracker, steps: list[Step]) -> list[list[Key]]:
    """Run the steps as the feed does, the sink accepting every push; the non-empty sweeps."""
    sweeps: list[list[Key]] = []
    for now, reason, key in steps:
        if reason == "poll":
            sweep = tracker.poll(now)
        else:
            sweep = tracker.message(reason, *key, now)
            resync.accepted(reason, *key)
        for swept in sweep:
            resync.accepted("Delete", *swept)
        if sweep:
            sweeps.append(sweep)
    return sweeps


@dataclass(frozen=True)
class Case:
    name: str
    sync_seen: bool
    steps: list[Step]
    sweeps: list[list[Key]]
    known: set[Key]
    completed: bool = True


CASES = [
    Case("sync at once", False, [(0.5, "Sync", NO_KEY)], [ALL], set()),
    Case(
        "sync after a subset",
        False,
        [(1, "Create", POD_A), (2, "Update", NS_N), (3, "Sync", NO_KEY)],
        [[POD_B]],
        {POD_A, NS_N},
    ),
    Case(
        "a deleted resource is not swept",
        False,
        [(1, "Create", POD_A), (1.5, "Delete", POD_A), (2, "Sync", NO_KEY)],
        [[NS_N, POD_B]],
        set(),
    ),
    Case(
        "a new resource joins known",
        False,
        [(1, "Create", ("Pod", "c")), (2, "Sync", NO_KEY)],
        [ALL],
        {("Pod", "c")},
    ),
    Case(
        "quiet period after the last message",
        False,
        [(1, "Create", POD_A), (2, "Create", POD_B), (6.9, "poll", NO_KEY), (7, "poll", NO_KEY)],
        [[NS_N]],
        {POD_A, POD_B},
    ),
    Case("quiet period with no message", False, [(4.9, "poll", NO_KEY)], [], set(ALL), False),
    Case("quiet stream completes", False, [(5, "poll", NO_KEY)], [ALL], set()),
    Case(
        "one quiet completion per stream",
        False,
        [(1, "Create", POD_A), (6, "poll", NO_KEY), (20, "Create", POD_B), (30, "poll", NO_KEY)],
        [[NS_N, POD_B]],
        {POD_A, POD_B},
    ),
    Case(
        "a late sync keeps what came before the quiet completion",
        False,
        [(1, "Create", POD_A), (6, "poll", NO_KEY), (7, "Create", NS_N), (8, "Sync", NO_KEY)],
        [[NS_N, POD_B]],
        {POD_A, NS_N},
    ),
    Case(
        "each sync restarts seen",
        False,
        [
            (1, "Create", POD_A),
            (2, "Sync", NO_KEY),
            (3, "Create", POD_B),
            (4, "Sync", NO_KEY),
        ],
        [[NS_N, POD_B], [POD_A]],
        {POD_B},
    ),
    Case(
        "after a sync was seen, quiet is not enough",
        True,
        [(1, "Create", POD_A), (10, "poll", NO_KEY), (59.9, "poll", NO_KEY)],
        [],
        set(ALL),
        False,
    ),
    Case(
        "after a sync was seen, the timeout then quiet completes",
        True,
        [(1, "Create", POD_A), (60, "poll", NO_KEY)],
        [[NS_N, POD_B]],
        {POD_A},
    ),
    Case(
        "after the timeout the quiet period still applies",
        True,
        [(58, "Create", POD_A), (60, "poll", NO_KEY), (62.9, "poll", NO_KEY), (63, "poll", NO_KEY)],
        [[NS_N, POD_B]],
        {POD_A},
    ),
    Case(
        "after a sync was seen, a sync completes at once",
        True,
        [(1, "Create", POD_A), (2, "Sync", NO_KEY)],
        [[NS_N, POD_B]],
        {POD_A},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_snapshot_completion_and_sweeps(case: Case) -> None:
    resync = _state(*ALL, sync_seen=case.sync_seen)
    tracker = resync.open_stream(0.0)
    assert _play(resync, tracker, case.steps) == case.sweeps
    assert resync.known == case.known
    assert tracker.completed is case.completed
    assert (tracker.deadline() is None) is case.completed


def test_a_stream_ending_before_completion_sweeps_nothing() -> None:
    resync = _state(*ALL)
    first = resync.open_stream(0.0)
    assert _play(resync, first, [(1, "Create", POD_A), (2, "poll", NO_KEY)]) == []
    # The stream ends here (the tracker is dropped): a new stream starts from empty `seen`.
    second = resync.open_stream(10.0)
    assert resync.known == set(ALL)
    assert second.deadline() == 15.0
    assert _play(resync, second, [(11, "Create", POD_B), (16, "poll", NO_KEY)]) == [[NS_N, POD_A]]


def test_sync_marks_the_state() -> None:
    resync = _state()
    tracker = resync.open_stream(0.0)
    before = resync.sync_seen
    tracker.message("Sync", "", "", 1.0)
    assert (before, resync.sync_seen) == (False, True)
    assert resync.open_stream(100.0).deadline() == 160.0


def test_a_rejected_delete_stays_known() -> None:
    resync = _state(*ALL)
    tracker = resync.open_stream(0.0)
    assert tracker.message("Sync", "", "", 1.0) == ALL
    resync.accepted("Delete", *POD_A)  # only this synthetic Delete was accepted
    assert resync.known == {NS_N, POD_B}
    assert resync.open_stream(2.0).message("Sync", "", "", 3.0) == [NS_N, POD_B]


@pytest.mark.parametrize(("quiet", "timeout"), [(0.0, 1.0), (1.0, 0.0), (-1.0, 1.0)])
def test_rejects_non_positive_periods(quiet: float, timeout: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        Resync(quiet_period=quiet, sync_timeout=timeout)
