"""Pod details (containers, security context) end to end: the API stand-in or a
`--snapshot` file -> collector -> real gRPC Watch clients on 127.0.0.1. Only a selector
with `k8smeta/pod-details` gets them; every other selector gets the bytes it got before,
and no Update for a change of the details alone (docs/collector-contract.md, "Pod
details")."""

from __future__ import annotations

import json
from pathlib import Path

import grpc
import pytest

from k8smeta.wire import metadata_pb2, metadata_pb2_grpc
from tests.collector.e2e.harness import ALL_KINDS, UPSTREAM_SELECTOR, WatchClient, short
from tests.collector.e2e.test_workloads import (
    SNAPSHOT_A,
    Mutate,
    label,
    over_snapshot,
    over_stand_in,
)
from tests.kubeapi import objects

NEW_ID = "c" * 64


def watch(channel: grpc.aio.Channel, kinds: tuple[str, ...], *opt_ins: str) -> WatchClient:
    selector = dict.fromkeys((*kinds, *opt_ins), "true")
    request = metadata_pb2.Selector(nodeName="node-a", resourceKinds=selector)
    return WatchClient(metadata_pb2_grpc.MetadataStub(channel).Watch(request))


def restart(obj: objects.Obj) -> None:
    obj["status"]["containerStatuses"][0]["containerID"] = f"containerd://{NEW_ID}"


def privileged(obj: objects.Obj) -> None:
    obj["spec"]["containers"][1]["securityContext"] = {"privileged": True}
    obj["spec"]["hostPID"] = True


def expected_details(pod_uid: str) -> tuple[object, object]:
    image = "registry.example.com/team/{}:1.2.3"
    spec = {
        "containers": [{"image": image.format(n), "name": n} for n in ("app", "sidecar")],
        "serviceAccountName": "default",
    }
    status = {
        "containerStatuses": [
            {
                "containerID": "containerd://" + objects.container_id(pod_uid, n),
                "imageID": "registry.example.com/team/app@sha256:" + "0" * 64,
                "name": n,
            }
            for n in ("app", "sidecar")
        ],
        "podIP": "10.16.0.10",
        "podIPs": [{"ip": "10.16.0.10"}],
        "qosClass": "Burstable",
    }
    return spec, status


@pytest.mark.parametrize("source", ["stand-in", "snapshot"])
@pytest.mark.asyncio
async def test_details_only_for_who_asks(source: str, tmp_path: Path) -> None:
    keys: frozenset[str] = frozenset()
    over = over_stand_in(keys) if source == "stand-in" else over_snapshot(keys, tmp_path / "c")
    async with over as (nodes, collector, channel):
        plain = watch(channel, ALL_KINDS, "k8smeta/sync")
        detailed = watch(channel, ALL_KINDS, "k8smeta/sync", "k8smeta/pod-details")
        upstream = watch(channel, UPSTREAM_SELECTOR)
        plain_snapshot = await plain.until_sync()
        detailed_snapshot = await detailed.until_sync()
        assert [short(e) for e in detailed_snapshot] == SNAPSHOT_A
        assert [short(e) for e in plain_snapshot] == SNAPSHOT_A
        for before, now in zip(plain_snapshot, detailed_snapshot, strict=True):
            if now.kind != "Pod":
                assert before.SerializeToString() == now.SerializeToString()
                continue
            assert not before.HasField("spec")
            assert json.loads(before.status) == {"podIP": "10.16.0.10"}
            assert now.meta == before.meta
            assert now.refs == before.refs
            assert (json.loads(now.spec), json.loads(now.status)) == expected_details(now.uid)

        async def step(mutate: Mutate, on_plain: list[str], on_detailed: list[str]) -> None:
            await nodes.update("Pod", "shop", "db-0", mutate)
            # A label change of the Node after each step: whatever the step sent comes first.
            await nodes.update("Node", "", "node-a", label("step", str(len(last_detailed))))
            marker = ["Update Node n-a"]
            assert [short(e) for e in await plain.take(len(on_plain) + 1)] == on_plain + marker
            got = await detailed.take(len(on_detailed) + 1)
            assert [short(e) for e in got] == on_detailed + marker
            if on_detailed:
                last_detailed.append(got[0])

        last_detailed: list[metadata_pb2.Event] = []
        # A container restarts (new ID): an Update for the detailed stream only.
        await step(restart, [], ["Update Pod p-db0"])
        status = json.loads(last_detailed[-1].status)
        assert status["containerStatuses"][0]["containerID"] == f"containerd://{NEW_ID}"
        # The security context changes: the same.
        await step(privileged, [], ["Update Pod p-db0"])
        spec = json.loads(last_detailed[-1].spec)
        assert spec["hostPID"] is True
        assert spec["containers"][1]["securityContext"] == {"privileged": True}
        # A label changes: both streams, each with its own bytes.
        await step(label("tier", "db"), ["Update Pod p-db0"], ["Update Pod p-db0"])
        assert json.loads(last_detailed[-1].spec)["hostPID"] is True
        await collector.stop()
        events, code = await upstream.rest()
    assert code is grpc.StatusCode.UNAVAILABLE
    assert [short(e) for e in events] == [
        "Create Namespace ns-shop", "Create Pod p-db0", "Create Pod p-job", "Create Pod p-web",
        "Update Pod p-db0",
    ]  # fmt: skip
    assert all(not e.HasField("spec") for e in events)
