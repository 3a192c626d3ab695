"""An API server that answers every watch with 410 (HTTP or an ERROR event), or ends every
watch after one line: the collector's request rate stays bounded (jittered, capped doubling
delays), relists and watch restarts are counted, and it serves again once the API behaves;
a watch that stays open resets the delays (client-go's reflector does the same)."""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from k8smeta.collector.kube.policy import ReflectorPolicy
from tests.collector.e2e.live import Live, live_collector
from tests.kubeapi import objects
from tests.kubeapi.server import Misbehaviour, RequestRecord
from tests.kubeapi.standin import KubeApiStandIn

WINDOW = 2.0  # seconds of misbehaviour measured
POLICY = ReflectorPolicy(backoff_initial=0.05, backoff_max=0.2, rng=random.Random(3))


def pod_requests(api: KubeApiStandIn) -> tuple[int, int]:
    return len(api.requests_for("pods", watch=False)), len(api.requests_for("pods", watch=True))


def counter(live: Live, name: str, **labels: str) -> float:
    return live.sample(f"meta_collector_{name}_total", labels)


@pytest.mark.parametrize("how", ["gone-http", "gone-event", "one-line"])
@pytest.mark.asyncio
async def test_a_misbehaving_watch_sees_a_bounded_request_rate(how: Misbehaviour) -> None:
    async with KubeApiStandIn() as api:
        api.add(objects.namespace("shop", uid="ns-shop"))
        async with live_collector(api, policy=POLICY) as live:
            client = live.watch("node-a")
            await client.until_sync()
            api.misbehave(how, "pods")
            lists, watches = pod_requests(api)
            api.close_watches("pods")
            await asyncio.sleep(WINDOW)  # the measured window, not a wait for an event
            more_lists, more_watches = pod_requests(api)
            relists = counter(live, "relists", kind="Pod", reason="gone")
            restarts = counter(live, "watch_restarts", kind="Pod")
            cause = "short_watch" if how == "one-line" else "gone"
            backoffs = counter(live, "backoffs", kind="Pod", cause=cause)
            # Behaving again: the next request gets through, a new pod is served.
            api.misbehave(None, "pods")
            api.add(objects.pod("late", "shop", uid="p-late"))
            events = [f"{e.reason} {e.uid}" for e in await client.take(2)]
            assert events == ["Create ns-shop", "Create p-late"]
    # Delays of 0.04-0.06, 0.08-0.12, then 0.16-0.24 s: at most ~14 rounds in 2 s (without
    # backoff: hundreds of LISTs, or thousands of watches, a second).
    rounds = 3 + int((WINDOW - 0.28) / 0.16) + 1
    assert more_watches - watches <= rounds + 1
    assert more_lists - lists <= (rounds if how != "one-line" else 0)
    assert backoffs >= 5
    if how == "one-line":
        assert restarts >= 5
    else:
        assert relists >= 5


@pytest.mark.asyncio
async def test_a_watch_that_stays_open_resets_the_backoff() -> None:
    policy = ReflectorPolicy(
        backoff_initial=0.05, backoff_max=2.0, healthy_watch=0.3, rng=random.Random(5)
    )
    lists: list[float] = []

    def record(request: RequestRecord) -> None:
        if request.resource == "pods" and not request.watch:
            lists.append(time.monotonic())

    async with KubeApiStandIn() as api, live_collector(api, policy=policy):
        api.on_request(record)
        # Watches ending at once: delays 0.05, 0.1, 0.2, 0.4, 0.8, 1.6 s (+/- 20 %).
        api.misbehave("one-line", "pods")
        api.close_watches("pods")
        await asyncio.sleep(1.6)  # the misbehaving period, not a wait for an event
        api.misbehave(None, "pods")
        await api.wait_for(lambda: api.watchers("pods") == 1, timeout=10)
        await asyncio.sleep(0.5)  # the watch stays open past healthy_watch: progress
        expired = time.monotonic()
        assert api.expire_watches("pods") == 1
        await api.wait_for(lambda: bool(lists) and lists[-1] > expired, timeout=10)
    # Reset: the relist waits the initial delay, not the grown one (>= 2 x 1.6 x 0.8 s).
    assert lists[-1] - expired < 1.0
