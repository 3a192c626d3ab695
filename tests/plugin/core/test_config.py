"""Init config: schema text, validation messages and interpretation (docs/configuration.md)."""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

import pytest

from k8smeta.plugin.core.config import INIT_SCHEMA_JSON, MAX_PEM_FILE, parse_config
from k8smeta.plugin.core.errors import ConfigError
from tests.collector.rpc.certs import Certificates, make_certificates

BASE = {"collectorHostname": "localhost", "collectorPort": 45000, "nodeName": "control-plane"}

PAIR = {"caPEMBundle": "ca.crt", "clientCertPEM": "client.crt", "clientKeyPEM": "client.key"}


def config_text(**changes: object) -> str:
    config: dict[str, object] = {**BASE, **changes}
    return json.dumps({k: v for k, v in config.items() if v is not None})


def test_schema_is_draft04_with_upstream_texts() -> None:
    schema = json.loads(INIT_SCHEMA_JSON)
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["collectorHostname", "collectorPort", "nodeName"]
    props = schema["properties"]
    assert props["verbosity"] == {
        "enum": ["trace", "debug", "info", "warning", "error", "critical"],
        "title": "The plugin logging verbosity",
        "description": "The verbosity that the plugin will use when printing logs.",
    }
    assert props["collectorPort"]["type"] == "integer"
    assert props["nodeName"]["description"] == (
        "The plugin collects k8s metadata only for the node on which Falco is deployed so"
        " the node name must be specified."
    )
    assert props["hostProc"]["title"] == (
        "[DEPRECATED] Path to reach the '/proc' folder we want to scan."
    )
    assert props["clientCertPEM"]["title"] == "The path to the PEM client certificate"
    assert props["clientKeyPEM"]["title"] == "The path to the PEM client private key"
    assert schema["dependencies"] == {
        "clientCertPEM": ["clientKeyPEM", "caPEMBundle"],
        "clientKeyPEM": ["clientCertPEM"],
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "cannot find the init config for the plugin"),
        ("{", "invalid init config: "),
        ("[]", "invalid init config: the config must be a JSON object"),
        ("{}", "missing required init config key 'collectorHostname'"),
        (
            '{"collectorHostname":"h","collectorPort":"45000"}',
            "missing required init config key 'nodeName'",
        ),
        (
            config_text(collectorPort="45000"),
            "invalid init config: key 'collectorPort' must be of type integer, not string",
        ),
        (
            config_text(collectorPort=45000.5),
            "invalid init config: key 'collectorPort' must be of type integer, not number",
        ),
        (
            config_text(collectorPort=True),
            "invalid init config: key 'collectorPort' must be of type integer, not boolean",
        ),
        (
            config_text(nodeName=7),
            "invalid init config: key 'nodeName' must be of type string, not integer",
        ),
        (
            config_text(verbosity="warn"),
            "invalid init config: key 'verbosity' must be one of trace, debug, info, warning,"
            ' error, critical, not "warn"',
        ),
        (config_text(extra=1), "invalid init config: unknown key 'extra'"),
        (
            config_text(clientKeyPEM="/k"),
            "invalid init config: key 'clientKeyPEM' requires key 'clientCertPEM'",
        ),
        (
            config_text(clientCertPEM="/c", clientKeyPEM="/k"),
            "invalid init config: key 'clientCertPEM' requires key 'caPEMBundle'",
        ),
    ],
)
def test_invalid_configs(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, {})
    assert str(info.value).startswith(message)


def test_simple_config() -> None:
    config = parse_config(config_text(), {})
    assert (config.collector_hostname, config.collector_port) == ("localhost", 45000)
    assert config.target == "localhost:45000"
    assert config.node_name == "control-plane"
    assert config.verbosity == "info"
    assert config.ca_pem is None
    assert not config.secure
    assert config.host_proc == "/host"
    assert config.init_logs == ((logging.DEBUG, "metadata are received from node 'control-plane'"),)


@pytest.mark.parametrize(
    ("raw", "environ", "expected", "warned"),
    [
        (" ${FALCO_NODE_NAME} ", {"FALCO_NODE_NAME": "node-1"}, "node-1", []),
        ("node-${X}", {"X": "a"}, "node-a", []),
        ("  n1  ", {}, "n1", []),
        ("${A}-${B}", {"A": "x", "B": "y"}, "x-y", []),
        ("n-${UNSET}", {}, "n-", ["UNSET"]),
        ("$UNBRACED", {"UNBRACED": "no"}, "$UNBRACED", []),
    ],
)
def test_node_name_expansion(
    raw: str, environ: dict[str, str], expected: str, warned: list[str]
) -> None:
    config = parse_config(config_text(nodeName=raw), environ)
    assert config.node_name == expected
    assert config.raw_node_name == raw
    warnings = [msg for level, msg in config.init_logs if level == logging.WARNING]
    assert warnings == [f"environment variable '{name}' is not set" for name in warned]


@pytest.mark.parametrize("raw", ["${UNSET_VAR}", "", "   ", " ${EMPTY} "])
def test_empty_node_name_fails(raw: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(config_text(nodeName=raw), {"EMPTY": ""})
    assert str(info.value) == (
        f"nodeName is empty after expanding environment variables (configured value: '{raw}')"
    )


@pytest.mark.parametrize("port", [0, 65536, 70000, -1, 2**63])
def test_port_out_of_range_fails(port: int) -> None:
    """Upstream wrapped 70000 around to port 4464."""
    with pytest.raises(ConfigError) as info:
        parse_config(config_text(collectorPort=port), {})
    assert str(info.value) == (
        f"invalid init config: key 'collectorPort' must be a TCP port (1 to 65535), not {port}"
    )


@pytest.mark.parametrize("port", [1, 65535])
def test_port_range_bounds_are_accepted(port: int) -> None:
    assert parse_config(config_text(collectorPort=port), {}).collector_port == port


def test_host_proc_is_deprecated() -> None:
    config = parse_config(config_text(hostProc="/host"), {})
    assert (
        logging.WARNING,
        "hostProc init config key is deprecated since it is no more in use",
    ) in config.init_logs


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    return make_certificates(tmp_path_factory.mktemp("pki"))


def test_ca_bundle_is_read(certificates: Certificates) -> None:
    bundle = certificates.path("ca.crt")
    config = parse_config(config_text(caPEMBundle=str(bundle)), {})
    assert config.ca_pem == bundle.read_bytes()
    assert config.secure


def test_ca_bundle_with_comments_and_several_roots_is_read(
    certificates: Certificates, tmp_path: Path
) -> None:
    """As distribution bundles are: comments (even non-ASCII ones) between the roots."""
    bundle = tmp_path / "bundle.pem"
    issuer = "# Issuer: CN=Főtanúsítvány\n".encode()
    parts = [issuer, certificates.read("ca.crt")]
    bundle.write_bytes(b"".join([*parts, b"# other\n", certificates.read("other-ca.crt")]))
    assert parse_config(config_text(caPEMBundle=str(bundle)), {}).secure


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "the file is empty"),
        (b"  \n\n", "the file is empty"),
        (b"not a certificate\n", "the file holds no PEM certificate"),
        (b"-----BEGIN CERTIFICATE-----\n", "the file holds no PEM certificate"),
        (
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "a PEM certificate in the file cannot be parsed",
        ),
        (b"client.key", "the file holds no PEM certificate"),
    ],
    ids=["empty", "blank", "text", "no-end", "bad-der", "private-key"],
)
def test_ca_bundle_without_certificates_fails(
    certificates: Certificates, tmp_path: Path, content: bytes, problem: str
) -> None:
    """Never plaintext when TLS was asked for: upstream fell back to it silently."""
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(certificates.read("client.key") if content == b"client.key" else content)
    with pytest.raises(ConfigError) as info:
        parse_config(config_text(caPEMBundle=str(bundle)), {})
    assert str(info.value).startswith(f"caPEMBundle '{bundle}' is no PEM root bundle: {problem}")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("missing.pem", "No such file or directory"),
        (".", "a directory, not a regular file"),
        ("/dev/zero", "a character device, not a regular file"),
        ("fifo", "a FIFO, not a regular file"),
        ("big.pem", f"larger than {MAX_PEM_FILE} bytes"),
    ],
)
def test_unreadable_ca_bundle_fails(tmp_path: Path, name: str, reason: str) -> None:
    """Upstream logged an ERROR and went on in plaintext. A FIFO with no writer would block
    init forever; a device may never end."""
    os.mkfifo(tmp_path / "fifo")
    with (tmp_path / "big.pem").open("wb") as big:
        big.truncate(MAX_PEM_FILE + 1)
    path = str(tmp_path / name)
    with pytest.raises(ConfigError) as info:
        parse_config(config_text(caPEMBundle=path), {})
    assert str(info.value) == f"cannot read caPEMBundle '{path}': {reason}"


@pytest.mark.parametrize("key", ["caPEMBundle", "clientCertPEM", "clientKeyPEM"])
def test_a_path_with_a_nul_is_a_config_error(certificates: Certificates, key: str) -> None:
    paths = {k: str(certificates.path(n)) for k, n in PAIR.items()}
    paths[key] += "\0.pem"
    with pytest.raises(ConfigError) as info:
        parse_config(config_text(**paths), {})
    assert str(info.value) == f"invalid init config: key '{key}' holds a path with a NUL character"


def test_empty_ca_bundle_path_means_insecure() -> None:
    config = parse_config(config_text(caPEMBundle=""), {})
    assert config.ca_pem is None
    assert all(level < logging.WARNING for level, _ in config.init_logs)


def test_client_certificate_and_key_are_read(certificates: Certificates) -> None:
    paths = {
        "caPEMBundle": certificates.path("ca.crt"),
        "clientCertPEM": certificates.path("client.crt"),
        "clientKeyPEM": certificates.path("client.key"),
    }
    config = parse_config(config_text(**{k: str(p) for k, p in paths.items()}), {})
    assert (config.ca_pem, config.client_cert_pem, config.client_key_pem) == tuple(
        p.read_bytes() for p in paths.values()
    )


@pytest.mark.parametrize("unreadable", ["clientCertPEM", "clientKeyPEM"])
def test_unreadable_client_files_fail(
    certificates: Certificates, tmp_path: Path, unreadable: str
) -> None:
    paths = {key: tmp_path / key for key in ("clientCertPEM", "clientKeyPEM")}
    for key, path in paths.items():
        if key != unreadable:
            path.write_bytes(certificates.read(PAIR[key]))
    ca = str(certificates.path("ca.crt"))
    with pytest.raises(ConfigError) as info:
        parse_config(config_text(caPEMBundle=ca, **{k: str(p) for k, p in paths.items()}), {})
    assert str(info.value) == (
        f"cannot read {unreadable} '{paths[unreadable]}': No such file or directory"
    )


def test_client_certificate_without_ca_bundle_fails(certificates: Certificates) -> None:
    """The schema requires the key; an empty path would mean plaintext, so it fails too."""
    config = config_text(
        caPEMBundle="",
        clientCertPEM=str(certificates.path("client.crt")),
        clientKeyPEM=str(certificates.path("client.key")),
    )
    with pytest.raises(ConfigError) as info:
        parse_config(config, {})
    assert str(info.value) == (
        "invalid init config: key 'clientCertPEM' requires a non-empty 'caPEMBundle'"
    )
