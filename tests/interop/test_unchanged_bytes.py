"""With StatefulSets, Jobs, CronJobs, Nodes and pod annotations in the cluster and
`--pod-annotations` unset, the upstream plugin's selector, and ours as it was, get byte for
byte what the collector sent before it served those kinds (`recorded_streams`)."""

from __future__ import annotations

import pytest

from k8smeta.wire import metadata_pb2
from tests.interop.recorded_streams import NODES, OURS_BEFORE, SELECTORS, describe, golden, record

NEW_KINDS = ("StatefulSet", "Job", "CronJob", "Node")
OURS_NOW = (*OURS_BEFORE, *NEW_KINDS)


@pytest.mark.asyncio
async def test_old_selectors_get_the_recorded_bytes() -> None:
    recorded = golden()
    streams = await record({**SELECTORS, "ours-now": OURS_NOW})
    for key, expected in recorded.items():
        assert [describe(data) for data in streams[key]] == [describe(data) for data in expected]
        assert streams[key] == expected, key
    for node in NODES:
        # Our selector with the new kinds: the same bytes for the old kinds, in the same order.
        ours = streams[f"ours-now/{node}"]
        old = [data for data in ours if metadata_pb2.Event.FromString(data).kind not in NEW_KINDS]
        assert old == recorded[f"ours-before/{node}"]
        assert len(ours) > len(old)  # and the new kinds besides
