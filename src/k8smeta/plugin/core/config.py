"""Parse and interpret the init config (spec §10.2) into an immutable `Config`.

`parse_config` never logs: the records it would emit are returned in `Config.init_logs`
and emitted by `PluginCore` once the state's verbosity is in force.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import orjson

from k8smeta.plugin.core.errors import ConfigError
from k8smeta.plugin.core.levels import DEFAULT_VERBOSITY
from k8smeta.plugin.core.schema import INIT_SCHEMA_JSON, validate

__all__ = ["INIT_SCHEMA_JSON", "Config", "parse_config"]

_ENV_REF = re.compile(r"\$\{([^}]+)\}")
_MAX_PORT = 65535
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


def _read_ca(path: str, logs: list[tuple[int, str]]) -> bytes | None:
    if not path:
        return None
    try:
        data = Path(path).read_bytes()
    except OSError:
        logs.append(
            (
                logging.ERROR,
                f"Cannot open any PEM bundle at '{path}'. Proceed with insecure connection",
            )
        )
        return None
    return data or None


def _read_client_file(key: str, path: str | None) -> bytes | None:
    if path is None:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {key} '{path}': {exc.strerror or exc}") from None


#: The warning for `hostProc` on hosts with the cgroups sub-table (spec §10.2 item 8).
HOST_PROC_DEPRECATED: Final = "hostProc init config key is deprecated since it is no more in use"


def parse_config(text: str, environ: Mapping[str, str]) -> Config:
    """Validate and interpret the init config; raise ConfigError with the last-error text."""
    config = _decode(text)
    validate(config)
    logs: list[tuple[int, str]] = []
    port: int = config["collectorPort"]
    if not 1 <= port <= _MAX_PORT:
        logs.append((logging.CRITICAL, f"collectorPort {port} is not a valid TCP port"))
    raw_node_name: str = config["nodeName"]
    node_name = expand_node_name(raw_node_name, environ, logs)
    logs.append((logging.DEBUG, f"metadata are received from node '{node_name}'"))
    ca_pem = _read_ca(config.get("caPEMBundle", ""), logs)
    if "hostProc" in config:
        logs.append((logging.WARNING, HOST_PROC_DEPRECATED))
    return Config(
        collector_hostname=config["collectorHostname"],
        collector_port=port,
        node_name=node_name,
        verbosity=config.get("verbosity", DEFAULT_VERBOSITY),
        ca_pem=ca_pem,
        client_cert_pem=_read_client_file("clientCertPEM", config.get("clientCertPEM")),
        client_key_pem=_read_client_file("clientKeyPEM", config.get("clientKeyPEM")),
        host_proc=config.get("hostProc") or DEFAULT_HOST_PROC,
        raw_node_name=raw_node_name,
        init_logs=tuple(logs),
    )
