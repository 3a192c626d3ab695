"""`k8smeta watch --explain UID`: what the collector sends a node for one pod, and what the
plugin would extract from it.

Subscribes with the plugin's own Selector, reads the snapshot until the Sync marker (or the
timeout: an upstream collector sends none), feeds every event through the plugin's own
translation and validation into a core `Store`, then prints, `dump_state`-style, the pod,
each resource its refs name (present or missing), the node, and every field's value or why
it is empty (docs/troubleshooting.md, "Why is a field empty?").
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from k8smeta.plugin.core.errors import PayloadError
from k8smeta.plugin.core.kinds import KIND_SPECS
from k8smeta.plugin.core.payload import Payload, decode_payload
from k8smeta.plugin.core.store import Store
from k8smeta.plugin.feed import event_payload
from k8smeta.tools.explain_fields import NO_CONTAINERS, container_names, field_lines
from k8smeta.tools.watch_call import Ending, Outcome, WatchOptions, watch_events
from k8smeta.wire.vocabulary import POD, SYNC

#: kind -> the kind its records' refs name for the pod's fields (a Job -> its CronJob).
_NAMED_BY = {
    spec.family.via: spec.kind
    for spec in KIND_SPECS
    if spec.family is not None and spec.family.via is not None
}
#: Seconds `--explain` waits for the snapshot when no `--timeout` is given.
DEFAULT_EXPLAIN_TIMEOUT = 10.0


@dataclass(slots=True)
class Snapshot:
    """What one node's snapshot held, as the plugin's store would hold it."""

    store: Store
    synced: bool = False
    events: int = 0
    rejected: list[str] = field(default_factory=list)
    failure: str | None = None  # why the stream failed before the snapshot was complete

    def has_pod(self, pod_uid: str) -> bool:
        return pod_uid in self.store.pods


def read_snapshot(options: WatchOptions, pod_uid: str, outcome: Outcome) -> Snapshot:
    """The store after the snapshot (up to the Sync marker, the timeout or the stream's end).

    The pod's annotations are all kept, whatever `podAnnotations` says: the report shows
    what the collector forwards.
    """
    payloads: list[Payload] = []
    synced, rejected = False, []
    with contextlib.closing(watch_events(options, outcome)) as events:
        for event in events:
            if event.reason == SYNC:
                synced = True
                break
            try:
                payloads.append(decode_payload(event_payload(event)))
            except PayloadError as exc:  # the plugin would reject it the same way
                rejected.append(f"{event.reason} {event.kind} {event.uid}: {exc}")
    keys = {key for p in payloads if p.uid == pod_uid and p.kind == POD for key in p.annotations}
    store = Store(options.node, keys)
    for payload in payloads:
        store.apply(payload)
    failure = None
    if not synced and outcome.ending is Ending.FAILED:
        code = outcome.code.name if outcome.code is not None else "an error"
        failure = f"{code}: {outcome.details}"
    return Snapshot(store, synced, len(payloads), rejected, failure)


def _describe(store: Store, kind: str, uid: str) -> str:
    record = store.tables.get(kind, {}).get(uid)
    if record is None:
        known = "a kind the plugin does not keep" if kind not in store.tables else "not sent"
        return f"{kind} {uid}: MISSING ({known})"
    return f"{kind} {uid}: present, name {record.payload.name!r}"


def _named_by(store: Store, kind: str, uid: str) -> list[str]:
    """The resources the refs of the `kind` record `uid` name for the pod (its CronJob)."""
    named = _NAMED_BY[kind]
    holder = store.tables[kind].get(uid)
    uids = () if holder is None else dict(holder.payload.refs or ()).get(named, ())
    return [_describe(store, named, owner_uid) for owner_uid in uids]


def report(snapshot: Snapshot, options: WatchOptions, pod_uid: str) -> list[str]:
    """The lines `--explain` prints."""
    store = snapshot.store
    if snapshot.failure is not None:
        how = f"the stream failed before the snapshot was complete ({snapshot.failure})"
    elif snapshot.synced:
        how = "up to the Sync marker"
    else:
        how = (
            "no Sync marker (an upstream collector, or the timeout): kinds beyond upstream"
            " (StatefulSet, Job, CronJob, Node) are not sent"
        )
    lines = [f"collector {options.target}, node {options.node!r}: {snapshot.events} events, {how}"]
    lines.extend(f"rejected by the plugin: {text}" for text in snapshot.rejected)
    pod = store.pods.get(pod_uid)
    if pod is None and snapshot.failure is not None:
        lines.append(
            f"Pod {pod_uid}: not among the {snapshot.events} events received before the"
            " stream failed: unknown whether the collector would send it"
        )
        return lines
    if pod is None:
        lines.append(
            f"Pod {pod_uid}: MISSING: the collector sent no pod with this UID to node"
            f" {options.node!r} (is the pod on that node? `kubectl get pod -o wide`)"
        )
        lines.append("every field is empty: unknown pod (metric extract_unknown_pod)")
        return lines
    p = pod.payload
    lines.append(f"Pod {pod_uid}: present, name {p.name!r}, namespace {p.namespace!r}")
    for kind, uids in p.refs or ():
        lines.extend(f"  refs {_describe(store, kind, uid)}" for uid in uids)
        for uid in uids if kind in _NAMED_BY else ():
            lines.extend(f"    its refs {line}" for line in _named_by(store, kind, uid))
    node = store.own_node
    lines.append(
        f"Node {options.node!r}: "
        + ("MISSING (not sent)" if node is None else f"present, uid {node.key}")
    )
    containers = container_names(pod)
    lines.append(
        "containers: " + ", ".join(containers)
        if containers
        else f"containers: none with a container ID: {NO_CONTAINERS}"
    )
    lines.append("fields:")
    lines.extend(f"  {line}" for line in field_lines(store, pod))
    return lines
