"""Structural checks of everything under deploy/: what a cluster and Falco would be given.

The manifests are not applied to a cluster here; these tests hold them to the collector's
interface (ports, probes, flags), to least privilege and to the plugin's init config.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from k8smeta.collector.kube.kinds import KINDS

ROOT = Path(__file__).resolve().parents[2]
COLLECTOR = ROOT / "deploy" / "collector"
FALCO = ROOT / "deploy" / "falco"

READ_ONLY = ["get", "list", "watch"]


def load_all(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def by_kind(kind: str) -> dict[str, Any]:
    found = [d for p in sorted(COLLECTOR.glob("*.yaml")) for d in load_all(p) if d["kind"] == kind]
    assert len(found) == 1, kind
    return found[0]


def test_kustomization_lists_every_required_manifest() -> None:
    (kustomization,) = load_all(COLLECTOR / "kustomization.yaml")
    for name in kustomization["resources"]:
        assert (COLLECTOR / name).is_file(), name
    assert "servicemonitor.yaml" not in kustomization["resources"]  # optional: needs the CRD


def test_cluster_role_is_read_only_on_exactly_the_watched_kinds() -> None:
    role = by_kind("ClusterRole")
    grants = {
        (group, resource): sorted(rule["verbs"])
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
    }
    assert grants == {
        ("", "pods"): sorted(READ_ONLY),
        ("", "namespaces"): sorted(READ_ONLY),
        ("", "services"): sorted(READ_ONLY),
        ("", "replicationcontrollers"): sorted(READ_ONLY),
        ("", "nodes"): sorted(READ_ONLY),
        ("apps", "deployments"): sorted(READ_ONLY),
        ("apps", "replicasets"): sorted(READ_ONLY),
        ("apps", "daemonsets"): sorted(READ_ONLY),
        ("apps", "statefulsets"): sorted(READ_ONLY),
        ("batch", "jobs"): sorted(READ_ONLY),
        ("batch", "cronjobs"): sorted(READ_ONLY),
    }
    # ... which are exactly the paths the collector lists and watches.
    watched = {(_api_group(info.path), info.resource) for info in KINDS.values()}
    assert set(grants) == watched


def _api_group(path: str) -> str:
    """`/api/v1/pods` -> "" (core), `/apis/batch/v1/jobs` -> "batch"."""
    parts = path.strip("/").split("/")
    return "" if parts[0] == "api" else parts[1]


def test_binding_ties_the_role_to_the_deployment_service_account() -> None:
    binding = by_kind("ClusterRoleBinding")
    account = by_kind("ServiceAccount")
    pod = by_kind("Deployment")["spec"]["template"]["spec"]
    assert binding["roleRef"]["name"] == by_kind("ClusterRole")["metadata"]["name"]
    (subject,) = binding["subjects"]
    assert subject == {
        "kind": "ServiceAccount",
        "name": account["metadata"]["name"],
        "namespace": account["metadata"]["namespace"],
    }
    assert pod["serviceAccountName"] == account["metadata"]["name"]


def _container() -> dict[str, Any]:
    containers: list[dict[str, Any]] = by_kind("Deployment")["spec"]["template"]["spec"][
        "containers"
    ]
    assert len(containers) == 1
    return containers[0]


def _flag(name: str) -> str:
    for arg in _container()["args"]:
        if arg.startswith(f"--{name}="):
            return str(arg.split("=", 1)[1])
    raise AssertionError(f"--{name} not set")


@pytest.mark.parametrize(
    ("port_name", "flag"),
    [
        ("broker-grpc", "broker-bind-address"),
        ("metrics", "metrics-bind-address"),
        ("health-probe", "health-probe-bind-address"),
    ],
)
def test_container_ports_match_the_bind_flags_and_the_service(port_name: str, flag: str) -> None:
    ports = {p["name"]: p["containerPort"] for p in _container()["ports"]}
    assert _flag(flag) == f":{ports[port_name]}"
    service_ports = {p["name"]: p for p in by_kind("Service")["spec"]["ports"]}
    assert service_ports[port_name]["targetPort"] == port_name
    assert service_ports[port_name]["port"] == ports[port_name]


def test_probes_use_the_health_endpoints() -> None:
    container = _container()
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health-probe"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "health-probe"}


def test_runs_unprivileged_with_bounded_resources() -> None:
    pod = by_kind("Deployment")["spec"]["template"]["spec"]
    container = _container()
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 65532
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    for kind in ("requests", "limits"):
        assert set(container["resources"][kind]) == {"cpu", "memory"}
    grace = int(_flag("shutdown-grace").rstrip("s"))
    assert grace < pod["terminationGracePeriodSeconds"]


def test_selectors_match_the_pod_template() -> None:
    deployment = by_kind("Deployment")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert by_kind("Service")["spec"]["selector"].items() <= labels.items()


def test_container_flags_are_known_to_the_collector_cli() -> None:
    from k8smeta.collector import cli

    help_text = _help_of(cli.main)
    for arg in _container()["args"]:
        assert arg.split("=", 1)[0] in help_text, arg
    assert _container()["command"] == ["k8smeta-collector"]


def _help_of(main: Any) -> str:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        main(["--help"])
    return out.getvalue()


def _plugin_blocks() -> list[dict[str, Any]]:
    (falco,) = load_all(FALCO / "falco.yaml")
    (values,) = load_all(FALCO / "values.yaml")
    return [*falco["plugins"], *values["falco"]["plugins"]]


@pytest.mark.parametrize("block", _plugin_blocks(), ids=["falco.yaml", "values.yaml"])
def test_falco_plugin_block_is_a_valid_init_config(block: dict[str, Any]) -> None:
    from k8smeta.plugin.core.config import INIT_SCHEMA_JSON, parse_config

    assert block["name"] == "k8smeta"
    config = block["init_config"]
    schema = json.loads(INIT_SCHEMA_JSON)
    assert set(config) <= set(schema["properties"])
    assert set(schema["required"]) <= set(config)
    parsed = parse_config(json.dumps(config), {"FALCO_K8S_NODE_NAME": "node-a"})
    assert parsed.node_name == "node-a"
    assert re.fullmatch(r"[a-z0-9.-]+", config["collectorHostname"])
    assert config["collectorPort"] == by_kind("Service")["spec"]["ports"][0]["port"]
