"""Scenarios #1-#3, #10, #18, #20: what a new subscriber receives (docs/collector-contract.md)."""

from __future__ import annotations

import json

import grpc
import pytest
from google.protobuf import json_format

from k8smeta.collector.model import Kind
from tests.collector.e2e.cluster import CLUSTER, SNAPSHOT_A, SNAPSHOT_B, of_kind
from tests.collector.e2e.harness import ALL_KINDS, UPSTREAM_SELECTOR, running, short
from tests.collector.index.objects import namespace, pod, service


@pytest.mark.asyncio
async def test_1_snapshot_per_kind() -> None:
    async with running(CLUSTER) as h:
        clients = {
            kind: await h.watch("node-a", [kind.value], sync=True).registered() for kind in Kind
        }
        for kind, client in clients.items():
            expected = of_kind(SNAPSHOT_A, kind.value)
            events = await client.take(len(expected) + 1)
            assert [short(e) for e in events] == [*expected, "Sync"], kind
        pods = {e.uid: e for e in (await h.watch("node-a", ["Pod"], sync=True).take(4))[:3]}
        assert json_format.MessageToDict(pods["pod-a1"].refs)["resources"] == {
            "Deployment": {"list": ["dep-web"]},
            "Namespace": {"list": ["ns-default"]},
            "ReplicaSet": {"list": ["rs-web"]},
            "Service": {"list": ["svc-web"]},
        }
        assert pods["pod-a3"].status == '{"podIP":"192.168.0.1"}'
        assert json_format.MessageToDict(pods["pod-a3"].refs)["resources"] == {
            "DaemonSet": {"list": ["ds-agent"]},
            "Namespace": {"list": ["ns-kube"]},
            "Service": {},
        }


@pytest.mark.asyncio
async def test_2_snapshot_all_kinds_sync_and_plain() -> None:
    async with running(CLUSTER) as h:
        sync_a = await h.watch("node-a", sync=True).registered()
        plain_a = await h.watch("node-a").registered()
        sync_b = await h.watch("node-b", sync=True).registered()
        assert [short(e) for e in await sync_a.take(12)] == [*SNAPSHOT_A, "Sync"]
        assert [short(e) for e in await sync_b.take(9)] == [*SNAPSHOT_B, "Sync"]
        await h.finish()
        events, code = await plain_a.rest()
        assert ([short(e) for e in events], code) == (SNAPSHOT_A, grpc.StatusCode.UNAVAILABLE)


@pytest.mark.asyncio
async def test_3_encoding_byte_for_byte() -> None:
    labels = {"z": "<b>&</b>", "a": "é\u2028日本"}
    objects = [
        namespace("enc", "ns-enc"),
        service("s", "svc-s", namespace="enc", selector={"zz": "nothing"}),
        pod("odd", "pod-odd", namespace="enc", labels=labels, generate_name="odd-"),
    ]
    async with running(objects) as h:
        client = await h.watch("node-a", sync=True).registered()
        ns_event, pod_event, _sync = await client.take(3)
    assert ns_event.meta == '{"name":"enc","uid":"ns-enc"}'
    assert pod_event.meta == (
        '{"generateName":"odd-","labels":{"a":"é\\u2028日本","z":"\\u003cb\\u003e\\u0026\\u003c/b\\u003e"},'
        '"name":"odd","namespace":"enc","uid":"pod-odd"}'
    )
    assert pod_event.status == "{}"
    as_json = json.loads(json_format.MessageToJson(pod_event))
    assert as_json["refs"]["resources"] == {"Namespace": {"list": ["ns-enc"]}, "Service": {}}
    assert not pod_event.HasField("spec")


@pytest.mark.asyncio
@pytest.mark.parametrize("rc_key", ["ReplicationController", "ReplicaController"])
async def test_10_replication_controller_under_both_spellings(rc_key: str) -> None:
    async with running(CLUSTER) as h:
        client = await h.watch("node-a", [rc_key, "Pod"], sync=True).registered()
        events = await client.take(5)
    assert [short(e) for e in events] == [
        "Create ReplicationController rc-nginx",
        *of_kind(SNAPSHOT_A, "Pod"),
        "Sync",
    ]
    assert json_format.MessageToDict(events[2].refs)["resources"]["ReplicationController"] == {
        "list": ["rc-nginx"]
    }


@pytest.mark.asyncio
async def test_18_unknown_node_then_a_pod_arrives() -> None:
    async with running(CLUSTER) as h:
        sync = await h.watch("node-z", sync=True).registered()
        plain = await h.watch("node-z").registered()
        assert [short(e) for e in await sync.take(1)] == ["Sync"]
        await h.emit(h.added(pod("late", "pod-z", node="node-z")))
        await h.finish()
        expected = ["Create Namespace ns-default", "Create Pod pod-z"]
        assert [short(e) for e in (await sync.rest())[0]] == expected
        assert [short(e) for e in (await plain.rest())[0]] == expected


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("node", "keys", "expected"),
    [
        pytest.param("node-a", {}, [], id="empty map"),
        pytest.param("node-a", {"k8smeta/sync": "true"}, ["Sync"], id="sync only"),
        pytest.param("node-a", {"k8smeta/sync": "yes", "Namespace": "false", "Bogus": "true"},
                     of_kind(SNAPSHOT_A, "Namespace"), id="values and unknown keys ignored"),
        pytest.param("", dict.fromkeys(ALL_KINDS, "true"), [], id="empty node name"),
        pytest.param("node-a", dict.fromkeys(UPSTREAM_SELECTOR, "true"),
                     [line for line in SNAPSHOT_A if "DaemonSet" not in line],
                     id="upstream plugin selector: RCs, no DaemonSets"),
    ],
)  # fmt: skip
async def test_20_selector_edge_cases(node: str, keys: dict[str, str], expected: list[str]) -> None:
    async with running(CLUSTER) as h:
        client = await h.raw_watch(node, keys).registered()
        await h.emit(h.added(pod("late", "pod-late", node=node)))
        await h.finish()
        events, code = await client.rest()
    late = ["Create Pod pod-late"] if keys.get("Pod") and node else []
    assert ([short(e) for e in events], code) == (expected + late, grpc.StatusCode.UNAVAILABLE)
