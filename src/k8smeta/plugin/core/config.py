"""Parse and interpret the init config (docs/configuration.md) into an immutable `Config`.

`parse_config` never logs: the records it would emit are returned in `Config.init_logs`
and emitted by `PluginCore` once the state's verbosity is in force. What would leave the
plugin unable to do what the user asked (a port that is no TCP port, TLS asked for with no
usable root bundle) fails init instead of degrading: never plaintext when TLS was asked.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import orjson

from k8smeta.plugin.core import keypair
from k8smeta.plugin.core.errors import ConfigError
from k8smeta.plugin.core.levels import DEFAULT_VERBOSITY
from k8smeta.plugin.core.pem import bundle_problem
from k8smeta.plugin.core.schema import INIT_SCHEMA_JSON, validate

__all__ = ["INIT_SCHEMA_JSON", "Config", "parse_config"]

_ENV_REF = re.compile(r"\$\{([^}]+)\}")
_MAX_PORT = 65535
#: Bound of a PEM file read at init (distribution CA bundles are a few hundred kB).
MAX_PEM_FILE: Final = 8 * 1024 * 1024
DEFAULT_HOST_PROC = "/host"


@dataclass(frozen=True, slots=True)
class Config:
    """The interpreted init config of one plugin state."""

    collector_hostname: str
    collector_port: int
    node_name: str
    verbosity: str = DEFAULT_VERBOSITY
    ca_pem: bytes | None = None
    client_cert_pem: bytes | None = None
    client_key_pem: bytes | None = None
    host_proc: str = DEFAULT_HOST_PROC
    raw_node_name: str = ""
    pod_annotations: tuple[str, ...] = ()  # keys of `k8smeta.pod.annotation[key]`
    init_logs: tuple[tuple[int, str], ...] = ()

    @property
    def target(self) -> str:
        """The gRPC target `hostname:port` (an IPv6 literal is bracketed by the user)."""
        return f"{self.collector_hostname}:{self.collector_port}"

    @property
    def secure(self) -> bool:
        """Whether the feed uses TLS (a non-empty PEM bundle was read)."""
        return self.ca_pem is not None


def _decode(text: str) -> Mapping[str, Any]:
    if not text:
        raise ConfigError("cannot find the init config for the plugin")
    try:
        decoded = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ConfigError(f"invalid init config: {exc}") from None
    if not isinstance(decoded, dict):
        raise ConfigError("invalid init config: the config must be a JSON object")
    return decoded


def expand_node_name(raw: str, environ: Mapping[str, str], logs: list[tuple[int, str]]) -> str:
    """Replace every `${NAME}` in place, strip whitespace; empty result -> ConfigError."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        value = environ.get(name)
        if value is None:
            logs.append((logging.WARNING, f"environment variable '{name}' is not set"))
            return ""
        return value

    node_name = _ENV_REF.sub(substitute, raw).strip()
    if not node_name:
        raise ConfigError(
            f"nodeName is empty after expanding environment variables (configured value: '{raw}')"
        )
    return node_name


def _check_port(port: int) -> int:
    """`port` when it is a TCP port; upstream wrapped 70000 around to 4464."""
    if not 1 <= port <= _MAX_PORT:
        raise ConfigError(
            f"invalid init config: key 'collectorPort' must be a TCP port"
            f" (1 to {_MAX_PORT}), not {port}"
        )
    return port


def _read_ca(path: str) -> bytes | None:
    """The PEM roots, or None (plaintext) when no bundle is configured.

    A configured bundle that cannot be read, is empty or holds no certificate fails init:
    upstream then fell back to plaintext, silently for an empty file.
    """
    if not path:
        return None
    data = _read_file("caPEMBundle", path)
    problem = bundle_problem(data)
    if problem is not None:
        raise ConfigError(f"caPEMBundle '{path}' is no PEM root bundle: {problem}")
    return data


def _read_file(key: str, path: str) -> bytes:
    """The bytes of a regular file, read with a bound.

    A FIFO with no writer would block init forever, a device such as /dev/zero never ends,
    and a NUL cannot be in a path: each is refused with the key named.
    """
    if "\0" in path:
        raise ConfigError(f"invalid init config: key '{key}' holds a path with a NUL character")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise ConfigError(f"cannot read {key} '{path}': {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise ConfigError(f"cannot read {key} '{path}': {_file_kind(mode)}, not a regular file")
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_PEM_FILE:
            chunk = os.read(fd, MAX_PEM_FILE + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise ConfigError(f"cannot read {key} '{path}': {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if size > MAX_PEM_FILE:
        raise ConfigError(f"cannot read {key} '{path}': larger than {MAX_PEM_FILE} bytes")
    return b"".join(chunks)


def _file_kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return "a special file"


def _read_client_pair(
    config: Mapping[str, Any], ca_pem: bytes | None
) -> tuple[bytes, bytes] | None:
    """The mutual-TLS chain and key (PEM), checked as the feed's TLS will load them, or None.

    Mutual TLS needs TLS, i.e. a non-empty `caPEMBundle` (the schema only requires the key
    to be present). An empty or unparsable key or chain, or a mismatched pair, would fail
    every connection attempt of the feed with OpenSSL's terse reason, so all three are
    refused here, naming the file.
    """
    cert_path: str | None = config.get("clientCertPEM")
    key_path: str | None = config.get("clientKeyPEM")
    if cert_path is None or key_path is None:
        return None
    if ca_pem is None:
        raise ConfigError(
            "invalid init config: key 'clientCertPEM' requires a non-empty 'caPEMBundle'"
        )
    cert_pem = _read_file("clientCertPEM", cert_path)
    key_pem = _read_file("clientKeyPEM", key_path)
    try:
        keypair.certificate_chain(cert_pem)
    except ImportError as exc:
        raise ConfigError(
            f"mutual TLS cannot be checked: OpenSSL cannot be loaded ({exc})"
        ) from None
    except keypair.PemError as exc:
        raise ConfigError(
            f"clientCertPEM '{cert_path}' is no PEM certificate chain: {exc}"
        ) from None
    try:
        keypair.check_pair(cert_pem, key_pem)
    except keypair.PemError as exc:
        raise ConfigError(f"clientKeyPEM '{key_path}' is no PEM private key: {exc}") from None
    except keypair.PairError as exc:
        raise ConfigError(
            f"clientKeyPEM '{key_path}' does not match the certificate in"
            f" clientCertPEM '{cert_path}' ({exc})"
        ) from None
    return cert_pem, key_pem


#: The warning for `hostProc` on hosts with the cgroups sub-table (docs/configuration.md).
HOST_PROC_DEPRECATED: Final = "hostProc init config key is deprecated since it is no more in use"


def parse_config(text: str, environ: Mapping[str, str]) -> Config:
    """Validate and interpret the init config; raise ConfigError with the last-error text."""
    config = _decode(text)
    validate(config)
    logs: list[tuple[int, str]] = []
    port = _check_port(config["collectorPort"])
    raw_node_name: str = config["nodeName"]
    node_name = expand_node_name(raw_node_name, environ, logs)
    logs.append((logging.DEBUG, f"metadata are received from node '{node_name}'"))
    ca_pem = _read_ca(config.get("caPEMBundle", ""))
    client = _read_client_pair(config, ca_pem)
    if "hostProc" in config:
        logs.append((logging.WARNING, HOST_PROC_DEPRECATED))
    return Config(
        collector_hostname=config["collectorHostname"],
        collector_port=port,
        node_name=node_name,
        verbosity=config.get("verbosity", DEFAULT_VERBOSITY),
        ca_pem=ca_pem,
        client_cert_pem=client[0] if client else None,
        client_key_pem=client[1] if client else None,
        host_proc=config.get("hostProc") or DEFAULT_HOST_PROC,
        raw_node_name=raw_node_name,
        pod_annotations=tuple(config.get("podAnnotations", ())),
        init_logs=tuple(logs),
    )
