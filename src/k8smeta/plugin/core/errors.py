"""The plugin core's error hierarchy; the ABI turns each into FAILURE plus a last error.

::

    PluginError                 anything the core refuses, with a message fit for a user
    ├── ConfigError             the init config is missing, malformed or unusable
    ├── PayloadError            an async `k8s` payload was rejected; already logged
    │   └── UnknownKindError    ...because its kind is not one the plugin stores
    ├── FieldError              an extraction request names no field of `FIELDS`
    └── TableError              the host's threads table failed (hosts raise it)

Absence (no thread, no pod, no value) is never an error: it is `None`.
"""

from __future__ import annotations

from typing import Final

#: Why a thread's cgroups could not be read (upstream's text).
CGROUPS_UNREADABLE: Final = "can't get subtable"


class PluginError(Exception):
    """Base of every error the core raises on purpose."""


class ConfigError(PluginError):
    """The init config cannot be used; the message is the plugin's last error."""


class PayloadError(PluginError):
    """An async payload was rejected; the core has logged it and counted it."""


class UnknownKindError(PayloadError):
    """The payload's kind is not stored by the plugin (e.g. the misspelt `DeamonSet`)."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"kind '{kind}' is not known to the plugin")
        self.kind = kind


class FieldError(PluginError):
    """An extraction request names a field id outside the `FIELDS` table."""


class TableError(PluginError):
    """The host's threads table failed; raised by host implementations of the Protocols."""
