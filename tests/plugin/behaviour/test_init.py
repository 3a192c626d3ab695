"""Init config as a host sees it (docs/configuration.md; upstream's init test cases)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture
def host_only_variable() -> Iterator[str]:
    """A variable in the process's C environment but not in Python's `os.environ` copy, as
    one the host sets with `setenv` after loading the library."""
    name = "K8SMETA_TEST_HOST_NODE"
    os.putenv(name, "node-set-by-the-host")
    try:
        yield name
    finally:
        os.unsetenv(name)


def test_node_name_from_the_live_environment(host: FalcoHost, host_only_variable: str) -> None:
    assert host_only_variable not in os.environ
    config = text(nodeName=f" ${{{host_only_variable}}} ", verbosity="debug")
    assert host.init(config) is None
    assert ("debug", "metadata are received from node 'node-set-by-the-host'") in host.logs()


@pytest.mark.parametrize("port", [70000, 65536, 0, -1])
def test_port_outside_the_tcp_range_fails_init(host: FalcoHost, port: int) -> None:
    """Upstream wrapped 70000 around to 4464."""
    assert host.init(text(collectorPort=port)) == (
        f"invalid init config: key 'collectorPort' must be a TCP port (1 to 65535), not {port}"
    )


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"", "the file is empty"), (b"plain text\n", "the file holds no PEM certificate")],
    ids=["empty", "not-pem"],
)
def test_ca_bundle_without_certificates_fails_init(
    host: FalcoHost, tmp_path: Path, content: bytes, problem: str
) -> None:
    """Never plaintext when TLS was asked for (upstream fell back to it silently)."""
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(content)
    error = host.init(text(caPEMBundle=str(bundle)))
    assert error == f"caPEMBundle '{bundle}' is no PEM root bundle: {problem}"
    assert host.last_error() == error


def test_unreadable_ca_bundle_fails_init(host: FalcoHost, tmp_path: Path) -> None:
    path = tmp_path / "missing.pem"
    error = host.init(text(caPEMBundle=str(path)))
    assert error == f"cannot read caPEMBundle '{path}': No such file or directory"


def test_client_certificate_without_ca_bundle_fails_init(host: FalcoHost, tmp_path: Path) -> None:
    """Before, init passed and starting the feed failed with an internal error."""
    for name in ("client.crt", "client.key"):
        (tmp_path / name).write_bytes(b"pem")
    config = text(
        caPEMBundle="",
        clientCertPEM=str(tmp_path / "client.crt"),
        clientKeyPEM=str(tmp_path / "client.key"),
    )
    assert host.init(config) == (
        "invalid init config: key 'clientCertPEM' requires a non-empty 'caPEMBundle'"
    )
