"""Cross-kind duplicate UIDs on the live path (the API stand-in -> collector -> real gRPC
clients): the UID belongs to the claimant first in dependency order whatever the arrival
order, a claimant set aside is served once its holder leaves, and a relist ends where a
fresh collector on the same cluster begins."""

from __future__ import annotations

import pytest

from tests.collector.e2e.live import live_collector
from tests.kubeapi import objects
from tests.kubeapi.standin import KubeApiStandIn

DEFAULT = objects.namespace("default", uid="ns-default")
SHOP = objects.namespace("shop", uid="ns-shop")
IMPOSTOR = objects.pod("impostor", "default", uid="ns-shop")  # carries shop's UID
WEB = objects.pod("web", "shop", uid="p-web")


@pytest.mark.asyncio
async def test_the_namespace_arriving_after_an_impostor_pod_is_served() -> None:
    async with KubeApiStandIn() as api:
        api.add(DEFAULT)
        api.add(IMPOSTOR)
        async with live_collector(api) as live:
            client = live.watch("node-a")
            assert [f"{e.kind} {e.uid}" for e in await client.until_sync()] == [
                "Namespace ns-default",
                "Pod ns-shop",
            ]
            api.add(SHOP)
            assert [f"{e.reason} {e.kind} {e.uid}" for e in await client.take(2)] == [
                "Delete Pod ns-shop",  # the impostor steps aside
                "Delete Namespace ns-default",
            ]
            api.add(WEB)
            assert [f"{e.reason} {e.kind} {e.uid}" for e in await client.take(2)] == [
                "Create Namespace ns-shop",
                "Create Pod p-web",
            ]
            api.delete("Pod", "default", "impostor")  # the set-aside claimant leaves: nothing
            api.add(objects.pod("after", "shop", uid="p-after"))
            assert [f"{e.reason} {e.uid}" for e in await client.take(1)] == ["Create p-after"]
            client.cancel()
            conflicts = live.sample("meta_collector_duplicate_uids_total", {"kind": "Pod"})
    assert conflicts == 1


@pytest.mark.asyncio
async def test_a_set_aside_pod_is_served_when_the_holder_leaves() -> None:
    async with KubeApiStandIn() as api:
        for obj in (DEFAULT, SHOP, WEB):
            api.add(obj)
        async with live_collector(api) as live:
            client = live.watch("node-a")
            assert len(await client.until_sync()) == 2
            api.add(IMPOSTOR)
            api.add(
                objects.pod("marker", "shop", uid="p-marker")
            )  # proves the impostor was skipped
            assert [f"{e.reason} {e.uid}" for e in await client.take(1)] == ["Create p-marker"]
            api.delete("Pod", "shop", "web")
            api.delete("Pod", "shop", "marker")
            api.delete("Namespace", "", "shop")
            events = [f"{e.reason} {e.kind} {e.uid}" for e in await client.take(5)]
            client.cancel()
    assert events == [
        "Delete Pod p-web",
        "Delete Pod p-marker",
        "Delete Namespace ns-shop",
        "Create Namespace ns-default",
        "Create Pod ns-shop",  # the impostor, now holding the UID
    ]


@pytest.mark.parametrize("first", ["pod", "namespace"])
@pytest.mark.asyncio
async def test_a_relist_converges_to_a_fresh_collector(first: str) -> None:
    async with KubeApiStandIn() as api:
        api.add(DEFAULT)
        for obj in (IMPOSTOR, SHOP) if first == "pod" else (SHOP, IMPOSTOR):
            api.add(obj)
        api.add(WEB)
        async with live_collector(api) as live:
            before = await live.served("node-a")
            # The cluster changes while the watches are gone, then they expire: relists.
            api.compact()
            api.delete("Namespace", "", "shop")
            api.add(objects.pod("late", "default", uid="p-late"))
            api.compact()
            assert api.expire_watches() == 11
            await api.wait_for(lambda: len(api.requests_for("namespaces", watch=False)) == 2)
            await api.wait_for(lambda: api.watchers() == 11)
            await live.collector.wait_idle()
            relisted = await live.served("node-a")
        async with live_collector(api, wait_watches=False) as fresh:
            expected = await fresh.served("node-a")
    assert before == ["Create Namespace ns-shop", "Create Pod p-web"]
    assert relisted == expected
    assert expected == ["Create Namespace ns-default", "Create Pod ns-shop", "Create Pod p-late"]
