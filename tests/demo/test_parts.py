"""The demo's parts: the node view of the example cluster, cgroup layouts, the collector
subprocess, Falco-style rendering."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest

from k8smeta.demo import scenario
from k8smeta.demo.cgroups import Layout, container_id, event_cgroups, host_path, pod_path
from k8smeta.demo.cluster import Cluster
from k8smeta.demo.collector_process import (
    CollectorError,
    CollectorProcess,
    Ports,
    free_ports,
    start_collector,
)
from k8smeta.demo.formatting import FieldValue, falco_line, render

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = Cluster.load(ROOT / "examples" / "cluster.json")
# docs/plugin-contract.md ("Cgroups"), written here independently of the plugin's code
POD_UID = re.compile(r"pod[a-z0-9]{8}[-_][a-z0-9]{4}[-_][a-z0-9]{4}[-_][a-z0-9]{4}[-_][a-z0-9]{12}")


def names(uids: set[str]) -> set[str]:
    return {f"{CLUSTER.resources[u].kind} {CLUSTER.resources[u].name}" for u in uids}


NODE_A = {
    "Namespace shop", "Namespace default", "Namespace kube-system",
    "Deployment frontend", "Deployment cart",
    "ReplicaSet frontend-6d4cf56db6", "ReplicaSet cart-7c9d8f6b5",
    "ReplicationController legacy-nginx", "DaemonSet kube-proxy", "DaemonSet fluent-bit",
    "Service frontend", "Service web", "Service cart", "Service redis", "Service legacy-nginx",
    "Pod frontend-6d4cf56db6-k7xqz", "Pod cart-7c9d8f6b5-qp4lw", "Pod redis-0",
    "Pod db-migrate-x7k2p", "Pod legacy-nginx-h5d2c", "Pod kube-proxy-4xj9p",
    "Pod fluent-bit-b7k2m", "Node node-a", "StatefulSet redis", "Job db-migrate",
    "CronJob nightly-report", "Job nightly-report-29410560", "Pod nightly-report-29410560-q8wz2",
}  # fmt: skip
NODE_B = {
    "Namespace shop", "Namespace default", "Namespace kube-system", "Namespace monitoring",
    "Deployment frontend", "ReplicaSet frontend-6d4cf56db6", "Deployment prometheus",
    "ReplicaSet prometheus-84b9d7c6f", "ReplicationController legacy-nginx",
    "DaemonSet kube-proxy", "DaemonSet fluent-bit",
    "Service frontend", "Service web", "Service legacy-nginx", "Service prometheus",
    "Pod frontend-6d4cf56db6-m2vbn", "Pod legacy-nginx-w8r4t", "Pod kube-proxy-9wq3z",
    "Pod fluent-bit-t5n8c", "Pod prometheus-84b9d7c6f-lx2sd", "Node node-b",
}  # fmt: skip


@pytest.mark.parametrize(("node", "expected"), [("node-a", NODE_A), ("node-b", NODE_B)])
def test_node_view_of_the_example_cluster(node: str, expected: set[str]) -> None:
    assert names(CLUSTER.node_view(node)) == expected


def test_no_view_for_an_unknown_node() -> None:
    assert CLUSTER.node_view("node-z") == set()


UID = "0f90f31c-ebeb-4192-a2b0-92e076c43817"
CID = container_id("seed")


@pytest.mark.parametrize(
    ("layout", "qos", "path"),
    [
        (Layout.CGROUPFS_V1, "besteffort", f"/kubepods/besteffort/pod{UID}/{CID}"),
        (Layout.CGROUPFS_V2, "guaranteed", f"/kubepods/pod{UID}/{CID}"),
        (
            Layout.SYSTEMD_V1,
            "burstable",
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
            f"{UID.replace('-', '_')}.slice/cri-containerd-{CID}.scope",
        ),
        (
            Layout.SYSTEMD_V2,
            "guaranteed",
            f"/kubepods.slice/kubepods-pod{UID.replace('-', '_')}.slice/cri-containerd-{CID}.scope",
        ),
    ],
)
def test_cgroup_paths_carry_the_pod_uid(layout: Layout, qos: str, path: str) -> None:
    assert pod_path(layout, qos, UID, CID) == path
    cgroups = event_cgroups(layout, path)
    assert len(cgroups) == len(layout.controllers)
    assert all(c.endswith("=" + path) for c in cgroups)
    match = POD_UID.search(path)
    assert match is not None
    assert match.group()[3:].replace("_", "-") == UID


def test_host_processes_carry_no_pod_uid() -> None:
    assert POD_UID.search(host_path("ssh.service")) is None


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (FieldValue("f", None, True), "<NA>"),
        (FieldValue("f", ["a", "b"], True), "(a,b)"),
        (FieldValue("f", ["x"], False), "x"),
        (FieldValue("f", [""], False), ""),
    ],
)
def test_render_as_libsinsp(value: FieldValue, shown: str) -> None:
    assert render(value) == shown


def test_falco_line() -> None:
    text = falco_line(1_700_000_000_123_456_789, "nginx", 7, [FieldValue("a.b", None, False)])
    assert re.fullmatch(
        r"\d\d:\d\d:\d\d\.123456789: Notice Process started \(proc.name=nginx pid=7 a.b=<NA>\)",
        text,
    )


def test_collector_that_cannot_start_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    collector = CollectorProcess([bad])
    try:
        with pytest.raises(CollectorError, match="exited with 2"):
            collector.start(timeout=10.0)
        assert "bad.json" in collector.output()
    finally:
        collector.close()


def test_collector_serves_ready_then_stops_with_0() -> None:
    collector = CollectorProcess([ROOT / "examples" / "cluster.json"])
    try:
        collector.start(timeout=10.0)
        assert collector.stop(timeout=10.0) == 0
    finally:
        collector.close()


def test_a_taken_port_is_a_listener_failure_worth_retrying() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        ports = Ports(taken.getsockname()[1], *free_ports(2))
        collector = CollectorProcess([ROOT / "examples" / "cluster.json"], ports)
        try:
            with pytest.raises(CollectorError, match="exited with 1"):
                collector.start(timeout=10.0)
            assert collector.start_failed_on_listener()
        finally:
            collector.close()


def test_start_collector_reports_a_bad_snapshot_with_its_log(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    with pytest.raises(CollectorError, match=r"exited with 2\n--- collector log ---\n.*bad.json"):
        start_collector([bad], timeout=10.0)


def test_scenario_processes_run_in_the_pod_s_started_container(tmp_path: Path) -> None:
    """The cgroups of a replayed process carry the runtime ID its pod's status lists."""
    redis = CLUSTER.pod("shop", "redis-0")
    assert [c[0] for c in redis.containers] == ["redis"]  # the init container is not running
    entries = [
        {"pid": 1, "proc": "redis-server", "pod": "shop/redis-0", "layout": "systemd-v2"},
        {"pid": 2, "proc": "x", "pod": "shop/redis-0", "container": "redis", "qos": "guaranteed"},
    ]
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(entries))
    events = scenario.load(path, CLUSTER)
    runtime_id = redis.containers[0][2]
    assert [e.container for e in events] == [redis.containers[0]] * 2
    assert all(runtime_id in e.cgroups[0] for e in events)
    path.write_text(json.dumps([{**entries[0], "container": "init-config"}]))
    with pytest.raises(scenario.ScenarioError, match="no started container 'init-config'"):
        scenario.load(path, CLUSTER)
