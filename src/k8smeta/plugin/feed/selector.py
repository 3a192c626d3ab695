"""The Selector the feed sends on `Watch` (docs/plugin-contract.md, "Feed")."""

from __future__ import annotations

from typing import Final

from k8smeta.plugin.core.payload import KINDS
from k8smeta.wire import metadata_pb2

SYNC_OPT_IN: Final = "k8smeta/sync"
"""Opt-in key asking our collector for `Sync` snapshot markers; upstream ignores it."""

RESOURCE_KINDS: Final = (*KINDS, SYNC_OPT_IN)
"""The kinds the core stores, correctly spelt (upstream asks for `ReplicaController`),
plus the opt-in key."""


def watch_selector(node_name: str) -> metadata_pb2.Selector:
    """The Selector for `node_name`: every key of RESOURCE_KINDS with value "true"."""
    return metadata_pb2.Selector(
        nodeName=node_name, resourceKinds=dict.fromkeys(RESOURCE_KINDS, "true")
    )
