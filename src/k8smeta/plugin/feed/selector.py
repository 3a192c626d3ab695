"""The Selector the feed sends on `Watch` (docs/plugin-contract.md, "Feed")."""

from __future__ import annotations

from typing import Final

from k8smeta.wire import metadata_pb2
from k8smeta.wire.vocabulary import DETAILS_KEY, KINDS, SYNC_KEY

RESOURCE_KINDS: Final = (*KINDS, SYNC_KEY, DETAILS_KEY)
"""The kinds the core stores, correctly spelt (upstream asks for `ReplicaController`),
plus the keys opting in to `Sync` snapshot markers and to pods with their containers and
security context (upstream ignores both)."""

NO_SYNC_NOTICE: Final = (
    "The collector completed its snapshot without a Sync marker, as the upstream"
    " k8s-metacollector does: it sends no StatefulSet, Job, CronJob nor Node and no pod"
    " annotations, so k8smeta.sts.*, k8smeta.job.*, k8smeta.cronjob.*, k8smeta.node.* and"
    " k8smeta.pod.annotation[] will have no value, and k8smeta.workload.name none for"
    " those controllers; it sends no pod details, so k8smeta.container.*,"
    " k8smeta.pod.ips, .serviceaccount, .hostnetwork, .hostpid and .qos will have no value"
    " (docs/troubleshooting.md)"
)
"""Logged once at INFO by a feed whose collector never sends `Sync`: our collector does."""


def watch_selector(node_name: str) -> metadata_pb2.Selector:
    """The Selector for `node_name`: every key of RESOURCE_KINDS with value "true"."""
    return metadata_pb2.Selector(
        nodeName=node_name, resourceKinds=dict.fromkeys(RESOURCE_KINDS, "true")
    )
