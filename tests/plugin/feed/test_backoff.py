"""Reconnect waits: uniform(0.5, 1.0) x min(cap, unit x 2^k), k reset by a completed snapshot."""

from __future__ import annotations

import pytest

from k8smeta.plugin.feed.backoff import Backoff


def _low(a: float, b: float) -> float:
    return a


def _high(a: float, b: float) -> float:
    return b


@pytest.mark.parametrize(
    ("outcomes", "low", "high"),
    [
        ([], 0.5, 1.0),
        ([True], 0.5, 1.0),
        ([False], 1.0, 2.0),
        ([False, False], 2.0, 4.0),
        ([False] * 6, 32.0, 64.0),
        ([False] * 7, 60.0, 120.0),
        ([False] * 8, 60.0, 120.0),
        ([False] * 500, 60.0, 120.0),
        ([False, False, False, True], 0.5, 1.0),
        ([False, False, True, False], 1.0, 2.0),
    ],
)
def test_wait_bounds(outcomes: list[bool], low: float, high: float) -> None:
    waits = []
    for uniform in (_low, _high):
        backoff = Backoff(uniform=uniform)
        for completed in outcomes:
            backoff.record(completed=completed)
        waits.append(backoff.next_wait())
    assert waits == [low, high]


def test_default_jitter_stays_within_bounds() -> None:
    backoff = Backoff()
    for _ in range(3):
        backoff.record(completed=False)
    waits = [backoff.next_wait() for _ in range(200)]
    assert all(4.0 <= w <= 8.0 for w in waits)
    assert len(set(waits)) > 1


def test_unit_and_cap_scale_the_waits() -> None:
    backoff = Backoff(unit=0.01, cap=0.05, uniform=_high)
    waits = []
    for _ in range(5):
        waits.append(backoff.next_wait())
        backoff.record(completed=False)
    assert waits == pytest.approx([0.01, 0.02, 0.04, 0.05, 0.05])
    assert backoff.failures == 5


@pytest.mark.parametrize(("unit", "cap"), [(0.0, 1.0), (-1.0, 1.0), (2.0, 1.0)])
def test_rejects_bad_parameters(unit: float, cap: float) -> None:
    with pytest.raises(ValueError, match="backoff"):
        Backoff(unit=unit, cap=cap)
