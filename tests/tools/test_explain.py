"""`k8smeta watch --explain UID` against a real gRPC server on 127.0.0.1: what the collector
sent for the pod, and every field's value or why it is empty."""

from __future__ import annotations

import pytest

from k8smeta.cli import main
from k8smeta.plugin.core.fields import FIELDS
from k8smeta.plugin.feed import RESOURCE_KINDS
from k8smeta.wire import metadata_pb2
from tests.plugin.behaviour.cluster import CLUSTER, NODE, POD_CRON, POD_DS, POD_WEB
from tests.plugin.behaviour.test_containers import APP, SIDECAR, detailed_web
from tests.plugin.feed.collector_fakes import ScriptedCollector, play, serving

SYNC = metadata_pb2.Event(reason="Sync")
UPSTREAM_KINDS = {"Pod", "Namespace", "Deployment", "ReplicaSet", "DaemonSet", "Service"}


def explain(
    events: list[metadata_pb2.Event], uid: str, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, list[str], metadata_pb2.Selector]:
    collector = ScriptedCollector([play(events)])
    with serving(collector) as target:
        args = ["watch", "--collector", target, "--node", NODE, "--explain", uid, *extra]
        code = main(args)
    return code, capsys.readouterr().out.splitlines(), collector.selectors[0]


def test_reports_the_pod_its_refs_and_every_field(capsys: pytest.CaptureFixture[str]) -> None:
    events = [e for e in CLUSTER if e.uid != "cj-1"]  # the CronJob is not sent
    code, lines, selector = explain([*events, SYNC], POD_CRON, capsys)
    assert code == 0
    assert set(selector.resourceKinds) == set(RESOURCE_KINDS)  # the plugin's own selector
    assert lines[0].endswith(f"node '{NODE}': {len(events)} events, up to the Sync marker")
    assert "  refs Job job-1: present, name 'backup-1'" in lines
    assert "    its refs CronJob cj-1: MISSING (not sent)" in lines
    assert f"Node '{NODE}': present, uid node-1" in lines
    assert "  k8smeta.job.name = backup-1" in lines
    assert "  k8smeta.node.label[zone] = z1" in lines
    assert "  k8smeta.workload.kind = CronJob" in lines
    assert "  k8smeta.cronjob.uid = cj-1" in lines
    unknown = "empty: unknown owner: the collector did not send the CronJob the refs name"
    assert f"  k8smeta.workload.name: {unknown} (metric extract_unknown_owner)" in lines
    assert "  k8smeta.ds.name: empty: the pod's refs name no DaemonSet" in lines
    fields = [line for line in lines if line.startswith("  k8smeta.")]
    assert {line.split(" ")[2].split("[")[0].split("{")[0].rstrip(":") for line in fields} == {
        field.name for field in FIELDS
    }


def test_upstream_collector_without_sync(capsys: pytest.CaptureFixture[str]) -> None:
    """No Sync marker: the report comes after the timeout and says what that means."""
    upstream = [e for e in CLUSTER if e.kind in UPSTREAM_KINDS]
    code, lines, _ = explain(upstream, POD_DS, capsys, "--timeout", "0.5")
    assert code == 0
    assert "no Sync marker (an upstream collector, or the timeout)" in lines[0]
    assert f"Node '{NODE}': MISSING (not sent)" in lines
    node = f"the collector sent no Node named '{NODE}' (upstream's never does)"
    assert f"  k8smeta.node.name: empty: {node}" in lines
    assert f"  k8smeta.node.label[...]: empty for every key: {node}" in lines
    assert "  k8smeta.ds.label[app] = agent" in lines
    assert "  k8smeta.workload.name = agent" in lines


def test_a_pod_the_collector_did_not_send(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = explain([*CLUSTER, SYNC], "not-on-this-node", capsys)
    assert code == 3  # connected, but nothing for that pod: as `watch` with nothing
    assert lines[1].startswith("Pod not-on-this-node: MISSING: the collector sent no pod")
    assert lines[2] == "every field is empty: unknown pod (metric extract_unknown_pod)"


def test_rejected_events_are_shown(capsys: pytest.CaptureFixture[str]) -> None:
    bad = metadata_pb2.Event(reason="Create", uid="x", kind="Endpoints", meta="{}")
    code, lines, _ = explain([bad, *CLUSTER, SYNC], POD_WEB, capsys)
    assert code == 0
    assert any(line.startswith("rejected by the plugin: Create Endpoints x: ") for line in lines)
    assert "  k8smeta.workload.kind = Deployment" in lines


@pytest.mark.parametrize("flag", [["--upstream-selector"], ["--no-sync"], ["--count", "3"]])
def test_explain_needs_the_plugin_selector(
    flag: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["watch", "--node", NODE, "--explain", POD_DS, *flag])
    assert exited.value.code == 2
    assert "--explain uses the plugin's selector" in capsys.readouterr().err


def test_containers_and_why_a_thread_gets_none(capsys: pytest.CaptureFixture[str]) -> None:
    detailed = detailed_web()
    events = [detailed if e.uid == POD_WEB else e for e in CLUSTER]
    code, lines, _ = explain([*events, SYNC], POD_WEB, capsys)
    assert code == 0
    listed = lines[lines.index("fields:") - 1]
    assert listed.startswith(f"containers: {APP[:12]} app (container), {SIDECAR[:12]} sidecar")
    assert f"  k8smeta.container.name{{{APP[:12]}}} = app" in lines
    assert f"  k8smeta.container.privileged{{{SIDECAR[:12]}}} = true" in lines
    assert (
        f"  k8smeta.container.privileged{{{APP[:12]}}}: empty: the pod spec sets no"
        " privileged for it" in lines
    )
    assert "  k8smeta.pod.ips = (10.0.0.7,fd00::7)" in lines
    # The same pod without details (the upstream collector, or no opt-in):
    code, lines, _ = explain([*CLUSTER, SYNC], POD_WEB, capsys)
    assert any(
        line.startswith("  k8smeta.container.name: empty: the pod lists no container")
        for line in lines
    )
    assert any("metric extract_unknown_container" in line for line in lines)
    assert any(
        line.startswith("  k8smeta.pod.qos: empty: the collector sent no details of this pod")
        for line in lines
    )
