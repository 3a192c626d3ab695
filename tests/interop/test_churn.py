"""A burst of label changes while the event thread extracts between every delivery: each
value seen is one the pod really had, in the order it had them, ending with the last."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.interop.event_thread import FIELDS, EventThread, Views
from tests.interop.stack import collector_over, plugin_for
from tests.kubeapi import objects
from tests.kubeapi.standin import KubeApiStandIn

POD = "3c3c3c3c-0000-4000-8000-00000000003c"
TID = 301
CHANGES = 150
GENERATION = "k8smeta.pod.label[gen]"


@pytest.mark.asyncio
async def test_extraction_during_a_burst_of_changes() -> None:
    async with KubeApiStandIn() as api:
        seeded = [
            api.add(objects.namespace("shop", uid="ns-shop")),
            api.add(objects.pod("busy", "shop", labels={"gen": "0"}, uid=POD)),
        ]
        async with collector_over(api) as collector:
            with plugin_for(collector.grpc_port) as host:
                ev = EventThread(host, (*FIELDS, GENERATION))
                ev.know(seeded)
                ev.spawn(TID, POD)
                await ev.until_fields({TID: {GENERATION: "0"}})
                seen: list[int] = []

                def last_generation(views: Views) -> bool:
                    value = views[TID][GENERATION]
                    assert value is not None
                    seen.append(int(value))
                    return value == str(CHANGES)

                async def churn() -> None:
                    for generation in range(1, CHANGES + 1):
                        ev.know([api.update("Pod", "shop", "busy", relabel(generation))])
                        await asyncio.sleep(0)  # lets the collector and the waits run

                churner = asyncio.create_task(churn())
                await ev.until(last_generation, timeout=20.0)
                await churner
                assert host.metrics()["parse_errors"] == 0
    assert seen == sorted(seen), "values went back in time"
    assert len(set(seen)) > 1, seen
    assert ev.extractions >= len(seen) * len(ev.fields)


def relabel(generation: int) -> Any:
    def mutate(pod: dict[str, Any]) -> None:
        pod["metadata"]["labels"] = {"gen": str(generation)}

    return mutate
