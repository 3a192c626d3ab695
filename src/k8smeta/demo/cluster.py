"""The example cluster: a kubectl `-o json` List read into what one node must receive.

The node view follows the collector's rules (docs/collector-contract.md, "Relevance"):
the node's pods whose namespace is known, their namespaces, their known controller owners
(ReplicaSet -> Deployment, Job -> CronJob, ReplicationController, DaemonSet, StatefulSet),
the Services whose non-empty selector matches them, and the node itself. Its size is the
number of `k8s` async events the plugin receives for the node's snapshot, the demo's
deterministic "synced" criterion.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from k8smeta.demo.files import read_json
from k8smeta.wire import vocabulary

#: The kinds the plugin subscribes to (docs/plugin-contract.md, "Feed").
STREAMED_KINDS = vocabulary.KINDS
#: Owners whose own controller owner a node also receives (Deployment, CronJob).
_SECOND_LEVEL = (vocabulary.REPLICA_SET, vocabulary.JOB)
#: The one pod annotation the demo forwards (collector `--pod-annotations`) and exposes
#: (plugin `podAnnotations`): which team owns the workload.
DEMO_ANNOTATION = "example.com/team"


class ClusterError(Exception):
    """The snapshot file is no readable cluster dump; the message names the file."""


@dataclass(frozen=True, slots=True)
class Resource:
    """One object of the dump, reduced to what the demo needs."""

    kind: str
    namespace: str
    name: str
    uid: str
    labels: Mapping[str, str]
    owner: tuple[str, str] | None  # (kind, uid) of the controller ownerReference
    node: str  # pods only; "" when unscheduled
    selector: Mapping[str, str]  # services only
    containers: tuple[tuple[str, str, str], ...] = ()  # pods: (name, image, runtime ID)


def _controller(metadata: Mapping[str, Any]) -> tuple[str, str] | None:
    for ref in metadata.get("ownerReferences") or ():
        if ref.get("controller"):
            return str(ref["kind"]), str(ref["uid"])
    return None


def _containers(spec: Mapping[str, Any], status: Mapping[str, Any]) -> tuple[Any, ...]:
    """(name, image, runtime ID without `<runtime>://`) of the pod's started containers."""
    images = {c["name"]: str(c.get("image", "")) for c in spec.get("containers") or ()}
    found = []
    for entry in status.get("containerStatuses") or ():
        cid = str(entry.get("containerID", "")).partition("://")[2]
        if cid:
            found.append((str(entry["name"]), images.get(entry["name"], ""), cid))
    return tuple(found)


def _resource(item: Mapping[str, Any]) -> Resource:
    metadata = item["metadata"]
    spec = item.get("spec") or {}
    kind = str(item["kind"])
    return Resource(
        kind=kind,
        namespace=str(metadata.get("namespace", "")),
        name=str(metadata["name"]),
        uid=str(metadata["uid"]),
        labels=dict(metadata.get("labels") or {}),
        owner=_controller(metadata),
        node=str(spec.get("nodeName") or "") if kind == vocabulary.POD else "",
        selector=dict(spec.get("selector") or {}) if kind == vocabulary.SERVICE else {},
        containers=_containers(spec, item.get("status") or {}) if kind == vocabulary.POD else (),
    )


@dataclass(frozen=True, slots=True)
class Cluster:
    """Every object of the dump, by UID."""

    resources: Mapping[str, Resource]

    @classmethod
    def load(cls, path: Path) -> Cluster:
        """The dump in `path` (a List or one object); InputFileError or ClusterError names
        the file."""
        document = read_json(path, "snapshot")
        try:
            return cls.from_document(document)
        except (KeyError, TypeError, AttributeError) as exc:
            reason = f"no key {exc.args[0]!r}" if isinstance(exc, KeyError) else str(exc)
            raise ClusterError(
                f"the snapshot {path} is not a `kubectl get -o json` dump: {reason}"
            ) from None

    @classmethod
    def from_document(cls, document: Any) -> Cluster:
        """The cluster of a decoded dump; KeyError/TypeError/AttributeError when malformed."""
        items = document["items"] if document.get("kind") == "List" else [document]
        return cls({item["metadata"]["uid"]: _resource(item) for item in items})

    def of_kind(self, kind: str) -> list[Resource]:
        return [r for r in self.resources.values() if r.kind == kind]

    def pod(self, namespace: str, name: str) -> Resource:
        for pod in self.of_kind(vocabulary.POD):
            if (pod.namespace, pod.name) == (namespace, name):
                return pod
        raise KeyError(f"no pod {namespace}/{name} in the cluster")

    def namespace_of(self, resource: Resource) -> Resource | None:
        found = [n for n in self.of_kind(vocabulary.NAMESPACE) if n.name == resource.namespace]
        return found[0] if found else None

    def owners(self, pod: Resource) -> list[Resource]:
        """The pod's known controller owner and, for a ReplicaSet or a Job, its known owner."""
        chain: list[Resource] = []
        ref = pod.owner
        while ref is not None and ref[1] in self.resources and len(chain) < 2:
            owner = self.resources[ref[1]]
            if owner.kind not in STREAMED_KINDS:
                break
            chain.append(owner)
            ref = owner.owner if owner.kind in _SECOND_LEVEL else None
        return chain

    def services(self, pod: Resource) -> list[Resource]:
        """Services of the pod's namespace selecting it, by UID (the collector's refs order)."""
        matching = [
            s
            for s in self.of_kind(vocabulary.SERVICE)
            if s.namespace == pod.namespace
            and s.selector
            and all(pod.labels.get(k) == v for k, v in s.selector.items())
        ]
        return sorted(matching, key=lambda s: s.uid)

    def node_view(self, node: str) -> set[str]:
        """UIDs of every object the collector streams to `node`."""
        view: set[str] = set()
        for pod in self.of_kind(vocabulary.POD):
            namespace = self.namespace_of(pod)
            if pod.node != node or namespace is None:
                continue
            related: Sequence[Resource] = [
                pod,
                namespace,
                *self.owners(pod),
                *self.services(pod),
            ]
            view.update(r.uid for r in related)
        view.update(n.uid for n in self.of_kind(vocabulary.NODE) if n.name == node)
        return view
