"""The plugin's kind registry: it covers the wire's kinds, and a kind added to it reaches
fields, extraction, metrics, `dump_state`, the feed's Selector and `--explain`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from k8smeta.plugin.core.kinds import KIND_SPECS
from k8smeta.plugin.core.metrics import RESOURCE_METRICS
from k8smeta.plugin.core.records import OWNER_KINDS
from k8smeta.wire import vocabulary

ROOT = Path(__file__).resolve().parents[3]


def test_one_row_per_wire_kind() -> None:
    rows = [spec.kind for spec in KIND_SPECS]
    assert sorted(rows) == sorted(vocabulary.KINDS)
    prefixes = [spec.family.prefix for spec in KIND_SPECS if spec.family is not None]
    assert len(set(prefixes)) == len(prefixes)


def test_derived_tables_keep_their_order() -> None:
    assert [name for name, _ in RESOURCE_METRICS][:7] == [
        "resources_pod",
        "resources_namespace",
        "resources_deployment",
        "resources_replicaset",
        "resources_replicationcontroller",
        "resources_daemonset",
        "resources_service",
    ]
    assert OWNER_KINDS[:4] == ("Namespace", "Deployment", "ReplicaSet", "ReplicationController")


def test_a_kind_added_to_the_registry_reaches_every_derived_table() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.plugin.core.fake_kind"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found = json.loads(done.stdout)
    assert [(f["name"], f["display"], f["desc"]) for f in found["fields"]] == [
        ("k8smeta.widget.name", "Widget Name", "Kubernetes widget name."),
        ("k8smeta.widget.uid", "Widget UID", "Kubernetes widget UID."),
        (
            "k8smeta.widget.label",
            "Widget Label",
            "Kubernetes widget label. E.g. 'k8smeta.widget.label[foo]'.",
        ),
        (
            "k8smeta.widget.labels",
            "Widget Labels",
            "Kubernetes widget comma-separated key/value labels. E.g. '(foo1:bar1,foo2:bar2)'.",
        ),
    ]
    assert found["values"] == {
        "name": ["gadget"],
        "uid": ["w1"],
        "label": ["a"],
        "labels": ["team:a"],
    }
    assert found["workload"] == ["Widget"]  # a controller, like every owner kind
    assert found["dangling"] is None
    assert found["unknown_owner"] == 1
    assert found["metrics"] == {"resources_widget": 1}
    assert found["dump_kinds"] == ["Widget", "Pod", "Pod", "Pod"]
    assert "Widget" in found["selector"]
    owned, dangling, bare = found["explain"].values()
    assert owned[0] == "exit 0"
    assert "  refs Widget w1: present, name 'gadget'" in owned
    assert "  k8smeta.widget.name = gadget" in owned
    assert "  k8smeta.widget.label[team] = a" in owned
    assert "  k8smeta.workload.name = gadget" in owned
    unknown = "empty: unknown owner: the collector did not send the Widget the refs name"
    assert f"  k8smeta.widget.labels: {unknown} (metric extract_unknown_owner)" in dangling
    assert "  refs Widget w2: MISSING (not sent)" in dangling
    assert "  k8smeta.widget.name: empty: the pod's refs name no Widget" in bare
