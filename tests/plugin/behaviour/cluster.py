"""A small cluster as our collector streams it to node `control-plane`, beyond upstream's
kinds: wire `Event`s shaped as docs/plugin-contract.md ("Fields beyond upstream") says,
turned into async payloads by the feed's own translation.

Pods (their refs name their controller verbatim, as the collector sends them):

    pod-ds    DaemonSet agent
    pod-sts   StatefulSet db
    pod-cron  Job backup-1, whose refs name CronJob backup
    pod-job   Job migrate (no CronJob)
    pod-web   Deployment web over ReplicaSet web-1
    pod-bare  no controller; annotations team and secret
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import orjson

from k8smeta.plugin.feed import event_payload
from k8smeta.wire import metadata_pb2
from tests.host.base import FalcoHost

NODE = "control-plane"
POD_DS, POD_STS, POD_CRON, POD_JOB, POD_WEB, POD_BARE = (
    f"00000000-0000-4000-8000-00000000000{i}" for i in range(1, 7)
)


def _meta(uid: str, name: str, namespace: str | None, labels: Mapping[str, str]) -> str:
    # Go's encoding/json of the collector's struct: keys sorted, compact.
    meta: dict[str, object] = {"name": name, "uid": uid}
    if namespace is not None:
        meta["namespace"] = namespace
    if labels:
        meta["labels"] = dict(labels)
    return orjson.dumps(meta, option=orjson.OPT_SORT_KEYS).decode()


def _refs(refs: Mapping[str, Sequence[str]]) -> metadata_pb2.References:
    message = metadata_pb2.References()
    for kind, uids in refs.items():
        message.resources[kind].list.extend(uids)
    return message


def event(
    kind: str,
    uid: str,
    name: str,
    *,
    namespace: str | None = "apps",
    labels: Mapping[str, str] | None = None,
    refs: Mapping[str, Sequence[str]] | None = None,
    reason: str = "Create",
    annotations: Mapping[str, str] | None = None,
) -> metadata_pb2.Event:
    """One Create/Update as the collector sends it (pods get an empty status)."""
    meta = _meta(uid, name, namespace, labels or {})
    if annotations:
        decoded = orjson.loads(meta) | {"annotations": dict(annotations)}
        meta = orjson.dumps(decoded, option=orjson.OPT_SORT_KEYS).decode()
    message = metadata_pb2.Event(reason=reason, uid=uid, kind=kind, meta=meta)
    if kind == "Pod":
        message.status = "{}"
    if refs:
        message.refs.CopyFrom(_refs(refs))
    return message


def delete(kind: str, uid: str) -> metadata_pb2.Event:
    return metadata_pb2.Event(reason="Delete", uid=uid, kind=kind)


def pod(uid: str, name: str, controller: Mapping[str, Sequence[str]]) -> metadata_pb2.Event:
    return event("Pod", uid, name, labels={"app": name}, refs={"Namespace": ["ns-1"], **controller})


CLUSTER: tuple[metadata_pb2.Event, ...] = (
    event("Namespace", "ns-1", "apps", namespace=None),
    event("Node", "node-1", NODE, namespace=None, labels={"zone": "z1", "arch": "arm64"}),
    event("Deployment", "dep-1", "web", labels={"app": "web"}),
    event("ReplicaSet", "rs-1", "web-1", labels={"app": "web", "hash": "1"}),
    event("DaemonSet", "ds-1", "agent", labels={"app": "agent"}),
    event("StatefulSet", "sts-1", "db", labels={"app": "db", "tier": "data"}),
    event("CronJob", "cj-1", "backup", labels={"app": "backup"}),
    event("Job", "job-1", "backup-1", labels={"app": "backup"}, refs={"CronJob": ["cj-1"]}),
    event("Job", "job-2", "migrate", labels={"app": "migrate"}),
    pod(POD_DS, "pod-ds", {"DaemonSet": ["ds-1"]}),
    pod(POD_STS, "pod-sts", {"StatefulSet": ["sts-1"]}),
    pod(POD_CRON, "pod-cron", {"Job": ["job-1"]}),
    pod(POD_JOB, "pod-job", {"Job": ["job-2"]}),
    pod(POD_WEB, "pod-web", {"Deployment": ["dep-1"], "ReplicaSet": ["rs-1"]}),
    event(
        "Pod",
        POD_BARE,
        "pod-bare",
        refs={"Namespace": ["ns-1"]},
        annotations={"team": "payments", "secret": "s3cr3t"},
    ),
)


def send(host: FalcoHost, *events: metadata_pb2.Event) -> None:
    """Deliver wire events as the feed would push them."""
    for message in events:
        assert host.async_event("k8s", event_payload(message)), host.last_error()
