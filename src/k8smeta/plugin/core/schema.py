"""The init-config schema: served text (`get_init_schema`) and the same rules as a table.

Titles and descriptions of upstream's keys are verbatim (docs/configuration.md); `clientCertPEM` and
`clientKeyPEM` are ours. `validate` applies what libsinsp's draft-04 validation would, for
hosts that skip it, and names the key and the problem in one message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from k8smeta.plugin.core.errors import ConfigError
from k8smeta.plugin.core.json_types import json_type
from k8smeta.plugin.core.levels import VERBOSITY_LEVELS


@dataclass(frozen=True, slots=True)
class Key:
    """One init-config key: its JSON type (None = any, checked by `enum`) and its texts."""

    name: str
    json_type: str | None
    required: bool
    title: str
    description: str
    enum: tuple[str, ...] = ()
    items: str | None = None  # arrays: the JSON type of every item


KEYS: tuple[Key, ...] = (
    Key(
        "verbosity",
        None,
        False,
        "The plugin logging verbosity",
        "The verbosity that the plugin will use when printing logs.",
        tuple(VERBOSITY_LEVELS),
    ),
    Key(
        "collectorHostname",
        "string",
        True,
        "The collector hostname",
        "The hostname used by the plugin to contact the collector (e.g. '128.141.201.74').",
    ),
    Key(
        "collectorPort",
        "integer",
        True,
        "The collector port",
        "The port used by the plugin to contact the collector (e.g. '45000').",
    ),
    Key(
        "nodeName",
        "string",
        True,
        "The node on which Falco is deployed",
        "The plugin collects k8s metadata only for the node on which Falco is deployed so"
        " the node name must be specified.",
    ),
    Key(
        "caPEMBundle",
        "string",
        False,
        "The path to the PEM encoding of the server root certificates",
        "The path to the PEM encoding of the server root certificates."
        " E.g. '/etc/ssl/certs/ca-certificates.crt'",
    ),
    Key(
        "hostProc",
        "string",
        False,
        "[DEPRECATED] Path to reach the '/proc' folder we want to scan.",
        "[DEPRECATED] The plugin needs to scan the '/proc' of the host on which is running."
        " In Falco usually we put the host '/proc' folder under '/host/proc' so the the"
        " default for this config is '/host'. The path used here must not have a final '/'.",
    ),
    Key(
        "clientCertPEM",
        "string",
        False,
        "The path to the PEM client certificate",
        "The path to the PEM client certificate for mutual TLS with the collector."
        " Requires 'clientKeyPEM' and 'caPEMBundle'.",
    ),
    Key(
        "clientKeyPEM",
        "string",
        False,
        "The path to the PEM client private key",
        "The path to the PEM client private key for mutual TLS with the collector."
        " Requires 'clientCertPEM'.",
    ),
    Key(
        "podAnnotations",
        "array",
        False,
        "The pod annotations the plugin keeps",
        "The annotation keys exposed as 'k8smeta.pod.annotation[key]' (none by default:"
        " annotations can be large and sensitive). The collector must forward them too"
        " (its '--pod-annotations' flag).",
        items="string",
    ),
)

KEYS_BY_NAME: dict[str, Key] = {key.name: key for key in KEYS}

#: draft-04 `dependencies`: a present key requires these keys.
DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "clientCertPEM": ("clientKeyPEM", "caPEMBundle"),
    "clientKeyPEM": ("clientCertPEM",),
}


def _property(key: Key) -> dict[str, Any]:
    prop: dict[str, Any] = {}
    if key.json_type is not None:
        prop["type"] = key.json_type
    if key.enum:
        prop["enum"] = list(key.enum)
    if key.items is not None:
        prop["items"] = {"type": key.items}
    prop["title"] = key.title
    prop["description"] = key.description
    return prop


def _schema() -> str:
    schema = {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "object",
        "required": [key.name for key in KEYS if key.required],
        "properties": {key.name: _property(key) for key in KEYS},
        "dependencies": {name: list(needs) for name, needs in DEPENDENCIES.items()},
        "additionalProperties": False,
    }
    return orjson.dumps(schema, option=orjson.OPT_INDENT_2).decode()


INIT_SCHEMA_JSON: str = _schema()


def _invalid(reason: str) -> ConfigError:
    return ConfigError(f"invalid init config: {reason}")


def validate(config: Mapping[str, Any]) -> None:
    """Check `config` against the schema; raise ConfigError naming the key and the problem."""
    for name in config:
        if name not in KEYS_BY_NAME:
            raise _invalid(f"unknown key '{name}'")
    for key in KEYS:
        if key.required and key.name not in config:
            raise ConfigError(f"missing required init config key '{key.name}'")
    for name, value in config.items():
        key = KEYS_BY_NAME[name]
        actual = json_type(value)
        if key.json_type is not None and actual != key.json_type:
            raise _invalid(f"key '{name}' must be of type {key.json_type}, not {actual}")
        if key.enum and value not in key.enum:
            allowed = ", ".join(key.enum)
            shown = orjson.dumps(value).decode()
            raise _invalid(f"key '{name}' must be one of {allowed}, not {shown}")
        for item in value if key.items is not None else ():
            if json_type(item) != key.items:
                shown = json_type(item)
                raise _invalid(f"items of key '{name}' must be of type {key.items}, not {shown}")
    for name, needs in DEPENDENCIES.items():
        for need in needs if name in config else ():
            if need not in config:
                raise _invalid(f"key '{name}' requires key '{need}'")
