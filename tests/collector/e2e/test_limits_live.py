"""The limits the plugin enforces, through the real path: the collector serves what it
fits to them over gRPC, and the plugin's feed translation, payload decoder and store take
every event (no parse error): a pod with a 70 KB kept annotation, 4,097 labels, a 70 KB
label value, 4,097 selecting Services, and a Node with 4,097 labels."""

from __future__ import annotations

import pytest

from k8smeta.collector.model import Kind, KubeObject, NodeName, ObjectMeta, Uid
from k8smeta.plugin.core.payload import decode_payload
from k8smeta.plugin.core.store import Store
from k8smeta.plugin.feed.translate import event_payload
from tests.collector.e2e.harness import running
from tests.collector.index.objects import namespace, pod, service
from tests.conftest import stored_meta

MANY = {f"k{n:04}": "v" for n in range(4097)}
BIG = "x" * 70_000
KEY = "example.com/team"


def cluster() -> list[KubeObject]:
    annotated = KubeObject(
        Kind.POD,
        ObjectMeta(Uid("p-ann"), "annotated", "shop", labels={"app": "web"},
                   annotations={KEY: BIG, "small": "s"}),
        node_name="node-a",
    )  # fmt: skip
    return [
        namespace("shop", "ns-shop"),
        KubeObject(Kind.NODE, ObjectMeta(Uid("n-a"), NodeName("node-a"), labels=MANY)),
        annotated,
        pod("labels", "p-labels", namespace="shop", labels={"app": "web", **MANY}),
        pod("value", "p-value", namespace="shop", labels={"app": "web", "big": BIG}),
        *(
            service(f"s{n}", f"svc-{n:04}", namespace="shop", selector={"app": "web"})
            for n in range(4097)
        ),
    ]


@pytest.mark.asyncio
@pytest.mark.slow
async def test_what_the_collector_serves_the_plugin_stores() -> None:
    async with running(cluster()) as h:
        client = await h.watch("node-a", sync=True).registered()
        events = await client.until_sync()
        client.cancel()
    store = Store("node-a", annotation_keys=[KEY, "small"])
    for event in events:
        store.apply(decode_payload(event_payload(event)))  # PayloadError: refused
    pods = {record.key: record for record in store.records("Pod")}
    assert set(pods) == {"p-ann", "p-labels", "p-value"}
    assert stored_meta(pods["p-ann"])["annotations"] == {"small": "s"}
    assert len(stored_meta(pods["p-labels"])["labels"]) == 4096
    assert stored_meta(pods["p-value"])["labels"] == {"app": "web"}
    assert all(len(record.service_uids) == 4096 for record in pods.values())
    (node,) = store.records("Node")
    assert len(stored_meta(node)["labels"]) == 4096
    assert len(store.records("Service")) == 4096
