"""A reload changing more objects than `--subscriber-queue-size` reaches a caught-up
subscriber whole (a subscriber that stops reading is still cut: test_streams #17)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.collector.e2e.harness import short
from tests.collector.e2e.snapshots import serving, write_list
from tests.kubeapi import objects as full

QUEUE = 5
NS = full.namespace("shop", uid="ns-1")
SEED = full.pod("seed", "shop", uid="seed")


def pods(count: int, prefix: str = "p") -> list[full.Obj]:
    return [full.pod(f"{prefix}-{n}", "shop", uid=f"{prefix}-{n:03d}") for n in range(count)]


@pytest.mark.asyncio
async def test_a_burst_larger_than_the_queue_reaches_a_caught_up_subscriber(
    tmp_path: Path,
) -> None:
    path = write_list(tmp_path / "cluster.json", [NS, SEED])
    async with serving(path, queue_size=QUEUE) as h:
        idle = await h.watch("node-a").registered()
        snapshot = [short(e) for e in await idle.until_sync()]
        assert snapshot == ["Create Namespace ns-1", "Create Pod seed"]
        write_list(path, [NS, SEED, *pods(4 * QUEUE)])
        await h.reload()
        burst = [short(e) for e in await idle.take(4 * QUEUE)]
        assert burst == [f"Create Pod p-{n:03d}" for n in range(4 * QUEUE)]
        write_list(path, [NS, SEED, *pods(4 * QUEUE), *pods(QUEUE + 1, "q")])
        await h.reload()
        later = [short(e) for e in await idle.take(QUEUE + 1)]
        assert later == [f"Create Pod q-{n:03d}" for n in range(QUEUE + 1)]
        assert not idle.call.done()
        write_list(path, [NS, SEED])
        await h.reload()
        deletes = [short(e) for e in await idle.take(5 * QUEUE + 1)]
        assert {line.split()[0] for line in deletes} == {"Delete"}
        registry = h.collector.metrics.registry
        assert registry.get_sample_value("meta_collector_subscriber_overflows_total") == 0
        assert not idle.call.done()
