"""Init config as a host sees it (docs/configuration.md; upstream's init test cases)."""

from __future__ import annotations

import json

import pytest

from tests.host.base import FalcoHost
from tests.plugin.behaviour.conftest import DEFAULT_CONFIG

SIMPLE = {"collectorHostname": "localhost", "collectorPort": 45000, "nodeName": "control-plane"}


def text(**changes: object) -> str:
    return json.dumps({**SIMPLE, **changes})


@pytest.mark.parametrize(
    "config",
    [
        pytest.param("", id="empty"),
        pytest.param('{"collectorHostname":"localhost","collectorPort":"45000"}', id="no-node"),
        pytest.param(text(verbosity="warn"), id="bad-verbosity"),
        pytest.param(text(unknown=1), id="unknown-key"),
        pytest.param(text(collectorPort="45000"), id="port-as-string"),
    ],
)
def test_invalid_configs_are_rejected(host: FalcoHost, config: str) -> None:
    error = host.init(config)
    assert error
    assert host.last_error() == error


def test_simple_config(host: FalcoHost) -> None:
    """Upstream test plugin_k8s_with_simple_config."""
    assert host.init(text()) is None
    assert host.last_error() == ""


def test_node_name_from_environment(host: FalcoHost, monkeypatch: pytest.MonkeyPatch) -> None:
    """Upstream test plugin_k8s_env_variable."""
    monkeypatch.setenv("FALCO_NODE_NAME", "node-from-env")
    config = text(nodeName=" ${FALCO_NODE_NAME} ", verbosity="debug")
    assert host.init(config) is None
    assert ("debug", "metadata are received from node 'node-from-env'") in host.logs()


def test_host_proc_is_accepted_with_a_warning(host: FalcoHost) -> None:
    """Upstream test plugin_k8s_with_host_proc."""
    assert host.init(text(hostProc="/host")) is None
    assert host.last_error() == ""
    assert (
        "warning",
        "hostProc init config key is deprecated since it is no more in use",
    ) in host.logs()


def test_unset_variable_fails_init(host: FalcoHost, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty node name after expansion is an error (docs/configuration.md)."""
    monkeypatch.delenv("K8SMETA_TEST_UNSET_VAR", raising=False)
    error = host.init(text(nodeName="${K8SMETA_TEST_UNSET_VAR}"))
    assert error == (
        "nodeName is empty after expanding environment variables"
        " (configured value: '${K8SMETA_TEST_UNSET_VAR}')"
    )


@pytest.mark.parametrize(
    ("raw", "environ", "expected"),
    [("node-${K8SMETA_TEST_X}", {"K8SMETA_TEST_X": "a"}, "node-a"), ("  n1  ", {}, "n1")],
)
def test_node_name_expansion(
    host: FalcoHost,
    monkeypatch: pytest.MonkeyPatch,
    raw: str,
    environ: dict[str, str],
    expected: str,
) -> None:
    """Expansion in place, whitespace trimmed (docs/configuration.md)."""
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert host.init(text(nodeName=raw, verbosity="debug")) is None
    assert ("debug", f"metadata are received from node '{expected}'") in host.logs()


def test_default_config_logs_only_the_deprecation(host: FalcoHost) -> None:
    assert host.init(DEFAULT_CONFIG) is None
    assert host.logs() == [
        ("warning", "hostProc init config key is deprecated since it is no more in use")
    ]
